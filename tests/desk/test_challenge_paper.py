"""A challenge's own paper form: printed (A4, Korean, large type, QR code to the challenge's page), linked for the
people who hand it out, and typed in on the desk's batch screen, where the proposal lands in that challenge and
no paper reference is entered twice, whichever kind of form it was on."""

import pytest
from django.urls import reverse

from challenges.stages import Stage
from desk import services
from desk.models import PaperEntry
from desk.views import _qr_svg
from livinglab.errors import ActionRefused
from proposals.models import Proposal
from tests.challenges.conftest import challenge_index, make_challenge  # noqa: F401 - the challenge page tree
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

QUESTION = "밤길이 무서운 곳은 어디인가요?"


@pytest.fixture
def night_walks(make_challenge, dong, category):  # noqa: F811
    return make_challenge(
        title="안전한 밤길", slug="safer-nights", question=QUESTION, areas=[dong.parent], categories=[category]
    )


def _form_url(challenge) -> str:
    return reverse("desk:challenge_paper_form", args=[challenge.pk])


def _paper(category, dong, **extra) -> dict:
    return {
        "title": "골목길 가로등이 꺼져 있어요",
        "description": "시장 뒤 골목길 가로등이 한 달째 꺼져 있어 밤에 다니기 무섭습니다. 고쳐 주세요.",
        "category": category,
        "area": dong,
        **extra,
    }


def _posted(desk_resident, category, dong, **extra) -> dict:
    data = _paper(category, dong, resident=desk_resident.pk, **extra)
    return data | {"category": category.pk, "area": dong.pk}


def test_a_challenges_paper_form_carries_its_title_question_and_a_qr_code_to_its_page(client, night_walks, dong):
    response = client.get(_form_url(night_walks))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="ko"' in page and "과제 제안서" in page
    assert "<h1>안전한 밤길</h1>" in page and QUESTION in page
    period = night_walks.call_period
    assert f"접수 기간: {period.start:%Y-%m-%d} ~ {period.end:%Y-%m-%d}" in page
    page_url = f"http://testserver{night_walks.url}"
    assert page_url in page
    # The code on the sheet is the one for the challenge's page, not for the general online form.
    assert str(_qr_svg(page_url)) in page
    assert str(_qr_svg("http://testserver" + reverse("proposals:create"))) not in page
    assert "□ 안전" in page and f"□ {dong.name}" in page
    assert f"과제 번호 {night_walks.pk}" in page


def test_the_general_form_stays_the_general_one(client, night_walks):
    page = client.get(reverse("desk:paper_form")).content.decode()
    assert "살기 좋은 우리 동네" in page and "안전한 밤길" not in page and "/proposals/new/" in page


def test_no_paper_form_for_a_draft_a_finished_call_or_another_page(client, make_challenge, night_walks):  # noqa: F811
    draft = make_challenge(publish=False)
    assert client.get(_form_url(draft)).status_code == 404
    assert client.get(_form_url(night_walks.get_parent())).status_code == 404
    night_walks.current_stage = Stage.CODESIGN
    night_walks.save(update_fields=["current_stage"])
    response = client.get(_form_url(night_walks))
    assert response.status_code == 409
    assert "no longer takes problems" in response.content.decode()


def test_the_challenge_page_links_its_paper_form_for_administrators_and_desk_staff(
    client, night_walks, staff, administrator, resident
):
    link = _form_url(night_walks)
    for user in (staff, administrator):
        client.force_login(user)
        assert link in client.get(night_walks.url).content.decode()
    for user in (resident, None):
        client.logout()
        if user is not None:
            client.force_login(user)
        assert link not in client.get(night_walks.url).content.decode()


def test_the_desk_links_each_open_challenges_form_and_its_batch_entry(client, staff, night_walks, make_challenge):  # noqa: F811
    finished = make_challenge(title="끝난 챌린지")
    finished.current_stage = Stage.PILOT
    finished.save(update_fields=["current_stage"])
    client.force_login(staff)
    page = client.get(reverse("desk:home")).content.decode()
    assert _form_url(night_walks) in page
    assert f"{reverse('desk:paper_batch')}?challenge={night_walks.pk}" in page
    assert _form_url(finished) not in page


def test_a_challenge_form_typed_in_lands_in_the_challenge_and_the_choice_stays(
    client, staff, desk_resident, night_walks, category, dong
):
    client.force_login(staff)
    batch = reverse("desk:paper_batch")
    form = client.get(f"{batch}?challenge={night_walks.pk}").content.decode()
    assert "Which paper form" in form and f'<option value="{night_walks.pk}" selected>' in form
    data = _posted(desk_resident, category, dong, reference="N-1", challenge=night_walks.pk)
    response = client.post(batch, data)
    assert response.status_code == 302 and response["Location"] == f"{batch}?challenge={night_walks.pk}"
    proposal = Proposal.objects.get()
    assert proposal.challenge_id == night_walks.pk
    assert proposal.channel == "paper" and proposal.author == desk_resident.user and proposal.filed_by == staff
    assert PaperEntry.objects.get().proposal == proposal
    page = client.get(response["Location"]).content.decode()
    assert "in the challenge “안전한 밤길”" in page
    assert f'<option value="{night_walks.pk}" selected>' in page  # the next form is the same kind


def test_a_general_form_typed_in_lands_in_no_challenge(client, staff, desk_resident, night_walks, category, dong):
    client.force_login(staff)
    response = client.post(reverse("desk:paper_batch"), _posted(desk_resident, category, dong, reference="G-1"))
    assert response.status_code == 302 and response["Location"] == reverse("desk:paper_batch")
    assert Proposal.objects.get().challenge_id is None


@pytest.mark.parametrize("first_kind, second_kind", [("general", "challenge"), ("challenge", "general")])
def test_a_reference_is_entered_once_across_both_kinds_of_form(
    client, staff, desk_resident, night_walks, category, dong, first_kind, second_kind
):
    kinds = {"general": {}, "challenge": {"challenge": night_walks.pk}}
    client.force_login(staff)
    batch = reverse("desk:paper_batch")
    first = client.post(batch, _posted(desk_resident, category, dong, reference="P-77", **kinds[first_kind]))
    assert first.status_code == 302
    earlier = Proposal.objects.get()
    again = client.post(batch, _posted(desk_resident, category, dong, reference="p-77", **kinds[second_kind]))
    assert again.status_code == 409
    assert "Paper form P-77 was already entered" in again.content.decode()
    assert f"proposal no. {earlier.pk}" in again.content.decode()
    assert Proposal.objects.count() == 1 and PaperEntry.objects.count() == 1


def test_the_service_refuses_a_duplicate_reference_for_a_challenge_form_too(
    staff, desk_resident, night_walks, category, dong
):
    services.enter_paper_form(desk_resident, staff=staff, reference="P-9", **_paper(category, dong))
    with pytest.raises(ActionRefused) as exc:
        services.enter_paper_form(
            desk_resident, staff=staff, reference="P-9", **_paper(category, dong, challenge=night_walks)
        )
    assert exc.value.status == 409
    assert Proposal.objects.count() == 1 and not night_walks.proposals.exists()


def test_a_challenge_form_from_a_dong_it_does_not_cover_is_refused(
    client,
    staff,
    desk_resident,
    make_challenge,  # noqa: F811
    other_dong,
    category,
    dong,
):
    elsewhere = make_challenge(title="다른 동 챌린지", areas=[other_dong], categories=[category])
    client.force_login(staff)
    response = client.post(
        reverse("desk:paper_batch"),
        _posted(desk_resident, category, dong, reference="X-1", challenge=elsewhere.pk),
    )
    assert response.status_code == 409
    assert "open to its own areas only" in response.content.decode()
    assert not Proposal.objects.exists() and not PaperEntry.objects.exists()
    # The reference was not used up by the refusal: the same paper goes in as a general form.
    assert (
        client.post(reverse("desk:paper_batch"), _posted(desk_resident, category, dong, reference="X-1")).status_code
        == 302
    )


def test_an_ordinary_residents_own_form_offers_the_challenge_as_before(client, night_walks, dong):
    """The batch screen's relabelled choice is the desk's alone: the resident's own form keeps its wording."""
    client.force_login(ResidentFactory(home_area=dong))
    page = client.get(reverse("proposals:create")).content.decode()
    assert "Which paper form" not in page and "안전한 밤길" in page
