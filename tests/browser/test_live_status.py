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


def box_of(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None
    return box


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def show_refused_notice(page, site, proposal, *, session: str = ""):
    (port,) = site.reserve_ports(1)
    server = Server(site, port, WEBSOCKET_ALLOWED_ORIGINS="https://elsewhere.example").start()
    if session:
        page.context.add_cookies([{"name": "sessionid", "value": session, "url": server.url}])
    open_proposal(page, server, proposal)
    expect(page.locator("#live-status")).to_have_text(PAUSED)
    return server


def scroll_to_the_end(page):
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function(
        "Math.ceil(window.scrollY + window.innerHeight) >= document.documentElement.scrollHeight - 1"
    )


def test_at_the_end_of_the_page_the_notice_covers_no_content(page, site, screenshot):
    site, proposal = site
    server = show_refused_notice(page, site, proposal)
    try:
        scroll_to_the_end(page)
        notice = box_of(page.locator("#live-status"))
        viewport = page.viewport_size
        # The last element of the main content, and the last line of the page (the footer's links).
        for last in (page.locator("#main > :last-child"), page.locator(".site-footer .wrap > :last-child")):
            box = box_of(last)
            assert not overlaps(box, notice), (box, notice)
            assert box["y"] + box["height"] <= viewport["height"]  # its end is on the screen
        assert notice["y"] + notice["height"] <= viewport["height"]
        expect(page.get_by_role("status").filter(has_text=PAUSED)).to_be_visible()
        screenshot("live-updates-paused-end-of-page")
    finally:
        server.stop()


def administrator_session(site) -> str:
    output = site.manage(
        "shell",
        "-c",
        "from django.test import Client; from tests.factories import AdministratorFactory; "
        "c = Client(); c.force_login(AdministratorFactory()); print(c.cookies['sessionid'].value)",
    )
    return output.strip().splitlines()[-1]


def test_the_notice_stays_clear_of_the_wagtail_userbar(page, site, screenshot):
    site, proposal = site
    server = show_refused_notice(page, site, proposal, session=administrator_session(site))
    try:
        trigger = page.locator("[data-wagtail-userbar-trigger]")
        expect(trigger).to_be_visible()
        for where in ("top", "end"):
            if where == "end":
                scroll_to_the_end(page)
            notice, userbar = box_of(page.locator("#live-status")), box_of(trigger)
            assert not overlaps(notice, userbar), (where, notice, userbar)
        screenshot("live-updates-paused-beside-userbar")
    finally:
        server.stop()
