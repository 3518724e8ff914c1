"""Content-Security-Policy: the site and the Wagtail admin work in Chromium without a single CSP violation.

Issue 15 point 12. Every page is visited with a listener for ``securitypolicyviolation`` events (installed by
Playwright, outside the page's policy) and for Chromium's "Refused to …" console messages.
"""

import pytest
from django.core.management import call_command
from django.test import Client

from pilots.models import PilotPage
from proposals.models import Proposal
from tests.factories import AdministratorFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def watched_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    yield page, refused
    context.close()


def script_sources(response) -> str:
    return response.headers["content-security-policy"].split("script-src")[1].split(";")[0]


def visit(page, refused, url):
    response = page.goto(url)
    assert response.status < 400, url
    if "/admin/" not in url:
        assert "unsafe-inline" not in script_sources(response)
    page.wait_for_load_state("load")
    # Let deferred scripts (htmx, Leaflet, Chart.js, the admin's bundles) run before reading the record.
    page.evaluate("() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))")
    violations = page.evaluate("() => window.__cspViolations")
    assert not violations and not refused, f"{url}: {violations + refused}"


def test_site_and_admin_pages_log_no_csp_violation(live_server, watched_page):
    call_command("load_demo_data", quiet_credentials=True, verbosity=0)
    page, refused = watched_page
    base = live_server.url
    proposal = Proposal.objects.exclude(latitude=None).first()
    pilot = PilotPage.objects.live().first()
    for path in ["/", "/proposals/", proposal.get_absolute_url(), pilot.url, "/search/?q=bus", "/accounts/login/"]:
        visit(page, refused, base + path)

    client = Client()
    client.force_login(AdministratorFactory(is_superuser=True))
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    for path in [
        "/",  # with the Wagtail userbar
        "/proposals/new/",
        "/admin/",
        f"/admin/pages/{pilot.pk}/edit/",
        "/admin/livinglab/proposals/",
        "/admin/images/",
        "/admin/images/multiple/add/",
        "/admin/reports/site-history/",
    ]:
        visit(page, refused, base + path)

    # An htmx round trip (post a comment, the form empties itself) runs without eval or inline code.
    visit(page, refused, base + proposal.get_absolute_url())
    page.get_by_label("Your comment").fill("Checked under the content security policy.")
    page.get_by_role("button", name="Post comment").click()
    page.locator(".comment-body", has_text="Checked under the content security policy.").wait_for()
    assert page.get_by_label("Your comment").input_value() == ""
    assert not page.evaluate("() => window.__cspViolations") and not refused, refused
