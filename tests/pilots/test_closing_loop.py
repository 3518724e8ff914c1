"""Publishing a pilot moves the proposals it answers along, exactly once, with a timeline entry linking back."""

import pytest

from livinglab.errors import ActionRefused
from pilots import services as pilot_services
from pilots.models import PilotPage, PilotStatus
from pilots.services import sync_proposals_with_pilot
from proposals.models import ProposalStatus, StatusChange
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def republish(pilot: PilotPage, times: int = 1, **changes) -> PilotPage:
    for _ in range(times):
        page = PilotPage.objects.get(pk=pilot.pk)
        for field, value in changes.items():
            setattr(page, field, value)
        page.save_revision().publish()
    return PilotPage.objects.get(pk=pilot.pk)


def moves(proposal, to_status):
    return StatusChange.objects.filter(proposal=proposal, to_status=to_status)


def test_publishing_a_running_pilot_moves_accepted_proposals_to_piloting(make_pilot):
    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    pilot = make_pilot(status=PilotStatus.RUNNING, proposals=[proposal])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PILOTING
    change = moves(proposal, ProposalStatus.PILOTING).get()
    assert change.from_status == ProposalStatus.ACCEPTED
    assert change.pilot_id == pilot.pk
    assert change.changed_by is None
    assert (
        change.official_response == f"This proposal is being tried out in the pilot [{pilot.title}]({pilot.full_url})."
    )


def test_a_draft_pilot_moves_nothing(make_pilot):
    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    make_pilot(status=PilotStatus.RUNNING, proposals=[proposal], publish=False)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert not StatusChange.objects.filter(proposal=proposal).exists()


@pytest.mark.parametrize("status", [ProposalStatus.PUBLISHED, ProposalStatus.UNDER_REVIEW, ProposalStatus.REJECTED])
def test_proposals_not_yet_accepted_stay_where_they_are(make_pilot, status):
    proposal = ProposalFactory(status=status)
    make_pilot(status=PilotStatus.RUNNING, proposals=[proposal])
    proposal.refresh_from_db()
    assert proposal.status == status
    assert not StatusChange.objects.filter(proposal=proposal).exists()


def test_republishing_writes_one_status_change_per_proposal(make_pilot):
    proposals = [ProposalFactory(status=ProposalStatus.ACCEPTED) for _ in range(3)]
    pilot = make_pilot(status=PilotStatus.PLANNED, proposals=proposals)
    republish(pilot, times=3)
    republish(pilot, times=2, status=PilotStatus.RUNNING)
    republish(pilot, times=2, status=PilotStatus.EVALUATING)
    for proposal in proposals:
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.PILOTING
        assert moves(proposal, ProposalStatus.PILOTING).count() == 1
        assert StatusChange.objects.filter(proposal=proposal).count() == 1


def test_completing_the_pilot_moves_piloting_proposals_to_completed_once(make_pilot):
    proposals = [ProposalFactory(status=ProposalStatus.ACCEPTED) for _ in range(2)]
    pilot = make_pilot(status=PilotStatus.RUNNING, proposals=proposals)
    republish(pilot, times=3, status=PilotStatus.COMPLETED)
    for proposal in proposals:
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.COMPLETED
        assert moves(proposal, ProposalStatus.PILOTING).count() == 1
        completed = moves(proposal, ProposalStatus.COMPLETED).get()
        assert completed.pilot_id == pilot.pk
        assert completed.official_response.startswith(f"The pilot [{pilot.title}]({pilot.full_url}) that answers")


def test_a_pilot_published_as_completed_steps_accepted_proposals_through_piloting(make_pilot):
    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    make_pilot(status=PilotStatus.COMPLETED, proposals=[proposal])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.COMPLETED
    steps = list(StatusChange.objects.filter(proposal=proposal).values_list("from_status", "to_status"))
    assert steps == [("accepted", "piloting"), ("piloting", "completed")]


def test_completed_proposals_do_not_move_back_when_a_pilot_is_reopened(make_pilot):
    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    pilot = make_pilot(status=PilotStatus.COMPLETED, proposals=[proposal])
    republish(pilot, status=PilotStatus.RUNNING)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.COMPLETED
    assert StatusChange.objects.filter(proposal=proposal).count() == 2


def test_a_refused_move_is_skipped_without_breaking_the_publish(make_pilot, monkeypatch):
    def refuse(*args, **kwargs):
        raise ActionRefused("no", status=409)

    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    monkeypatch.setattr(pilot_services, "change_status", refuse)
    pilot = make_pilot(status=PilotStatus.RUNNING, proposals=[proposal])
    assert pilot.live
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED


def test_supporters_are_told_after_commit(make_pilot, published_events, django_capture_on_commit_callbacks):
    first, second = ProposalFactory(status=ProposalStatus.ACCEPTED), ProposalFactory(status=ProposalStatus.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        pilot = make_pilot(status=PilotStatus.RUNNING, proposals=[first, second])
    pilot_events = [(name, data) for name, data in published_events if name.startswith("pilot.")]
    assert pilot_events == [("pilot.published", {"pilot_id": pilot.pk, "proposal_ids": sorted([first.pk, second.pk])})]

    published_events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        republish(pilot, times=2)
    assert not [name for name, _data in published_events if name.startswith("pilot.")]

    with django_capture_on_commit_callbacks(execute=True):
        republish(pilot, status=PilotStatus.COMPLETED)
    assert ("pilot.completed", {"pilot_id": pilot.pk, "proposal_ids": sorted([first.pk, second.pk])}) in [
        (n, d) for n, d in published_events
    ]


def test_the_service_is_idempotent_when_called_directly(make_pilot):
    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    pilot = make_pilot(status=PilotStatus.RUNNING, proposals=[proposal])
    assert sync_proposals_with_pilot(pilot) == []
    assert StatusChange.objects.filter(proposal=proposal).count() == 1


def test_a_title_that_looks_like_html_still_moves_the_proposal(make_pilot):
    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    make_pilot(title="Lights <b>now</b> [beta]", proposals=[proposal])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PILOTING
    assert "[Lights ‹b›now‹/b› (beta)](http" in moves(proposal, ProposalStatus.PILOTING).get().official_response
