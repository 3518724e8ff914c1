"""Issue 14: "remove my contributions" on deleting an account also removes the person's proposals and
assessments, with every cached counter exact, search in step, and photo files gone after the commit."""

import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.models import ModelLogEntry

from accounts.models import User
from accounts.services import erase_account
from notifications.models import Follow
from proposals import services
from proposals.models import Assessment, Comment, Proposal, ProposalPhoto, Vote
from search.interface import search_proposals
from search.models import ProposalSearchText
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    DongFactory,
    ExpertFactory,
    ResidentFactory,
)

pytestmark = pytest.mark.django_db


def jpeg_upload():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile("lamp.jpg", buffer.getvalue(), content_type="image/jpeg")


def assert_counters_match_rows():
    for proposal in Proposal.objects.all():
        assert proposal.vote_count == Vote.objects.filter(proposal=proposal).count(), proposal
        visible = Comment.objects.filter(proposal=proposal, is_removed=False, is_hidden=False).count()
        assert proposal.comment_count == visible, proposal


@pytest.fixture
def neighbourhood():
    """The leaving person wrote two proposals (one with a photo) that others voted and commented on; they
    also voted and commented on a neighbour's proposal. An expert assessed both sides."""
    person = ResidentFactory(display_name="Leaving Neighbour")
    others = [ResidentFactory() for _ in range(3)]
    expert = ExpertFactory()
    category, area = CategoryFactory(), DongFactory()
    own = [
        services.submit_proposal(
            author=person,
            title="가로등 고장 시장 입구 zebrafinch",
            description="시장 입구의 가로등이 일주일째 꺼져 있어 밤에 매우 어둡습니다.",
            category=category,
            area=area,
            photos=[jpeg_upload()],
        ),
        services.submit_proposal(
            author=person,
            title="놀이터 벤치 파손 zebrafinch",
            description="놀이터 벤치의 나무 판자가 부서져 아이들이 다칠 수 있습니다.",
            category=category,
            area=area,
        ),
    ]
    neighbours = services.submit_proposal(
        author=others[0],
        title="버스 정류장 그늘막 설치",
        description="여름에 버스를 기다리는 어르신들이 햇볕을 피할 곳이 없습니다.",
        category=category,
        area=area,
    )
    for proposal in [*own, neighbours]:
        for voter in others[1:]:
            services.cast_vote(proposal, user=voter)
        services.post_comment(proposal, author=others[1], body="저도 같은 문제를 겪었습니다.")
    services.cast_vote(neighbours, user=person)
    services.post_comment(neighbours, author=person, body="우리 동네도 그늘막이 필요합니다.")
    for proposal in (own[0], neighbours):
        services.submit_assessment(
            proposal,
            expert=expert,
            feasibility=4,
            cost_range="under_10m",
            risks="없음",
            recommendation="pilot",
            text="시범 사업으로 적합합니다. 비용이 적고 효과가 분명합니다.",
        )
    return person, others, expert, own, neighbours


def test_removing_contributions_deletes_my_proposals_and_keeps_every_counter_exact(
    neighbourhood, django_capture_on_commit_callbacks
):
    person, others, _expert, own, neighbours = neighbourhood
    photo_names = [name for pair in ProposalPhoto.objects.values_list("image", "thumbnail") for name in pair]
    storage = ProposalPhoto._meta.get_field("image").storage
    assert photo_names and all(storage.exists(name) for name in photo_names)

    with django_capture_on_commit_callbacks(execute=True):
        erasure = erase_account(person, remove_contributions=True)

    assert not Proposal.objects.filter(pk__in=[p.pk for p in own]).exists()
    assert not ProposalSearchText.objects.filter(proposal_id__in=[p.pk for p in own]).exists()
    assert not Follow.objects.filter(proposal_id__in=[p.pk for p in own]).exists()
    neighbours.refresh_from_db()
    # The neighbour's proposal: the leaving person's vote and comment are gone from the counters, others stay.
    assert (neighbours.vote_count, neighbours.comment_count) == (2, 1)
    assert_counters_match_rows()
    assert Assessment.objects.filter(proposal=neighbours).exists()  # written by the expert, not by the person
    assert erasure.counts["proposals_removed"] == 2 and erasure.counts["photos_removed"] == 1
    assert not any(storage.exists(name) for name in photo_names)
    entry = ModelLogEntry.objects.get(action="livinglab.account.erase")
    assert entry.data["proposals_removed"] == 2 and "Leaving Neighbour" not in str(entry.data)


def test_removing_an_experts_contributions_deletes_their_assessments_only(neighbourhood):
    _person, _others, expert, own, neighbours = neighbourhood
    erasure = erase_account(expert, remove_contributions=True)
    assert erasure.counts["assessments_removed"] == 2
    assert not Assessment.objects.exists()
    assert Proposal.objects.filter(pk__in=[own[0].pk, neighbours.pk]).count() == 2
    assert_counters_match_rows()


def test_keeping_contributions_keeps_proposals_assessments_and_their_counts(neighbourhood):
    person, _others, expert, own, neighbours = neighbourhood
    erase_account(person)
    erase_account(expert)
    assert Proposal.objects.filter(author=person).count() == 2
    assert Assessment.objects.count() == 2
    own[0].refresh_from_db()
    assert (own[0].vote_count, own[0].comment_count) == (2, 1)
    assert_counters_match_rows()


def test_only_the_leaving_persons_proposals_go(neighbourhood):
    person, others, _expert, _own, neighbours = neighbourhood
    erase_account(person, remove_contributions=True)
    assert list(Proposal.objects.values_list("pk", flat=True)) == [neighbours.pk]
    assert not User.objects.get(pk=others[0].pk).is_erased


def test_search_no_longer_finds_removed_proposals(neighbourhood, settings, django_capture_on_commit_callbacks):
    settings.ELASTICSEARCH_URL = ""
    person, *_rest = neighbourhood
    before = search_proposals("zebrafinch")  # also kept in the results cache until an event moves it on
    assert before.total == 2
    with django_capture_on_commit_callbacks(execute=True):  # the erasure commits: its events run
        erase_account(person, remove_contributions=True)
    after = search_proposals("zebrafinch")
    assert after.total == 0 and after.hits == []
    # Facet counts come from the same query: nothing of the removed proposals remains in them.
    assert sum(value.count for values in search_proposals("").facets.values() for value in values) <= 3


def test_a_rolled_back_erasure_keeps_the_proposals_and_their_photos(neighbourhood, monkeypatch):
    person, *_rest = neighbourhood
    photo_names = [name for pair in ProposalPhoto.objects.values_list("image", "thumbnail") for name in pair]
    storage = ProposalPhoto._meta.get_field("image").storage

    def failing(user):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr("accounts.services._scrub_audit_labels", failing)
    with pytest.raises(RuntimeError):
        erase_account(person, remove_contributions=True)
    assert Proposal.objects.filter(author=person).count() == 2
    assert all(storage.exists(name) for name in photo_names)
    assert not User.objects.get(pk=person.pk).is_erased
    assert_counters_match_rows()


def test_delete_my_account_page_removes_proposals_on_request(client, neighbourhood):
    person, *_rest = neighbourhood
    client.force_login(person)
    response = client.post(
        reverse("accounts:delete"), {"password": PASSWORD, "remove_contributions": "on", "confirm": "on"}
    )
    assert (response.status_code, response.url) == (302, "/")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your account is deleted. Thank you for taking part."
    ]
    assert not Proposal.objects.filter(author=person).exists()
    assert_counters_match_rows()


def test_delete_my_account_must_be_confirmed(client, neighbourhood):
    person, *_rest = neighbourhood
    client.force_login(person)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "remove_contributions": "on"})
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    assert Proposal.objects.filter(author=person).count() == 2
    assert not User.objects.get(pk=person.pk).is_erased


def test_a_wrong_password_removes_nothing_even_when_confirmed(client, neighbourhood):
    person, *_rest = neighbourhood
    client.force_login(person)
    data = {"password": "not my password", "remove_contributions": "on", "confirm": "on"}
    assert client.post(reverse("accounts:delete"), data).status_code == 400
    assert Proposal.objects.filter(author=person).count() == 2
    assert_counters_match_rows()


def test_a_second_request_after_erasure_removes_nothing_more(neighbourhood):
    person, *_rest = neighbourhood
    erase_account(person, remove_contributions=True)
    again = erase_account(person, remove_contributions=True)
    assert again.already_erased and again.counts == {}
    assert ModelLogEntry.objects.filter(action="livinglab.account.erase").count() == 1


def test_a_vote_on_a_proposal_removed_mid_request_is_a_404_not_a_500(client, neighbourhood, monkeypatch):
    """The vote race: the proposal's author erases their account (removing it) between the voter's page read
    and the vote's row lock."""
    person, others, _expert, own, _neighbours = neighbourhood
    voter = ResidentFactory()
    real_require = services._require_signed_in

    def require_then_erase(user):
        real_require(user)
        if user.pk == voter.pk and not User.objects.get(pk=person.pk).is_erased:
            erase_account(person, remove_contributions=True)

    monkeypatch.setattr(services, "_require_signed_in", require_then_erase)
    client.force_login(voter)
    response = client.post(reverse("proposals:vote", args=[own[0].pk]))
    assert response.status_code == 404
    assert "no longer on the site" in response.content.decode()
    assert not Proposal.objects.filter(pk=own[0].pk).exists()
    assert_counters_match_rows()


def test_a_vote_on_a_proposal_that_stays_is_counted(client, neighbourhood):
    _person, _others, _expert, _own, neighbours = neighbourhood
    client.force_login(ResidentFactory())
    response = client.post(reverse("proposals:vote", args=[neighbours.pk]))
    assert response.status_code in (200, 302)
    assert_counters_match_rows()
