"""Issue 13: an administrator of a district with many accounts appoints desk staff by searching for the person.

In Chromium, in the Wagtail admin: the appointment form shows a "Choose a person" button, not a list of people;
the chooser modal finds the person among a hundred and fifty look-alikes by their mobile number or part of their
name, the form then names the chosen person, and saving appoints them. Screenshots in
test-artifacts/screenshots.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Role
from desk.models import Centre, DeskStaff
from tests.factories import AdministratorFactory, DongFactory, PhoneResidentFactory, ResidentFactory

from .test_everyday_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_administrator_finds_the_person_by_search_and_appoints_them(live_server, page, screenshot):
    page.set_viewport_size({"width": 1366, "height": 900})
    administrator = AdministratorFactory()
    Centre.objects.create(name="Wangsimni Centre", area=DongFactory())
    centre = Centre.objects.create(name="Seongsu Centre", area=DongFactory())
    ResidentFactory.create_batch(150, display_name="Kim Minji")  # a common name, many times over
    wanted = PhoneResidentFactory(display_name="Kim Minji", phone="+821023456781")
    base = live_server.url

    log_in(page, base, administrator)
    page.goto(f"{base}{reverse('desk_staff:add')}")
    assert page.locator("select[name=user], option", has_text="Kim Minji").count() == 0
    page.get_by_role("button", name="Choose a person").click()
    modal = page.locator(".modal-dialog")
    expect(modal.get_by_role("link", name="Kim Minji").first).to_be_visible()
    # Twenty to a page: the right one cannot be told apart by name, so search by the number the person gives.
    assert modal.get_by_role("link", name="Kim Minji").count() == 20
    modal.get_by_placeholder("Name, e-mail address or mobile number").fill("010-2345-6781")
    expect(modal.get_by_role("link", name="Kim Minji")).to_have_count(1)
    expect(modal.get_by_role("cell", name="010-2345-6781")).to_be_visible()
    screenshot("desk-staff-chooser-search-1366")
    modal.get_by_role("link", name="Kim Minji").click()
    expect(modal).to_be_hidden()
    expect(page.get_by_text("Kim Minji <010-2345-6781>")).to_be_visible()

    page.get_by_label("Centre").select_option(label="Seongsu Centre")
    screenshot("desk-staff-chooser-chosen-1366")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Seongsu Centre").first).to_be_visible()
    membership = DeskStaff.objects.get(user=wanted)
    assert membership.centre == centre
    wanted.refresh_from_db()
    assert wanted.role == Role.DESK_STAFF
    assert DeskStaff.objects.count() == 1
