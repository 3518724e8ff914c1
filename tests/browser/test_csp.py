"""Content-Security-Policy: every kind of page, for every role, runs in Chromium without a CSP violation.

Issue 15 point 12. The pages come from the site itself, not from a hand list:

- one live page of every Wagtail page type (a new page type without one in the demo data fails the test);
- every GET route of our apps and of allauth in the URLconf (``tests/security/urlconf.py``), its arguments
  filled with demo objects, visited by each role it answers with an HTML page: the anonymous visitor, a
  resident (My Data, notifications, their proposal's editor), an expert, a moderator, desk staff, an
  administrator;
- the Wagtail admin, under the same policy: every listing and report, our own admin views, every "add" form, the
  editor of a page of each type (and its "add" form) and of an object of each model the admin edits, the preview
  panel and the image chooser; and its widgets at work (InlinePanel "Add", choosers, date pickers, the explorer),
  which Wagtail starts with inline scripts and the adminscripts app starts from data.

Every page is visited with a listener for ``securitypolicyviolation`` events (installed by Playwright outside
the page's policy, in every frame) and for Chromium's "Refused to …" console messages.
"""

import datetime
import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Page, get_page_models

from challenges.models import ChallengePage
from codesign.models import Session, SurveyPage
from desk import services as desk_services
from desk.models import Centre
from mydata.models import ExportStatus, PersonalDataExport
from notifications.models import Notification
from pilots.models import PilotFeedback, PilotPage
from proposals.models import Area, Comment, Proposal
from tests.factories import UserFactory
from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401 - the page tree fixtures
from tests.security.urlconf import Route, routes

# Each test walks tens of pages in Chromium on a shared machine: more than the suite's 300 s hang guard.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.timeout(1500)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`);
});
"""
OUR_APPS = {"accounts", "challenges", "codesign", "desk", "home", "livinglab", "mydata", "notifications", "opendata"}
OUR_APPS |= {"pilots", "proposals", "search", "sensors"}
# Data files, never pages (the API's JSON answers are left out by their content type; its docs page stays).
NOT_PAGES = ("opendata:file",)
DEMO_EMAILS = {
    "resident": "resident@livinglab.example",
    "expert": "expert@livinglab.example",
    "moderator": "moderator@livinglab.example",
    "administrator": "admin@livinglab.example",
}
# Admin listings and reports come from the URLconf by name; "…_results" are the listings' htmx fragments.
ADMIN_LISTING = re.compile(r"(:index|:list|^wagtailadmin_reports:[a-z_]+|^wagtailadmin_home)$")
ADMIN_ADD = re.compile(r":(add|create)$")


@pytest.fixture
def watched_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(30_000)
    refused = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    yield page, refused
    context.close()


def script_sources(response) -> str:
    return response.headers["content-security-policy"].split("script-src")[1].split(";")[0]


def settle(page) -> None:
    """Let deferred scripts (htmx, Leaflet, Chart.js, the admin's bundles) run before reading the record."""
    page.evaluate("() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))")


def violations(page, refused) -> list[str]:
    found = list(refused)
    for frame in page.frames:
        found += frame.evaluate("() => window.__cspViolations || []")
    return found


def visit(page, refused, url) -> None:
    response = page.goto(url)
    assert response.status < 400, url
    assert "unsafe-inline" not in script_sources(response)
    page.wait_for_load_state("load")
    settle(page)
    found = violations(page, refused)
    assert not found, f"{url}: {found}"


def sign_in(page, base: str, user) -> Client:
    client = Client()
    page.context.clear_cookies()
    if user is not None:
        client.force_login(user)
        page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    return client


# --- what there is to visit -------------------------------------------------------------------------------


@pytest.fixture
def demo_site(monkeypatch) -> dict:
    """The demo district, smaller (every kind of content, fewer of each: a year of hourly sensor readings and 200
    proposals took minutes), plus what it lacks: a desk with a resident, and a resident's ready data archive."""
    monkeypatch.setattr("proposals.demo.PROPOSAL_COUNT", 40)
    monkeypatch.setattr("proposals.demo.RESIDENT_COUNT", 12)
    monkeypatch.setattr("sensors.demo.DAYS", 220)  # its stuck sensors and gap need 212 days
    monkeypatch.setattr("sensors.demo.PILOT_DAY", 110)
    call_command("load_demo_data", quiet_credentials=True, verbosity=0)
    people = {role: get_user_model().objects.get(email=email) for role, email in DEMO_EMAILS.items()}
    centre = Centre.objects.create(name="성수1가1동 주민센터", area=Area.objects.exclude(parent=None).first())
    people["desk_staff"] = UserFactory(display_name="창구 담당자")
    desk_services.appoint_desk_staff(people["desk_staff"], centre=centre)
    desk_resident = desk_services.register_resident(
        staff=people["desk_staff"], display_name="김순자", area=centre.area, consent_reference="C-2026-0001"
    )
    resident = people["resident"]
    export = PersonalDataExport.objects.create(
        user=resident,
        status=ExportStatus.READY,
        ready_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    export.path.parent.mkdir(parents=True, exist_ok=True)
    export.path.write_bytes(b"PK\x05\x06" + bytes(18))
    proposal = (
        Proposal.objects.filter(author=resident).exclude(latitude=None).first()
        or Proposal.objects.exclude(latitude=None).first()
    )
    session = Session.objects.filter(is_published=True).first()
    notification = Notification.objects.filter(recipient=resident).first()
    feedback = PilotFeedback.objects.first()
    comment = Comment.objects.filter(author=resident).first() or Comment.objects.first()
    arguments = {
        "proposals:": {"pk": proposal.pk},
        "proposals:person": {"pk": resident.pk},
        "proposals:comment_": {"pk": comment.pk},
        "codesign:": {"pk": session.pk, "page_id": session.page_id, "survey_id": SurveyPage.objects.live().first().pk},
        "desk:": {"pk": desk_resident.pk},
        "desk:challenge_paper_form": {"page_id": ChallengePage.objects.live().first().pk},
        "challenges:": {"pk": ChallengePage.objects.live().first().pk, "proposal_id": proposal.pk},
        "pilots:": {"pilot_id": PilotPage.objects.live().first().pk, "pk": getattr(feedback, "pk", 0)},
        "notifications:": {"pk": getattr(notification, "pk", 0)},
        "mydata:": {"token": export.token},
    }
    return {"people": people, "arguments": arguments, "proposal": proposal}


def fill(route: Route, arguments: dict) -> str | None:
    values = {}
    for prefix, given in sorted(arguments.items(), key=lambda item: len(item[0])):
        if route.name.startswith(prefix):
            values.update(given)
    if not set(route.arguments) <= set(values):
        return None
    return route.url(**{name: values[name] for name in route.arguments})


def page_kinds() -> list[str]:
    """One live page of every page type; a page type the demo data does not have fails here."""
    found = {}
    for page in Page.objects.live().public().filter(depth__gt=1).specific().order_by("path"):
        found.setdefault(type(page), page.url)
    assert None not in found.values(), found
    missing = [model.__name__ for model in get_page_models() if model is not Page and model not in found]
    assert not missing, f"page types without a live page in the demo data: {missing}"
    return list(found.values())


def site_routes(arguments: dict) -> list[str]:
    """Every GET route of our apps and of allauth that the demo objects can fill, outside the admin."""
    urls = []
    unfilled = []
    for route in routes():
        ours = route.module.split(".")[0] in OUR_APPS or route.name.startswith("api-v1:")
        ours = ours or (route.module.startswith("allauth") and not route.arguments)
        if not ours or route.name.startswith(NOT_PAGES) or in_admin(route):
            continue
        url = fill(route, arguments)
        if url:
            urls.append(url)
        elif not route.name.startswith("api-v1:"):  # the API's answers with an id are JSON
            unfilled.append(route.name)
    assert not unfilled, f"routes the demo objects cannot fill (add their arguments to demo_site): {unfilled}"
    return sorted(set(urls))


def in_admin(route: Route) -> bool:
    for sample in ("1", "00000000-0000-4000-8000-000000000001"):
        try:
            return route.url(**dict.fromkeys(route.arguments, sample)).startswith("/admin/")
        except NoReverseMatch:
            continue
    return False


def html_pages(client: Client, urls: list[str]) -> list[str]:
    """The URLs that answer this person with a whole HTML page."""
    pages = []
    for url in urls:
        response = client.get(url)
        html = response.status_code == 200 and response["Content-Type"].startswith("text/html")
        if html and b"</html>" in response.content:
            pages.append(url)
    return pages


def admin_pages() -> list[str]:
    """The admin's listings and reports, our own admin views, every "add" form, and an editor of each kind."""
    urls = []
    for route in routes():
        if route.arguments:
            continue
        try:
            url = route.url()
        except NoReverseMatch:  # unnamed groups: Wagtail's page and document serving
            continue
        # Choosers are modal fragments (their listings are reached through the image chooser below).
        ours = route.module.split(".")[0] in OUR_APPS and not re.search(r"choose|chosen|_results$", route.name)
        if url.startswith("/admin/") and (ADMIN_LISTING.search(route.name) or ADMIN_ADD.search(route.name) or ours):
            urls.append(url)
    for page in {type(page): page for page in Page.objects.filter(depth__gt=1).specific().order_by("-path")}.values():
        urls.append(f"/admin/pages/{page.pk}/edit/")
        parent = page.get_parent()
        meta = type(page)._meta
        urls.append(f"/admin/pages/add/{meta.app_label}/{meta.model_name}/{parent.pk}/")
    for route in routes():  # every model the admin edits: snippets, our viewsets, users
        if route.arguments == ("pk",) and route.name.endswith(":edit") and route.model is not None:
            instance = route.model.objects.order_by("pk").first()
            if instance is not None:
                urls.append(route.url(pk=instance.pk))
    return sorted(set(urls))


# --- the tests --------------------------------------------------------------------------------------------


def test_every_public_page_and_route_logs_no_csp_violation(live_server, watched_page, demo_site):
    """Every live page (pilots with their charts and maps, challenges, surveys, …) and every public route."""
    site = demo_site
    page, refused = watched_page
    client = sign_in(page, live_server.url, None)
    pages = [live.url for live in Page.objects.live().public().filter(depth__gt=1)]
    urls = sorted(set(page_kinds()) | set(pages) | set(html_pages(client, site_routes(site["arguments"]))))
    session = Session.objects.filter(is_published=True).first()
    assert {"/data/", "/stats/", "/proposals/", "/search/", "/api/v1/docs/", session.get_absolute_url()} <= set(urls)
    for url in urls:
        visit(page, refused, live_server.url + url)

    # The watcher itself: a script the policy refuses is recorded, so the silence above means no violation.
    page.evaluate("() => document.body.append(Object.assign(document.createElement('script'), {text: '1'}))")
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert any(found.startswith("script-src") for found in violations(page, refused))


# A page each role has and a visitor does not: the sign that the role's own pages were found.
ROLE_PAGES = {
    "resident": "/my-data/",
    "expert": "/proposals/expert/queue/",
    "moderator": "/notifications/",
    "desk_staff": "/desk/",
    "administrator": "/desk/inclusion/",
}


def test_each_roles_own_pages_log_no_csp_violation(live_server, watched_page, demo_site):
    """What each role sees that a visitor does not: their own pages, and the signed-in parts of public ones."""
    site = demo_site
    page, refused = watched_page
    candidates = sorted(set(page_kinds()) | set(site_routes(site["arguments"])))
    public = set(html_pages(Client(), candidates))
    shared = ["/", "/proposals/", site["proposal"].get_absolute_url(), PilotPage.objects.live().first().url]
    for role, sign in ROLE_PAGES.items():
        client = sign_in(page, live_server.url, site["people"][role])
        own = [url for url in html_pages(client, candidates) if url not in public]
        assert sign in own, (role, own)
        for url in [*shared, *own]:
            visit(page, refused, live_server.url + url)


def test_admin_pages_log_no_csp_violation(live_server, watched_page, demo_site):
    """The admin under the site's policy: no inline script runs there (adminscripts/initialisers.py)."""
    site = demo_site
    page, refused = watched_page
    client = sign_in(page, live_server.url, site["people"]["administrator"])
    urls = html_pages(client, admin_pages())
    assert len(urls) > 40
    for url in urls:
        visit(page, refused, live_server.url + url)

    # The preview panel and the image chooser on a pilot's editor.
    pilot = PilotPage.objects.live().first()
    visit(page, refused, f"{live_server.url}/admin/pages/{pilot.pk}/edit/")
    page.locator('[data-side-panel-toggle="preview"]').click()
    page.frame_locator("iframe[data-w-preview-target='iframe']").last.get_by_role(
        "heading", name=pilot.title
    ).wait_for()
    page.get_by_role("button", name=re.compile("Choose an image", re.IGNORECASE)).first.click()
    page.locator(".modal").get_by_role("tab", name=re.compile("Upload", re.IGNORECASE)).wait_for()
    settle(page)
    assert not violations(page, refused), violations(page, refused)


def test_an_htmx_round_trip_runs_without_eval_or_inline_code(live_server, watched_page, demo_site):
    site = demo_site
    page, refused = watched_page
    sign_in(page, live_server.url, site["people"]["resident"])
    visit(page, refused, live_server.url + site["proposal"].get_absolute_url())
    words = f"Checked under the content security policy {uuid.uuid4().hex[:6]}."
    page.get_by_label("Your comment").fill(words)
    page.get_by_role("button", name="Post comment").click()
    page.locator(".comment-body", has_text=words).wait_for()
    assert page.get_by_label("Your comment").input_value() == ""
    assert not violations(page, refused)


def test_admin_widgets_work_without_inline_scripts(live_server, watched_page, demo_site):
    """Wagtail starts these widgets with inline scripts; admin-init.js starts them from data, and they work."""
    site = demo_site
    page, refused = watched_page
    sign_in(page, live_server.url, site["people"]["administrator"])
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    modal = page.locator(".modal")

    # The pilot editor: an InlinePanel's "Add" gives a new child, whose date picker opens.
    pilot = PilotPage.objects.live().first()
    visit(page, refused, f"{live_server.url}/admin/pages/{pilot.pk}/edit/")
    phases = page.locator("#id_phases-FORMS > [data-inline-panel-child]")
    count = phases.count()
    page.locator("#id_phases-ADD").click()
    expect(phases).to_have_count(count + 1)
    page.locator(f"#id_phases-{count}-start").click()
    expect(page.locator(".xdsoft_datetimepicker").locator("visible=true")).to_have_count(1)
    page.locator(f"#id_phases-{count}-title").click()

    # Its MultipleChooserPanel: a proposal chosen in the modal becomes a new child with its chooser set (Wagtail
    # reads the new chooser straight after adding it, so it must start at once, not later).
    links = page.locator("#id_pilot_proposals-FORMS > [data-inline-panel-child]")
    count = links.count()
    page.locator("#id_pilot_proposals-OPEN_MODAL").click()
    modal.locator("input[type=checkbox]:not([disabled])").first.check()
    modal.get_by_role("button", name="Confirm selection").click()
    expect(links).to_have_count(count + 1)
    expect(page.locator(f"#id_pilot_proposals-{count}-proposal")).not_to_have_value("")
    expect(page.locator(f"#id_pilot_proposals-{count}-proposal-chooser")).not_to_have_class(re.compile(r"\bblank\b"))

    # Its image chooser opens the image modal.
    page.locator("#id_hero_image-chooser .unchosen [data-chooser-action-choose]").click()
    modal.get_by_role("tab", name=re.compile("Upload", re.IGNORECASE)).wait_for()
    settle(page)
    assert not violations(page, refused), violations(page, refused)

    # The challenge editor: "Add Pilot" gives a page chooser whose modal lists pilot pages; the schedule dialog's
    # date-time picker opens.
    challenge = ChallengePage.objects.live().first()
    visit(page, refused, f"{live_server.url}/admin/pages/{challenge.pk}/edit/")
    links = page.locator("#id_pilot_links-FORMS > [data-inline-panel-child]")
    count = links.count()
    page.locator("#id_pilot_links-ADD").click()
    expect(links).to_have_count(count + 1)
    page.locator(f"#id_pilot_links-{count}-pilot-chooser .unchosen [data-chooser-action-choose]").click()
    expect(modal.get_by_text('Only pages of type "Pilot page" may be chosen')).to_be_visible()
    modal.get_by_role("button", name="Close").click()
    page.locator('[data-side-panel-toggle="status"]').click()
    page.get_by_role("button", name="Set schedule").click()
    page.locator("#id_go_live_at").click()
    expect(page.locator(".xdsoft_datetimepicker").locator("visible=true")).to_have_count(1)
    settle(page)
    assert not violations(page, refused), violations(page, refused)

    # A snippet's form: its area chooser opens its modal, and the area chosen there is shown.
    visit(page, refused, f"{live_server.url}/admin/snippets/sensors/sensorsite/add/")
    page.locator("#id_area-chooser .unchosen [data-chooser-action-choose]").click()
    modal.locator("a[data-chooser-modal-choice]").first.click()
    expect(page.locator("#id_area-chooser")).not_to_have_class(re.compile(r"\bblank\b"))
    expect(page.locator("#id_area")).not_to_have_value("")

    # The page explorer opens from the sidebar and lists the site's home page.
    visit(page, refused, f"{live_server.url}/admin/pages/")
    page.get_by_role("button", name="Pages").click()
    expect(page.get_by_role("link", name=Page.objects.get(depth=2).title).first).to_be_visible()

    settle(page)
    assert not violations(page, refused), violations(page, refused)
    assert not errors, errors


PLANTED_TITLE = "Shelter </script><script>window.__pwned = 1</script>"


def test_a_script_planted_in_the_admin_is_refused(live_server, watched_page, administrator, make_pilot):  # noqa: F811
    """The admin no longer allows inline scripts, so markup that escaping let through could not run."""
    page, refused = watched_page
    pilot = make_pilot(title=PLANTED_TITLE)
    sign_in(page, live_server.url, administrator)
    visit(page, refused, f"{live_server.url}/admin/pages/{pilot.pk}/edit/")
    expect(page.locator("#id_title")).to_have_value(PLANTED_TITLE)  # the title arrives as text, not markup
    assert page.evaluate("() => window.__pwned") is None

    # An inline script in the admin's page (as if a title had reached it unescaped) is refused.
    page.evaluate(
        "() => document.body.append(Object.assign(document.createElement('script'), {text: 'window.__pwned = 1'}))"
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("() => window.__cspViolations")[0].startswith("script-src")

    # Data planted for admin-init.js starts only a Wagtail initialiser: a planted date field gets its picker…
    page.evaluate(
        """() => document.body.insertAdjacentHTML('beforeend', '<input id="planted-date" type="text">'
        + '<script type="application/json" data-admin-init="initDateChooser">["planted-date", {}]</script>')"""
    )
    page.locator("#planted-date").click()
    expect(page.locator(".xdsoft_datetimepicker").locator("visible=true")).to_have_count(1)
    # …and any other name is refused: nothing calls it (an alert would open a dialog).
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.dismiss())
    for name in ["alert", "eval", "open", "constructor", "__proto__", "jQuery"]:
        with page.expect_console_message(
            lambda message, name=name: f"{name} is not a Wagtail initialiser" in message.text
        ):
            page.evaluate(
                """(name) => document.body.insertAdjacentHTML('beforeend',
                `<script type="application/json" data-admin-init="${name}">["window.__pwned = 1"]</script>`)""",
                name,
            )
    settle(page)
    assert not dialogs
    assert page.evaluate("() => window.__pwned") is None
    assert len(page.context.pages) == 1
