"""Desk staff register residents without e-mail, with paper consent; only their own centre's."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import ModelLogEntry

from accounts.models import Role
from desk import services
from desk.models import PLACEHOLDER_EMAIL_DOMAIN, DeskResident
from livinglab.errors import ActionRefused
from tests.factories import AdministratorFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def test_staff_register_a_resident_without_email(staff, dong, centre):
    resident = services.register_resident(
        staff=staff, display_name="김순자", area=dong, consent_reference="c-2026-0007", phone="010 2345 6789"
    )
    user = resident.user
    assert resident.centre == centre
    assert resident.phone == "+821023456789"
    assert resident.consent_reference == "C-2026-0007"
    assert user.email.endswith("@" + PLACEHOLDER_EMAIL_DOMAIN)
    assert not user.has_usable_password()
    assert user.role == Role.RESIDENT and user.home_area == dong
    entry = ModelLogEntry.objects.get(action="livinglab.desk.register")
    assert entry.user_id == staff.pk and entry.data["consent_reference"] == "C-2026-0007"


def test_register_refuses_a_foreign_or_malformed_phone(staff, dong):
    for phone in ("+1 212 555 0100", "12345", "010-12"):
        with pytest.raises(ValidationError) as exc:
            services.register_resident(staff=staff, display_name="이름", area=dong, consent_reference="X1", phone=phone)
        assert "phone" in exc.value.message_dict
    assert not DeskResident.objects.exists()


def test_register_refuses_the_same_consent_form_twice(staff, dong, desk_resident):
    with pytest.raises(ActionRefused) as exc:
        services.register_resident(staff=staff, display_name="다른 분", area=dong, consent_reference="c-2026-0001")
    assert exc.value.status == 409
    assert DeskResident.objects.count() == 1


@pytest.mark.parametrize("make_user", [ResidentFactory, AdministratorFactory])
def test_only_desk_staff_register(make_user, dong):
    with pytest.raises(ActionRefused) as exc:
        services.register_resident(staff=make_user(), display_name="이름", area=dong, consent_reference="X1")
    assert exc.value.status == 403


def test_register_page_needs_the_consent_box(client, staff, dong):
    client.force_login(staff)
    data = {"display_name": "박영희", "area": dong.pk, "consent_reference": "C-9", "phone": "", "age_band": ""}
    response = client.post(reverse("desk:register"), data)
    assert response.status_code == 400
    assert not DeskResident.objects.exists()
    response = client.post(reverse("desk:register"), {**data, "consent_given": "on"})
    resident = DeskResident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("desk:resident", args=[resident.pk])


def test_desk_pages_are_403_for_anyone_but_desk_staff(client, resident, administrator):
    for user in (resident, administrator):
        client.force_login(user)
        assert client.get(reverse("desk:home")).status_code == 403
        assert client.get(reverse("desk:register")).status_code == 403
        assert client.get(reverse("desk:paper_batch")).status_code == 403


def test_another_centres_resident_is_404_that_leaks_nothing(client, other_staff, desk_resident):
    client.force_login(other_staff)
    missing = client.get(reverse("desk:resident", args=[desk_resident.pk + 999]))
    foreign = client.get(reverse("desk:resident", args=[desk_resident.pk]))
    assert foreign.status_code == missing.status_code == 404
    assert desk_resident.user.display_name not in foreign.content.decode()
    home = client.get(reverse("desk:home"))
    assert home.status_code == 200 and desk_resident.user.display_name not in home.content.decode()
    for name in ("file_proposal", "support", "comment", "rate_pilot"):
        assert client.get(reverse(f"desk:{name}", args=[desk_resident.pk])).status_code == 404
    assert client.post(reverse("desk:claim_letter", args=[desk_resident.pk])).status_code == 404


def test_own_centre_list_shows_its_residents_in_constant_queries(client, staff, dong, django_assert_num_queries):
    for number in range(3):
        services.register_resident(
            staff=staff, display_name=f"주민 {number}", area=dong, consent_reference=f"C{number}"
        )
    client.force_login(staff)
    client.get(reverse("desk:home"))
    with django_assert_num_queries(7) as first:
        client.get(reverse("desk:home"))
    for number in range(3, 8):
        services.register_resident(
            staff=staff, display_name=f"주민 {number}", area=dong, consent_reference=f"C{number}"
        )
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(reverse("desk:home"))
    assert "주민 7" in response.content.decode()
