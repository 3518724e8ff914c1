"""Playwright on Debian's Chromium. Never `playwright install`: the machine cannot download browsers."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Every wait in a browser test follows an event (an element appears, a socket opens) and ends when it
# happens. This bound only stops a broken test from hanging; it is generous so that a busy machine
# (a load average of 10 on two cores) never fails a test that is merely slow. Speed lives in bench/.
LIVENESS_MS = 90_000
expect.set_options(timeout=LIVENESS_MS)


@pytest.fixture
def browser(_django_db_helper):
    # Per test, and after the database is ready: Playwright's sync API keeps an event loop running
    # while it is open, which would stop async tests elsewhere and the test database's set-up.
    if not CHROMIUM.exists():
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(LIVENESS_MS)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, target=None) -> Path:
        path = ARTIFACTS / f"{name}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return take


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def assert_accessible(page):
    """Run axe-core (bundled by axe-playwright-python) on the current page against WCAG 2.2 A/AA rules."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(label: str = ""):
        results = axe.run(
            page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
        )
        violations = results.response["violations"]
        summary = [
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}" for v in violations
        ]
        assert not violations, f"{label or page.url}: " + "; ".join(summary)

    return check
