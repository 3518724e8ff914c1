"""A quiet, accessible "live updates paused" notice while a page's socket cannot connect.

Real daphne servers: one refuses the page's origin, the other goes away and comes back.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIVENESS_MS
from tests.live.servers import Server, migrated_site

pytestmark = pytest.mark.embedded

PAUSED = "Live updates are paused: this page will catch up when the connection returns."


@pytest.fixture
def site(tmp_path):
    site = migrated_site(tmp_path / "site")
    return site, site.seed(0)["proposal"]


def open_proposal(page, server: Server, proposal: int):
    page.set_default_timeout(LIVENESS_MS)
    page.add_init_script(
        "document.addEventListener('htmx:wsOpen', () => {"
        " const mark = document.documentElement.dataset; mark.liveOpened = String(Number(mark.liveOpened || 0) + 1); });"
    )
    page.goto(f"{server.url}/proposals/{proposal}/")


def test_a_socket_the_server_refuses_shows_the_paused_notice(page, site, assert_accessible, screenshot):
    site, proposal = site
    (port,) = site.reserve_ports(1)
    server = Server(site, port, WEBSOCKET_ALLOWED_ORIGINS="https://elsewhere.example").start()
    try:
        open_proposal(page, server, proposal)
        expect(page.get_by_role("status").filter(has_text=PAUSED)).to_be_visible()
        screenshot("live-updates-paused")
        assert_accessible("live updates paused")
    finally:
        server.stop()


def test_the_notice_appears_when_the_server_goes_away_and_clears_when_it_returns(page, site):
    site, proposal = site
    (port,) = site.reserve_ports(1)
    server = Server(site, port).start()
    notice = page.locator("#live-status")
    try:
        open_proposal(page, server, proposal)
        expect(page.locator("html[data-live-opened]")).to_have_count(1)
        expect(notice).to_have_text("")
        expect(notice).to_have_attribute("role", "status")

        server.stop()
        expect(notice).to_have_text(PAUSED)
        opened = page.locator("html").get_attribute("data-live-opened")

        server.start()
        # htmx's ws extension reconnects with a growing, jittered delay; wait for the reopening itself.
        expect(page.locator("html")).not_to_have_attribute("data-live-opened", opened, timeout=120_000)
        expect(notice).to_have_text("")
    finally:
        server.stop()
