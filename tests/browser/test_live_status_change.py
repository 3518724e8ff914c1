"""Issue 9, point 7: a live status change updates every place that shows the status, together.

A resident has the proposal's page and the proposal list open. Another resident's vote reaches the review
threshold (1 here), which moves the proposal to "under review": the badge at the top of the page, the
timeline and the list card's badge all change, without a reload.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIVENESS_MS
from tests.live.servers import Server, migrated_site, post

PUSH_TIMEOUT_MS = LIVENESS_MS


@pytest.fixture
def asgi_site(tmp_path):
    site = migrated_site(tmp_path / "site")
    data = site.seed(2)
    (port,) = site.reserve_ports(1)
    server = Server(site, port, PROPOSAL_REVIEW_THRESHOLD="1").start()
    yield server, data
    server.stop()


def open_page(context, url: str, socket_id: str):
    page = context.new_page()
    page.set_default_timeout(LIVENESS_MS)
    page.add_init_script(
        "document.addEventListener('htmx:wsOpen', (event) => {"
        f" if (event.target.id === '{socket_id}') {{ document.documentElement.dataset.liveOpened = 'yes'; }} }});"
    )
    page.goto(url)
    # A DOM mark, not wait_for_function: waiting on a page expression needs eval, which the CSP refuses.
    expect(page.locator("html[data-live-opened]")).to_have_count(1)
    page.wait_for_load_state("networkidle")  # the refetch on open has landed
    page.evaluate("window.sameDocument = true")
    return page


def test_a_status_change_updates_the_badge_the_timeline_and_the_list_card(browser, asgi_site, screenshot):
    server, data = asgi_site
    proposal = data["proposal"]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    context.add_cookies([{"name": "sessionid", "value": data["voters"][1]["session"], "url": server.url}])
    try:
        detail = open_page(context, f"{server.url}/proposals/{proposal}/", f"live-proposal-{proposal}")
        listing = open_page(context, f"{server.url}/proposals/", "live-proposal-list")
        expect(detail.locator(f"#status-badge-{proposal}")).to_have_text("Published")
        expect(listing.locator(f"#card-status-{proposal}")).to_have_text("Published")

        status, _body = post(server, f"/proposals/{proposal}/vote/", session=data["voters"][0]["session"])
        assert status == 200

        expect(detail.locator(f"#status-badge-{proposal}")).to_have_text("Under review", timeout=PUSH_TIMEOUT_MS)
        expect(detail.locator(f"#status-timeline-{proposal}")).to_contain_text("Under review")
        expect(listing.locator(f"#card-status-{proposal}")).to_have_text("Under review", timeout=PUSH_TIMEOUT_MS)
        assert detail.evaluate("window.sameDocument") is True
        assert listing.evaluate("window.sameDocument") is True
        screenshot("live-status-detail", detail)
    finally:
        context.close()
