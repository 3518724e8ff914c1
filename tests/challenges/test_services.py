"""The challenge services: each success paired with the refusals around it, which change nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import PageLogEntry

from challenges.models import ChallengeDecision, ChallengeFollow, ChallengePage, ChallengeStageChange, Shortlisting
from challenges.services import (
    change_stage,
    follow_challenge,
    record_decision,
    shortlist_proposal,
    unfollow_challenge,
)
from challenges.stages import DecisionOutcome, Stage
from livinglab.errors import ActionRefused
from notifications.services import follow_proposal
from pilots.models import PilotFeedback, PilotStatus
from proposals.models import ProposalStatus
from tests.factories import AreaFactory, DongFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a service schedules after its commit (the test's transaction never commits)."""
    return django_capture_on_commit_callbacks


def move_to(challenge, stage, *, by):
    while challenge.current_stage != stage:
        change_stage(challenge, to_stage=challenge.next_stage, by=by, early=True)


def fresh(challenge) -> ChallengePage:
    return ChallengePage.objects.get(pk=challenge.pk)


# --- stages --------------------------------------------------------------------------------------------


def test_an_administrator_moves_the_challenge_one_stage_on(challenge, administrator, emitted, committed):
    with committed(execute=True):
        change = change_stage(challenge, to_stage=Stage.CODESIGN, by=administrator, note="Workshops start", early=True)
    assert fresh(challenge).current_stage == Stage.CODESIGN
    assert (change.from_stage, change.to_stage, change.changed_by, change.note) == (
        Stage.DISCOVERY,
        Stage.CODESIGN,
        administrator,
        "Workshops start",
    )
    entry = PageLogEntry.objects.get(action="livinglab.challenge.stage", page=challenge)
    assert entry.data["to_stage"] == Stage.CODESIGN and entry.user == administrator
    assert emitted == [
        (
            "challenge.stage_changed",
            {
                "challenge_id": challenge.pk,
                "actor_id": administrator.pk,
                "stage_change_id": change.pk,
                "from_stage": Stage.DISCOVERY,
                "to_stage": Stage.CODESIGN,
            },
        )
    ]


@pytest.mark.parametrize(
    ("to_stage", "status"),
    [(Stage.PILOT, 409), (Stage.DISCOVERY, 409), (Stage.DECISION, 409), ("someday", 400)],
)
def test_a_stage_cannot_be_skipped_repeated_or_made_up(challenge, administrator, emitted, to_stage, status):
    with pytest.raises(ActionRefused) as refused:
        change_stage(challenge, to_stage=to_stage, by=administrator, early=True)
    assert refused.value.status == status
    assert fresh(challenge).current_stage == Stage.DISCOVERY
    assert not ChallengeStageChange.objects.exists() and emitted == []


def test_residents_experts_and_visitors_cannot_change_the_stage(challenge, resident, expert, emitted):
    from django.contrib.auth.models import AnonymousUser

    for user in (resident, expert, AnonymousUser()):
        with pytest.raises(ActionRefused) as refused:
            change_stage(challenge, to_stage=Stage.CODESIGN, by=user, early=True)
        assert refused.value.status == 403
    assert fresh(challenge).current_stage == Stage.DISCOVERY and emitted == []


def test_evaluation_moves_on_only_by_recording_the_decision(challenge, administrator):
    move_to(challenge, Stage.EVALUATION, by=administrator)
    with pytest.raises(ActionRefused) as refused:
        change_stage(challenge, to_stage=Stage.DECISION, by=administrator, early=True)
    assert refused.value.status == 409
    assert fresh(challenge).current_stage == Stage.EVALUATION


def test_a_bad_note_is_refused_before_anything_moves(challenge, administrator):
    with pytest.raises(ValidationError):
        change_stage(challenge, to_stage=Stage.CODESIGN, by=administrator, note="x" * 1001, early=True)
    assert fresh(challenge).current_stage == Stage.DISCOVERY


# --- following -----------------------------------------------------------------------------------------


def test_residents_follow_and_unfollow_a_challenge_once(challenge, resident):
    follow_challenge(challenge, user=resident)
    follow_challenge(challenge, user=resident)
    assert ChallengeFollow.objects.filter(challenge=challenge, user=resident).count() == 1
    unfollow_challenge(challenge, user=resident)
    assert not ChallengeFollow.objects.exists()


def test_following_challenges_and_proposals_share_one_limit(settings, challenge, resident):
    settings.FOLLOW_RATE_LIMIT = "1/h"
    follow_proposal(ProposalFactory(), user=resident)
    with pytest.raises(ActionRefused) as exc:
        follow_challenge(challenge, user=resident)
    assert exc.value.status == 429
    assert not ChallengeFollow.objects.filter(user=resident).exists()


def test_visitors_and_drafts_cannot_be_followed(make_challenge, resident):
    from django.contrib.auth.models import AnonymousUser

    live, draft = make_challenge(), make_challenge(publish=False)
    with pytest.raises(ActionRefused) as anonymous:
        follow_challenge(live, user=AnonymousUser())
    with pytest.raises(ActionRefused) as unpublished:
        follow_challenge(draft, user=resident)
    assert (anonymous.value.status, unpublished.value.status) == (403, 404)
    assert not ChallengeFollow.objects.exists()


# --- shortlisting --------------------------------------------------------------------------------------


def test_an_administrator_shortlists_a_proposal_of_the_challenge(challenge, administrator, emitted, committed):
    proposal = ProposalFactory(challenge=challenge)
    with committed(execute=True):
        shortlisting = shortlist_proposal(challenge, proposal, by=administrator, note="Most supported")
    assert (shortlisting.proposal, shortlisting.challenge, shortlisting.note) == (proposal, challenge, "Most supported")
    assert PageLogEntry.objects.filter(action="livinglab.challenge.shortlist", page=challenge).count() == 1
    assert emitted == [
        (
            "challenge.shortlisted",
            {"challenge_id": challenge.pk, "actor_id": administrator.pk, "proposal_id": proposal.pk},
        )
    ]


def test_shortlisting_twice_is_refused(challenge, administrator):
    proposal = ProposalFactory(challenge=challenge)
    shortlist_proposal(challenge, proposal, by=administrator)
    with pytest.raises(ActionRefused) as refused:
        shortlist_proposal(challenge, proposal, by=administrator)
    assert refused.value.status == 409
    assert Shortlisting.objects.count() == 1


def test_only_the_challenges_own_live_proposals_can_be_shortlisted(challenge, administrator):
    outside = ProposalFactory()
    withdrawn = ProposalFactory(challenge=challenge, status=ProposalStatus.WITHDRAWN)
    with pytest.raises(ActionRefused) as other:
        shortlist_proposal(challenge, outside, by=administrator)
    with pytest.raises(ActionRefused) as gone:
        shortlist_proposal(challenge, withdrawn, by=administrator)
    assert (other.value.status, gone.value.status) == (400, 409)
    assert not Shortlisting.objects.exists()


def test_shortlisting_ends_with_co_design_and_belongs_to_administrators(challenge, administrator, resident):
    proposal = ProposalFactory(challenge=challenge)
    with pytest.raises(ActionRefused) as not_allowed:
        shortlist_proposal(challenge, proposal, by=resident)
    move_to(challenge, Stage.PILOT, by=administrator)
    with pytest.raises(ActionRefused) as too_late:
        shortlist_proposal(fresh(challenge), proposal, by=administrator)
    assert (not_allowed.value.status, too_late.value.status) == (403, 409)
    assert not Shortlisting.objects.exists()


# --- the decision --------------------------------------------------------------------------------------


@pytest.fixture
def evaluated(make_challenge, make_pilot, administrator):
    """A challenge in evaluation with a linked pilot (one metric, two ratings) and three proposals."""
    pilot = make_pilot(
        status=PilotStatus.EVALUATING,
        metrics=[{"name": "Shelter users", "unit": "people", "baseline": 100, "target": 300, "actual": 350}],
    )
    PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=4)
    PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=5)
    challenge = make_challenge(pilots=[pilot])
    chosen = ProposalFactory(challenge=challenge)
    also = ProposalFactory(challenge=challenge, status=ProposalStatus.UNDER_REVIEW)
    left_out = ProposalFactory(challenge=challenge)
    shortlist_proposal(challenge, chosen, by=administrator)
    shortlist_proposal(challenge, also, by=administrator)
    move_to(challenge, Stage.EVALUATION, by=administrator)
    return {"challenge": fresh(challenge), "pilot": pilot, "chosen": chosen, "also": also, "left_out": left_out}


def decide(challenge, by, **overrides):
    fields = {
        "outcome": DecisionOutcome.SCALE_DISTRICT,
        "reasons": "Use tripled and residents rated it well.",
        "budget_consequence": "Next year's budget funds twenty more shelters.",
    }
    fields.update(overrides)
    return record_decision(challenge, by=by, **fields)


def test_recording_the_decision_closes_the_challenge_and_finishes_its_proposals(
    evaluated, administrator, emitted, committed, monkeypatch
):
    monkeypatch.setattr("proposals.live.broadcast", lambda messages: True)
    monkeypatch.setattr("challenges.live.broadcast", lambda messages: True)
    challenge = evaluated["challenge"]
    with committed(execute=True):
        decision = decide(challenge, administrator, budget_amount=Decimal(120000000))
    challenge = fresh(challenge)
    assert challenge.current_stage == Stage.DECISION and challenge.is_closed
    assert decision.outcome == DecisionOutcome.SCALE_DISTRICT and decision.decided_by == administrator
    for key in ("chosen", "also", "left_out"):
        evaluated[key].refresh_from_db()
    assert evaluated["chosen"].status == ProposalStatus.COMPLETED
    assert evaluated["also"].status == ProposalStatus.COMPLETED
    assert evaluated["left_out"].status == ProposalStatus.REJECTED
    assert "not taken into its pilot" in evaluated["left_out"].status_changes.last().official_response
    names = [name for name, _payload in emitted]
    assert names.count("proposal.status_changed") == 4 + 3 + 2  # published, under review → completed; → rejected
    assert names[-1] == "challenge.decided"
    assert emitted[-1][1]["proposal_ids"] == sorted(evaluated[k].pk for k in ("chosen", "also", "left_out"))
    assert PageLogEntry.objects.filter(action="livinglab.challenge.decide", page=challenge).count() == 1


def test_the_decision_keeps_the_pilots_evidence_as_it_stood(evaluated, administrator):
    decision = decide(evaluated["challenge"], administrator)
    (pilot,) = decision.evidence["pilots"]
    assert pilot["title"] == evaluated["pilot"].title
    assert pilot["ratings"] == {"average": 4.5, "count": 2}
    assert pilot["metrics"][0]["name"] == "Shelter users" and pilot["metrics"][0]["target_met"] is True
    evaluated["pilot"].metrics.update(actual=1)
    decision.refresh_from_db()
    assert decision.evidence["pilots"][0]["metrics"][0]["actual"] == "350.000"


def test_adapt_keeps_the_shortlisted_proposals_accepted_and_stop_rejects_them(make_challenge, administrator):
    for outcome, expected in (
        (DecisionOutcome.ADAPT, ProposalStatus.ACCEPTED),
        (DecisionOutcome.STOP, ProposalStatus.REJECTED),
    ):
        challenge = make_challenge()
        proposal = ProposalFactory(challenge=challenge)
        shortlist_proposal(challenge, proposal, by=administrator)
        move_to(challenge, Stage.EVALUATION, by=administrator)
        decide(fresh(challenge), administrator, outcome=outcome)
        proposal.refresh_from_db()
        assert proposal.status == expected


def test_scaling_to_named_dongs_names_neighbourhoods(evaluated, administrator):
    dongs = [DongFactory(), DongFactory()]
    decision = decide(evaluated["challenge"], administrator, outcome=DecisionOutcome.SCALE_DONGS, dongs=dongs)
    assert set(decision.dongs.all()) == set(dongs)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"outcome": DecisionOutcome.SCALE_DONGS}, "dongs"),
        ({"outcome": DecisionOutcome.SCALE_DONGS, "dongs": "district"}, "dongs"),
        ({"dongs": "dong"}, "dongs"),
        ({"reasons": "  "}, "reasons"),
        ({"budget_consequence": ""}, "budget_consequence"),
        ({"budget_amount": Decimal(-1)}, "budget_amount"),
    ],
)
def test_bad_decision_input_is_refused_and_changes_nothing(evaluated, administrator, overrides, field):
    if overrides.get("dongs") == "district":
        overrides["dongs"] = [AreaFactory()]
    elif overrides.get("dongs") == "dong":
        overrides["dongs"] = [DongFactory()]
    with pytest.raises(ValidationError) as invalid:
        decide(evaluated["challenge"], administrator, **overrides)
    assert field in invalid.value.message_dict
    assert not ChallengeDecision.objects.exists()
    assert fresh(evaluated["challenge"]).current_stage == Stage.EVALUATION


def test_an_unknown_outcome_is_a_bad_request(evaluated, administrator):
    with pytest.raises(ActionRefused) as refused:
        decide(evaluated["challenge"], administrator, outcome="maybe")
    assert refused.value.status == 400
    assert not ChallengeDecision.objects.exists()


def test_the_decision_waits_for_evaluation_belongs_to_administrators_and_is_made_once(
    challenge, evaluated, administrator, resident
):
    with pytest.raises(ActionRefused) as too_early:
        decide(challenge, administrator)
    with pytest.raises(ActionRefused) as not_allowed:
        decide(evaluated["challenge"], resident)
    assert (too_early.value.status, not_allowed.value.status) == (409, 403)
    assert not ChallengeDecision.objects.exists()
    decide(evaluated["challenge"], administrator)
    with pytest.raises(ActionRefused) as twice:
        decide(fresh(evaluated["challenge"]), administrator)
    with pytest.raises(ActionRefused) as moved_after:
        change_stage(fresh(evaluated["challenge"]), to_stage=Stage.DISCOVERY, by=administrator, early=True)
    assert (twice.value.status, moved_after.value.status) == (409, 409)
    assert ChallengeDecision.objects.count() == 1


def test_publishing_an_older_draft_never_moves_the_stage_back(challenge, administrator):
    draft = challenge.get_latest_revision_as_object()
    change_stage(challenge, to_stage=Stage.CODESIGN, by=administrator, early=True)
    draft.question = "Where is it too dark at night?"
    draft.save_revision(user=administrator).publish(user=administrator)
    challenge = fresh(challenge)
    assert challenge.question == "Where is it too dark at night?"
    assert challenge.current_stage == Stage.CODESIGN
