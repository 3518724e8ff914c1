"""The person chooser on the desk-staff appointment form (``desk.chooser``): a search, not a dropdown of everyone.

A district has thousands of accounts. The form renders Wagtail's chooser (a button that opens a modal with a
search box) and no list of people; the modal finds people by part of their name, their e-mail address or their
mobile number, twenty at a time, with a constant number of queries; it offers only people who can be appointed,
and it answers only those who may appoint.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from desk.chooser import appointee_label
from desk.models import DeskStaff
from tests.factories import ExpertFactory, PhoneResidentFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("desk_staff:add")
CHOOSE = reverse("desk_appointee_chooser:choose")
RESULTS = reverse("desk_appointee_chooser:choose_results")


def chosen(user) -> str:
    return reverse("desk_appointee_chooser:chosen", args=[user.pk])


@pytest.fixture
def people(db, staff, desk_resident):
    """Who can be appointed, and who cannot (each under a name the searches below would find)."""
    return {
        "kim": ResidentFactory(display_name="Kim Minji", email="minji.kim@example.org"),
        "kang": ResidentFactory(display_name="Kang Minho", email="kang@example.org"),
        "phone": PhoneResidentFactory(display_name="Park Phone", phone="+821023456781"),
        "expert": ExpertFactory(display_name="Kim Expert"),
        "moderator": UserFactory(role=Role.MODERATOR, display_name="Kim Moderator"),
        "inactive": ResidentFactory(display_name="Kim Inactive", is_active=False),
        "superuser": ResidentFactory(display_name="Kim Superuser", is_superuser=True),
        "staff": staff,
        "unclaimed": desk_resident.user,
    }


def modal_html(response) -> str:
    assert response.status_code == 200
    return json.loads(response.content)["html"]


def test_the_form_renders_a_chooser_and_no_list_of_people(client, administrator, people):
    client.force_login(administrator)
    html = client.get(ADD).content.decode()
    assert CHOOSE in html
    assert 'type="hidden" name="user"' in html
    assert "<select" in html  # the centre is still a dropdown: there are few
    for person in people.values():
        assert person.display_name not in html


def test_the_chooser_offers_only_people_who_can_be_appointed(client, administrator, people):
    client.force_login(administrator)
    html = modal_html(client.get(CHOOSE))
    for key in ("kim", "kang", "phone"):
        assert people[key].display_name in html, key
        assert chosen(people[key]) in html
    for key in ("expert", "moderator", "inactive", "superuser", "staff", "unclaimed"):
        assert people[key].display_name not in html, key
    assert administrator.display_name not in html
    assert 'name="q"' in html  # the search box
    # Names repeat: each row carries the address or the number that tells people apart.
    assert "minji.kim@example.org" in html and "010-2345-6781" in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("minji", ["kim"]),  # part of a name, any case
        ("Min", ["kang", "kim"]),
        ("kang@example", ["kang"]),  # part of an e-mail address
        ("010-2345-6781", ["phone"]),  # a mobile number, typed as people write it
        ("01023456781", ["phone"]),
        ("Kim", ["kim"]),  # not the expert, moderator, inactive person or superuser called Kim
        ("nobody at all", []),
    ],
)
def test_the_search_finds_people_by_name_email_or_mobile(client, administrator, people, query, found):
    client.force_login(administrator)
    html = client.get(RESULTS, {"q": query}).content.decode()
    names = [key for key in ("kang", "kim", "phone") if people[key].display_name in html]
    assert names == found
    for key in ("expert", "moderator", "inactive", "superuser", "staff", "unclaimed"):
        assert people[key].display_name not in html


def test_the_results_come_twenty_at_a_time_with_constant_queries(client, administrator, django_assert_num_queries):
    client.force_login(administrator)
    ResidentFactory.create_batch(3, display_name="Lee Seoyeon")
    with CaptureQueriesContext(connection) as few:
        response = client.get(RESULTS, {"q": "Lee"})
    assert response.content.decode().count("Lee Seoyeon") == 3

    ResidentFactory.create_batch(40, display_name="Lee Seoyeon")
    with django_assert_num_queries(len(few)):
        response = client.get(RESULTS, {"q": "Lee"})
    assert response.content.decode().count("Lee Seoyeon") == 20
    assert client.get(RESULTS, {"q": "Lee", "p": 3}).content.decode().count("Lee Seoyeon") == 3
    assert client.get(RESULTS, {"q": "Lee", "p": 99}).status_code == 404


def test_choosing_a_person_names_them_with_their_address(client, administrator, people):
    client.force_login(administrator)
    response = client.get(chosen(people["kim"]))
    assert response.status_code == 200
    result = json.loads(response.content)["result"]
    assert result["id"] == str(people["kim"].pk)
    assert result["title"] == "Kim Minji <minji.kim@example.org>"
    assert appointee_label(people["phone"]) == "Park Phone <010-2345-6781>"


def test_choosing_someone_who_cannot_be_appointed_is_404(client, administrator, people):
    client.force_login(administrator)
    for key in ("expert", "moderator", "inactive", "superuser", "staff", "unclaimed"):
        assert client.get(chosen(people[key])).status_code == 404, key
    assert client.get(chosen(administrator)).status_code == 404
    assert client.get(reverse("desk_appointee_chooser:chosen", args=["not-a-number"])).status_code == 404
    several = client.get(reverse("desk_appointee_chooser:chosen_multiple"), {"id": ["x", people["expert"].pk]})
    assert several.status_code == 200 and json.loads(several.content)["result"] == []


def test_the_chooser_creates_no_one(client, administrator):
    client.force_login(administrator)
    before = UserFactory._meta.model.objects.count()
    response = client.post(reverse("desk_appointee_chooser:create"), {"display_name": "New", "email": "n@example.org"})
    assert response.status_code == 404
    assert client.get(reverse("desk_appointee_chooser:create")).status_code == 404
    assert UserFactory._meta.model.objects.count() == before


@pytest.mark.parametrize("role", ["anonymous", "resident", "expert", "moderator", "staff"])
def test_only_those_who_may_appoint_use_the_chooser(client, request, role, people):
    if role == "moderator":
        client.force_login(people["moderator"])
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    urls = [CHOOSE, RESULTS + "?q=Kim", chosen(people["kim"]), reverse("desk_appointee_chooser:chosen_multiple")]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 403), (role, url)
        assert people["kim"].display_name not in response.content.decode()
        if response.status_code == 302:
            assert response["Location"].startswith(("/admin/login/", "/accounts/login/", "/admin/"))


def test_appointing_the_chosen_person(client, administrator, people, centre):
    client.force_login(administrator)
    response = client.post(ADD, {"user": people["phone"].pk, "centre": centre.pk})
    assert response.status_code == 302
    assert DeskStaff.objects.get(user=people["phone"]).centre == centre
    # The edit form shows the appointment again, now with the person fixed.
    assert client.get(reverse("desk_staff:edit", args=[people["phone"].desk_membership.pk])).status_code == 200


def test_the_chooser_speaks_korean(client, administrator, people):
    administrator.language = "ko"
    administrator.save(update_fields=["language"])
    client.force_login(administrator)
    client.cookies["django_language"] = "ko"
    html = modal_html(client.get(CHOOSE, HTTP_ACCEPT_LANGUAGE="ko"))
    assert "이름, 이메일 주소 또는 휴대전화 번호" in html and "사람 선택" in html
    form = client.get(ADD, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "이름, 이메일 주소 또는 휴대전화 번호로 찾으세요." in form
