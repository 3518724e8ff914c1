"""Issue 9 point 3: a pilot's inline items (phases, metrics, series) survive Wagtail's autosave.

An administrator starts a pilot with a Korean title and leaves it (autosave has stored a draft), starts it
again, fills in a phase, a metric and a series, lets autosave store them and publishes: the abandoned draft
does not block the slug, the slug is short ASCII, each item is stored once and the page saves again.
"""

import re

import pytest
from playwright.sync_api import expect

from home import demo as home_demo
from pilots.models import PilotIndexPage, PilotMetric, PilotPage, PilotPhase, ResultSeries
from pilots.services import set_up_pilot_index
from tests.browser.steps import add_inline_form
from tests.browser.test_pilot_journey import choose_snippet
from tests.factories import PASSWORD, AdministratorFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _autosave_on(settings):
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 500  # Wagtail's default, which the test settings turn off


TITLE = "성수역 스마트 버스 쉼터: 여름철 폭염 대비 냉난방 정류장 시범 운영"


@pytest.fixture
def index(db):
    home = home_demo.build_pages()
    home_demo.build_areas()
    home_demo.build_categories()
    index = PilotIndexPage(title="Pilots", slug="pilots")
    home.add_child(instance=index)
    index.save_revision().publish()
    set_up_pilot_index(index)
    return index


@pytest.fixture
def admin(browser, live_server):
    user = AdministratorFactory(email="staff@example.org")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    # Wagtail notices edits only once its form watcher has taken its first snapshot (2 s after loading).
    # A DOM mark, not a window flag: waiting on a page expression needs eval, which the admin's CSP refuses.
    page.add_init_script(
        "document.addEventListener('w-unsaved:watch-edits', () => { document.documentElement.dataset.watching = 'yes' })"
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    yield page
    context.close()


def open_editor(admin, url: str):
    admin.goto(url)
    expect(admin.locator("html[data-watching='yes']")).to_have_count(1)


def autosaved(admin, selector: str, text: str):
    """Type into a field and leave it, as a person does, and wait for the autosave that follows to succeed."""
    with admin.expect_response(
        lambda r: (
            r.request.method == "POST"
            and "/admin/pages/" in r.url
            and r.ok
            and "application/json" in (r.headers.get("content-type") or "")
        )
    ):
        admin.locator(selector).fill(text)
        admin.locator(selector).press("Tab")


def date_autosaved(admin, selector: str, text: str):
    """As `autosaved`, for a date field: its picker opens 100 ms after the field takes focus (a timer in the
    picker), so on a busy machine it could open after the field was left and cover the next button. Wait for it to
    open, then leave the field, which closes it."""
    pickers = admin.locator(".xdsoft_datetimepicker").locator("visible=true")
    admin.locator(selector).click()
    expect(pickers).to_have_count(1)
    autosaved(admin, selector, text)
    expect(pickers).to_have_count(0)


def test_autosave_abandoned_draft_and_publish_keep_each_inline_item_once(live_server, admin, index, screenshot):
    add_url = f"{live_server.url}/admin/pages/add/pilots/pilotpage/{index.pk}/"
    open_editor(admin, add_url)
    admin.locator("#id_title").fill(TITLE)
    autosaved(admin, "#id_summary", "A cooled shelter.")
    admin.wait_for_url(re.compile(r"/admin/pages/\d+/edit/"))
    abandoned = PilotPage.objects.get()
    assert abandoned.slug == "seongsuyeog-seumateu-beoseu-swimteo-yeoleumcheol"  # short ASCII, not %EC%84...

    # The editor leaves and starts again from "add page" with the same title.
    open_editor(admin, add_url)
    admin.locator("#id_title").fill(TITLE)
    autosaved(admin, "#id_summary", "A cooled shelter with a live arrival board.")
    choose_snippet(admin, "Choose area", "성동구 성수1가1동")
    choose_snippet(admin, "Choose category", "교통·이동")
    assert add_inline_form(admin, "phases") == 0
    admin.locator("#id_phases-0-title").fill("Install the shelter")
    date_autosaved(admin, "#id_phases-0-start", "2026-03-01")
    admin.get_by_role("tab", name="Results").click()
    assert add_inline_form(admin, "metrics") == 0
    admin.locator("#id_metrics-0-name").fill("Waiting comfort")
    admin.locator("#id_metrics-0-baseline").fill("2.1")
    autosaved(admin, "#id_metrics-0-target", "4")
    assert add_inline_form(admin, "series") == 0
    autosaved(admin, "#id_series-0-name", "Monthly users")
    admin.get_by_role("tab", name="Content").click()
    admin.get_by_role("button", name="More actions").click()
    admin.get_by_role("button", name="Publish", exact=True).click()
    admin.wait_for_url(re.compile(rf"/admin/pages/{index.pk}/$"))

    pilot = PilotPage.objects.exclude(pk=abandoned.pk).get()
    assert pilot.live
    assert pilot.slug == "seongsuyeog-seumateu-beoseu-swimteo-yeoleumcheol-2"
    assert list(PilotPhase.objects.filter(page=pilot).values_list("title", flat=True)) == ["Install the shelter"]
    assert PilotMetric.objects.filter(page=pilot).count() == 1
    assert ResultSeries.objects.filter(page=pilot).count() == 1

    # The page saves again, and the live page shows the phase once.
    open_editor(admin, f"{live_server.url}/admin/pages/{pilot.pk}/edit/")
    admin.get_by_role("button", name="Save draft").click()
    admin.get_by_text("has been updated").wait_for()
    assert ResultSeries.objects.filter(page=pilot).count() == 1
    screenshot("journeys-pilot-autosave-saved-again", target=admin)
    admin.goto(f"{live_server.url}{pilot.url}")
    assert admin.get_by_text("Install the shelter").count() == 1
