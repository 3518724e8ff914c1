"""Appointing desk staff: in the admin (administrators only, through ``appoint_desk_staff``) and in the shell.

One centre per person. Adding an appointment for someone who already works at a desk is refused (they are
not offered); editing an appointment moves the person to the other centre; deleting it ends their access
and makes them a resident again.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from wagtail.models import ModelLogEntry

from accounts.models import Role
from desk import services
from desk.models import DeskStaff
from tests.factories import ExpertFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("desk_staff:add")
INDEX = reverse("desk_staff:index")


@pytest.fixture
def moderator(db):
    return UserFactory(role=Role.MODERATOR, display_name="Moderator")


@pytest.fixture
def newcomer(db):
    return ResidentFactory(display_name="새 담당자", email="newcomer@example.org")


def _appoint(client, administrator, user, centre):
    client.force_login(administrator)
    return client.post(ADD, {"user": user.pk, "centre": centre.pk})


def test_an_administrator_appoints_a_resident_who_can_then_open_the_desk(client, administrator, newcomer, centre):
    client.force_login(newcomer)
    assert client.get(reverse("desk:home")).status_code == 403

    response = _appoint(client, administrator, newcomer, centre)
    assert response.status_code == 302
    membership = DeskStaff.objects.get(user=newcomer)
    assert membership.centre == centre
    newcomer.refresh_from_db()
    assert newcomer.role == Role.DESK_STAFF
    entry = ModelLogEntry.objects.get(action="livinglab.desk.appoint")
    assert entry.user_id == administrator.pk and entry.data == {"centre_id": centre.pk}

    client.force_login(newcomer)
    assert client.get(reverse("desk:home")).status_code == 200


def test_the_listing_shows_who_works_where(client, administrator, staff, centre, django_assert_max_num_queries):
    client.force_login(administrator)
    with django_assert_max_num_queries(30):
        page = client.get(INDEX)
    assert page.status_code == 200
    assert "창구 담당자" in page.content.decode() and centre.name in page.content.decode()


def test_only_active_residents_without_a_desk_are_accepted(client, administrator, newcomer, staff, desk_resident):
    """The form takes a person's id from the chooser; an id the chooser would not offer is refused all the same."""
    moderator = UserFactory(role=Role.MODERATOR, display_name="Moderator person")
    expert = ExpertFactory(display_name="Expert person")
    inactive = ResidentFactory(display_name="Inactive person", is_active=False)
    client.force_login(administrator)
    page = client.get(ADD)
    assert list(page.context["form"].fields["user"].queryset) == [newcomer]
    # Someone already at a desk is not accepted either: moving them is an edit of their appointment.
    for person in (moderator, expert, inactive, desk_resident.user, staff, administrator):
        response = client.post(ADD, {"user": person.pk, "centre": staff.desk_membership.centre_id})
        assert response.status_code == 200  # the form again, with its error
        assert "user" in response.context["form"].errors
    assert not DeskStaff.objects.exclude(user=staff).exists()
    assert Role(UserFactory._meta.model.objects.get(pk=moderator.pk).role) == Role.MODERATOR


def test_appointing_someone_already_at_a_desk_is_refused(client, administrator, staff, centre, other_centre):
    response = _appoint(client, administrator, staff, other_centre)
    assert response.status_code == 200
    assert DeskStaff.objects.get(user=staff).centre == centre
    assert not ModelLogEntry.objects.filter(action="livinglab.desk.appoint", user_id=administrator.pk).exists()


def test_editing_an_appointment_moves_the_person_to_the_other_centre(
    client, administrator, staff, centre, other_centre, desk_resident
):
    membership = staff.desk_membership
    client.force_login(administrator)
    edit = reverse("desk_staff:edit", args=[membership.pk])
    assert client.get(edit).status_code == 200
    # The person is fixed; only the centre changes (a posted "user" is ignored).
    response = client.post(edit, {"centre": other_centre.pk, "user": administrator.pk})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.user == staff and membership.centre == other_centre
    entry = ModelLogEntry.objects.get(action="livinglab.desk.appoint", user_id=administrator.pk)
    assert entry.data == {"centre_id": other_centre.pk}
    # The old centre's resident is out of reach now.
    client.force_login(staff)
    assert client.get(reverse("desk:resident", args=[desk_resident.pk])).status_code == 404


def test_removing_the_appointment_removes_access(client, administrator, staff, centre):
    membership = staff.desk_membership
    client.force_login(administrator)
    response = client.post(reverse("desk_staff:delete", args=[membership.pk]))
    assert response.status_code == 302
    assert not DeskStaff.objects.filter(user=staff).exists()
    staff.refresh_from_db()
    assert staff.role == Role.RESIDENT
    entry = ModelLogEntry.objects.get(action="livinglab.desk.dismiss")
    assert entry.user_id == administrator.pk and entry.data == {"centre_id": centre.pk}
    client.force_login(staff)
    assert client.get(reverse("desk:home")).status_code == 403


@pytest.mark.parametrize("role", ["moderator", "expert", "staff", "resident"])
def test_only_administrators_reach_the_desk_staff_admin(client, request, role, staff, newcomer, centre):
    person = request.getfixturevalue(role)
    membership = staff.desk_membership
    client.force_login(person)
    urls = [INDEX, ADD, reverse("desk_staff:edit", args=[membership.pk])]
    urls.append(reverse("desk_staff:delete", args=[membership.pk]))
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"].startswith(("/admin/login/", "/accounts/login/")) or response["Location"] == (
                "/admin/"
            )
    client.post(ADD, {"user": newcomer.pk, "centre": centre.pk})
    client.post(reverse("desk_staff:delete", args=[membership.pk]))
    assert list(DeskStaff.objects.values_list("user_id", "centre_id")) == [(staff.pk, centre.pk)]
    newcomer.refresh_from_db()
    assert newcomer.role == Role.RESIDENT


def test_the_desks_menu_is_for_administrators(client, administrator, moderator, expert):
    client.force_login(administrator)
    assert INDEX in client.get("/admin/").content.decode()
    for person in (moderator, expert):
        client.force_login(person)
        response = client.get("/admin/")
        assert response.status_code == 200
        assert INDEX not in response.content.decode()


# --- the shell command --------------------------------------------------------------------------------


def test_the_command_appoints_by_email_and_centre_id(newcomer, centre):
    out = io.StringIO()
    call_command("appoint_desk_staff", "NEWCOMER@example.org", str(centre.pk), stdout=out)
    assert DeskStaff.objects.get(user=newcomer).centre == centre
    newcomer.refresh_from_db()
    assert newcomer.role == Role.DESK_STAFF
    assert "is now desk staff at" in out.getvalue()
    entry = ModelLogEntry.objects.get(action="livinglab.desk.appoint")
    assert entry.user_id is None and entry.data == {"centre_id": centre.pk}


def test_the_command_moves_someone_already_at_a_desk(staff, other_centre):
    call_command("appoint_desk_staff", staff.email, str(other_centre.pk), stdout=io.StringIO())
    assert DeskStaff.objects.get(user=staff).centre == other_centre


def test_the_command_refuses_an_unknown_email_or_centre(newcomer, centre):
    with pytest.raises(CommandError, match="No user"):
        call_command("appoint_desk_staff", "nobody@example.org", str(centre.pk))
    with pytest.raises(CommandError, match="No centre"):
        call_command("appoint_desk_staff", newcomer.email, str(centre.pk + 1000))
    assert not DeskStaff.objects.exists()
    newcomer.refresh_from_db()
    assert newcomer.role == Role.RESIDENT


def test_dismissing_keeps_a_role_given_meanwhile(staff, administrator):
    from accounts.services import set_role

    set_role(staff, Role.MODERATOR)
    services.dismiss_desk_staff(staff.desk_membership, by=administrator)
    staff.refresh_from_db()
    assert staff.role == Role.MODERATOR and not DeskStaff.objects.filter(user=staff).exists()
