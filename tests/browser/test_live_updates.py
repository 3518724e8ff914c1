"""Two residents on one proposal page, in two browsers, against a real ASGI server (daphne).

Resident A supports the proposal and comments; resident B's open page shows both without a reload. The server runs in its own process (pytest-django's live_server speaks no WebSocket),
on a database file prepared for it.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIVENESS_MS
from tests.live.servers import Server, migrated_site, post

pytestmark = pytest.mark.embedded


@pytest.fixture
def asgi_site(tmp_path):
    site = migrated_site(tmp_path / "site")
    data = site.seed(2)
    (port,) = site.reserve_ports(1)
    server = Server(site, port).start()
    yield server, data
    server.stop()


def signed_in_page(browser, server, session: str):
    # wait_for_function polls with eval, which the site's CSP refuses; CSP itself is checked in test_csp.py.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", bypass_csp=True)
    context.add_cookies([{"name": "sessionid", "value": session, "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(LIVENESS_MS)
    # Count the proposal socket's openings, as htmx's ws extension reports them.
    page.add_init_script(
        "document.addEventListener('htmx:wsOpen', (event) => {"
        " if (event.target.id && event.target.id.startsWith('live-proposal-')) {"
        " window.liveOpened = (window.liveOpened || 0) + 1; } });"
    )
    return context, page


def test_a_vote_and_a_comment_reach_another_residents_open_page(browser, asgi_site, screenshot):
    server, data = asgi_site
    proposal = data["proposal"]
    url = f"{server.url}/proposals/{proposal}/"
    context_a, page_a = signed_in_page(browser, server, data["voters"][0]["session"])
    context_b, page_b = signed_in_page(browser, server, data["voters"][1]["session"])
    try:
        page_b.goto(url)
        page_b.wait_for_function("window.liveOpened >= 1")
        page_b.wait_for_load_state("networkidle")
        page_b.evaluate("window.sameDocument = true")
        expect(page_b.locator(f"#vote-count-{proposal}")).to_have_text("0")

        page_a.goto(url)
        page_a.wait_for_function("window.liveOpened >= 1")
        page_a.wait_for_load_state("networkidle")  # the refetch on open has landed before A acts
        page_a.get_by_role("button", name="Support this proposal").click()
        expect(page_a.get_by_text("You support this proposal.", exact=True)).to_be_visible()
        expect(page_b.locator(f"#vote-count-{proposal}")).to_have_text("1")
        # B's own button is B's: the push changed the count, not B's choice.
        expect(page_b.get_by_role("button", name="Support this proposal")).to_be_visible()

        comment = "The shelter roof leaks onto the bench when it rains."
        page_a.locator("form.comment-form textarea").fill(comment)
        page_a.locator("form.comment-form").get_by_role("button", name="Post comment").click()
        expect(page_a.locator(f"#comments-{proposal}")).to_contain_text(comment)
        expect(page_b.locator(f"#comments-{proposal}")).to_contain_text(comment)

        assert page_b.evaluate("window.sameDocument") is True  # no reload happened
        screenshot("live-updates-resident-b", page_b)
    finally:
        context_a.close()
        context_b.close()


def test_a_page_refetches_what_it_missed_when_its_socket_reopens(browser, tmp_path):
    # Two servers on one database with the in-memory channel layer: a vote on the second never reaches
    # the first one's sockets, exactly like a push lost while a socket was down.
    site = migrated_site(tmp_path / "site")
    data = site.seed(2)
    port_b, port_other = site.reserve_ports(2)
    server_b, other = Server(site, port_b).start(), Server(site, port_other).start()
    proposal = data["proposal"]
    context_b, page_b = signed_in_page(browser, server_b, data["voters"][1]["session"])
    try:
        page_b.goto(f"{server_b.url}/proposals/{proposal}/")
        page_b.wait_for_function("window.liveOpened >= 1")
        page_b.evaluate("window.sameDocument = true")
        server_b.stop()  # the socket closes abnormally (1006): htmx's ws extension retries with jittered backoff
        status, _body = post(other, f"/proposals/{proposal}/vote/", session=data["voters"][0]["session"])
        assert status == 200
        expect(page_b.locator(f"#vote-count-{proposal}")).to_have_text("0")
        server_b.start()
        page_b.wait_for_function("window.liveOpened >= 2")
        expect(page_b.locator(f"#vote-count-{proposal}")).to_have_text("1")
        assert page_b.evaluate("window.sameDocument") is True
    finally:
        context_b.close()
        server_b.stop()
        other.stop()
