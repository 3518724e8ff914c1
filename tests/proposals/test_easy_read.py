"""Easy-read summaries: staff write them (administrators and desk staff), pages show them first with easy
reading on and folded away otherwise; bad text is refused with its reason."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import ModelLogEntry

from accounts.models import Role
from accounts.reading import COOKIE
from desk import services as desk_services
from desk.models import Centre
from proposals.models import Proposal
from tests.factories import AdministratorFactory, DongFactory, ProposalFactory, ResidentFactory, UserFactory
from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401  (pilot pages)

pytestmark = pytest.mark.django_db

SUMMARY = "동네 골목 가로등이 꺼졌어요.\n밤에 어두워서 위험해요.\n구청에 고쳐 달라고 해요."


@pytest.fixture
def proposal():
    return ProposalFactory()


@pytest.fixture
def desk_staff():
    centre = Centre.objects.create(name="성수1가1동 주민센터", area=DongFactory())
    user = UserFactory(display_name="창구 담당자")
    desk_services.appoint_desk_staff(user, centre=centre)
    user.refresh_from_db()
    return user


def url(proposal):
    return reverse("proposals:easy_read", args=[proposal.pk])


def person(kind, proposal, desk_staff):
    return {
        "resident": ResidentFactory,
        "author": lambda: proposal.author,
        "expert": lambda: UserFactory(role=Role.EXPERT),
        "moderator": lambda: UserFactory(role=Role.MODERATOR),
        "desk staff": lambda: desk_staff,
        "administrator": AdministratorFactory,
    }[kind]()


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("resident", 403),
        ("author", 403),
        ("expert", 403),
        ("moderator", 403),
        ("desk staff", 200),
        ("administrator", 200),
    ],
)
def test_who_may_open_the_form(client, proposal, desk_staff, kind, status):
    client.force_login(person(kind, proposal, desk_staff))
    response = client.get(url(proposal))
    assert response.status_code == status
    if status == 403:
        assert "Only administrators and desk staff write easy-read summaries." in response.content.decode()


def test_anonymous_is_sent_to_sign_in(client, proposal):
    response = client.get(url(proposal))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("kind", ["resident", "author"])
def test_a_resident_or_the_author_posting_changes_nothing(client, proposal, desk_staff, kind):
    client.force_login(person(kind, proposal, desk_staff))
    response = client.post(url(proposal), {"summary": SUMMARY})
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.easy_read_summary == ""


def test_an_author_who_is_desk_staff_may_write_it(client, desk_staff):
    proposal = ProposalFactory(author=desk_staff)
    client.force_login(desk_staff)
    assert client.post(url(proposal), {"summary": SUMMARY}).status_code == 302


def test_a_blocked_desk_staff_member_is_refused(client, proposal, desk_staff):
    desk_staff.blocked_at = desk_staff.date_joined
    desk_staff.save(update_fields=["blocked_at"])
    client.force_login(desk_staff)
    assert client.post(url(proposal), {"summary": SUMMARY}).status_code == 403


def test_desk_staff_do_not_see_hidden_proposals_administrators_may_write_there(client, desk_staff):
    hidden = ProposalFactory(is_hidden=True, hidden_reason="spam")
    client.force_login(desk_staff)
    assert client.get(url(hidden)).status_code == 404
    client.force_login(AdministratorFactory())
    assert client.get(url(hidden)).status_code == 200


def test_staff_save_it_without_javascript_and_it_is_audited(client, proposal, desk_staff):
    client.force_login(desk_staff)
    response = client.post(url(proposal), {"summary": "  가로등이   꺼졌어요.\r\n\r\n\x0b밤에 어두워요.  "})
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    proposal.refresh_from_db()
    assert proposal.easy_read_summary == "가로등이 꺼졌어요.\n밤에 어두워요."
    entry = ModelLogEntry.objects.get(action="livinglab.proposal.easy_read")
    assert entry.user_id == desk_staff.pk and entry.object_id == str(proposal.pk)


def test_with_htmx_the_form_comes_back_saying_it_is_saved(client, proposal, administrator):
    client.force_login(administrator)
    response = client.post(url(proposal), {"summary": SUMMARY}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and 'role="status"' in body
    assert "The easy-read summary is saved." in body
    proposal.refresh_from_db()
    assert proposal.easy_read_summary == SUMMARY


def test_an_empty_summary_removes_it(client, administrator):
    proposal = ProposalFactory(easy_read_summary=SUMMARY)
    client.force_login(administrator)
    assert client.post(url(proposal), {"summary": "  \n "}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.easy_read_summary == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<b>가로등</b>이 꺼졌어요.", "HTML is not allowed"),
        ("\n".join(f"문장 {n}." for n in range(11)), "at most 10 short sentences"),
        ("가" * 121, "Keep each sentence under 120 characters"),
        ("\n".join(["가" * 100] * 7), "Keep the summary under 600 characters"),
    ],
)
def test_bad_text_is_400_with_its_reason_and_changes_nothing(client, administrator, text, message):
    proposal = ProposalFactory(easy_read_summary="그대로예요.")
    client.force_login(administrator)
    response = client.post(url(proposal), {"summary": text})
    assert response.status_code == 400
    assert message in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.easy_read_summary == "그대로예요."


def test_bad_text_with_htmx_is_a_400_partial(client, proposal, administrator):
    client.force_login(administrator)
    response = client.post(url(proposal), {"summary": "<script>x</script>"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "<html" not in body and "HTML is not allowed" in body


# --- display -------------------------------------------------------------------------------------------


def detail(client, proposal) -> str:
    return client.get(proposal.get_absolute_url()).content.decode()


def test_without_a_summary_the_page_shows_nothing_of_it(client, proposal):
    assert "easy-read" not in detail(client, proposal)


def test_with_easy_reading_off_it_is_folded_away(client):
    proposal = ProposalFactory(easy_read_summary=SUMMARY)
    page = detail(client, proposal)
    assert '<details class="easy-read">' in page and "easy-read-first" not in page
    assert "<p>밤에 어두워서 위험해요.</p>" in page


@pytest.mark.parametrize("cookie", ["s2c0", "s3c0", "s1c1"])
def test_with_easy_reading_on_it_comes_first(client, cookie):
    proposal = ProposalFactory(easy_read_summary=SUMMARY)
    client.cookies[COOKIE] = cookie
    page = detail(client, proposal)
    assert "<details" not in page.split("proposal-description")[0]
    first = page.index('class="easy-read easy-read-first"')
    assert page.index('id="proposal-title"') < first < page.index("proposal-description")


def test_a_signed_in_persons_saved_preference_turns_it_on(client, resident):
    resident.text_size = 2
    resident.save(update_fields=["text_size"])
    client.force_login(resident)
    assert "easy-read-first" in detail(client, ProposalFactory(easy_read_summary=SUMMARY))


def test_the_summary_is_escaped(client):
    proposal = ProposalFactory()
    Proposal.objects.filter(pk=proposal.pk).update(easy_read_summary='A & B "quoted" <i>')
    page = detail(client, proposal)
    assert "<p>A &amp; B &quot;quoted&quot; &lt;i&gt;</p>" in page


def test_the_edit_link_shows_to_staff_only(client, proposal, desk_staff, resident):
    link = reverse("proposals:easy_read", args=[proposal.pk])
    client.force_login(resident)
    assert link not in detail(client, proposal)
    client.force_login(desk_staff)
    assert link in detail(client, proposal)


# --- pilots --------------------------------------------------------------------------------------------


def test_a_pilot_shows_its_summary_folded_and_first_with_easy_reading(client, make_pilot):  # noqa: F811
    pilot = make_pilot(easy_read_summary="버스 정류장에 그늘을 만들었어요.\n여름에 시원해요.")
    page = client.get(pilot.url).content.decode()
    assert '<details class="easy-read">' in page and "<p>여름에 시원해요.</p>" in page
    client.cookies[COOKIE] = "s1c1"
    page = client.get(pilot.url).content.decode()
    assert 'class="easy-read easy-read-first"' in page and '<details class="easy-read">' not in page


def test_a_pilot_without_a_summary_shows_nothing_of_it(client, make_pilot):  # noqa: F811
    assert "easy-read" not in client.get(make_pilot().url).content.decode()


@pytest.mark.parametrize("text", ["<b>굵게</b>", "가" * 121])
def test_the_pilot_field_refuses_markup_and_long_sentences(make_pilot, text):  # noqa: F811
    pilot = make_pilot()
    pilot.easy_read_summary = text
    with pytest.raises(ValidationError) as caught:
        pilot.full_clean()
    assert "easy_read_summary" in caught.value.message_dict
