"""Steps the Korean browser journeys share: a Korean window at a given size, signing in, and axe on a window.

The ``page``/``assert_accessible`` fixtures in ``conftest.py`` drive one default window; journeys with several
people at once (an administrator at a desk, residents on phones) open one window each with ``korean_window``.
"""

from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import LIVENESS_MS, WCAG_TAGS
from tests.factories import PASSWORD

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}


def korean_window(browser, viewport, *, javascript: bool = True):
    """A new browser context in Korean (locale and Accept-Language) at ``viewport``, and its one page."""
    context = browser.new_context(
        viewport=viewport,
        locale="ko-KR",
        extra_http_headers={"Accept-Language": "ko-KR,ko"},
        java_script_enabled=javascript,
    )
    page = context.new_page()
    page.set_default_timeout(LIVENESS_MS)
    return page


def log_in(page, base: str, user) -> None:
    """Sign ``user`` in through the log-in form (the factories' password) and wait for the home page."""
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{base}/")


def check_accessible(page, label: str = "") -> None:
    """axe-core on ``page`` against the suite's WCAG 2.2 A/AA rules; fails with each violation's targets."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    violations = results.response["violations"]
    summary = [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}" for v in violations]
    assert not violations, f"{label or page.url}: " + "; ".join(summary)


def add_inline_form(page, prefix: str) -> int:
    """Press a Wagtail inline panel's "Add" button and wait for the new child form; returns its index.

    The press is a DOM click on the button itself, not a mouse click at its coordinates: on a loaded machine the
    admin's layout can still shift between Playwright's hit check and the click, and a click that lands beside
    the button adds nothing (a landing CI waited 90 s for a stage form that was never added).
    """
    index = int(page.locator(f"#id_{prefix}-TOTAL_FORMS").input_value())
    page.locator(f"#id_{prefix}-ADD").dispatch_event("click")
    page.locator(f"#inline_child_{prefix}-{index}").wait_for()
    return index
