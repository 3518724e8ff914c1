"""Everything administrators and residents do to a challenge, one function per action.

Each service asks ``challenges.rules``, changes its rows inside ``transaction.atomic()``, writes the audit log
(``wagtail.log_actions``, dotted ``livinglab.challenge.*`` codes) and announces what happened with a domain
event (``docs/events.md``): notifications and the live pushes subscribe, this module knows neither.
Refusals raise ``ActionRefused`` (403 not allowed, 409 not in this state, 400 bad input); bad field values
raise ``ValidationError`` keyed by field.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from wagtail.log_actions import log as audit_log

from codesign.results import survey_summary
from livinglab import ratelimit
from livinglab.errors import ActionRefused
from livinglab.events import emit
from proposals.models import Area, Proposal, ProposalStatus, transition_path
from proposals.services import change_status
from proposals.validators import validate_user_text

from .models import (
    ChallengeDecision,
    ChallengeFollow,
    ChallengePage,
    ChallengeStageChange,
    Shortlisting,
)
from .rules import challenge_policy
from .stages import SCALE_OUTCOMES, DecisionOutcome, Stage, stage_label


def _require(perm: str, challenge, user) -> None:
    policy = challenge_policy(perm, challenge, user=user)
    if not policy.allowed:
        raise ActionRefused(policy.message, status=policy.status)


def _locked(challenge: ChallengePage) -> ChallengePage:
    """The challenge's row, locked for this transaction, so two moves at once cannot both pass the checks."""
    return ChallengePage.objects.select_for_update().get(pk=challenge.pk)


def _clean_text(value: str, *, field: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [_("This field is required.")]})
    if len(value) > limit:
        raise ValidationError({field: [_("At most %(limit)d characters, please.") % {"limit": limit}]})
    if value:
        try:
            validate_user_text(value)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from exc
    return value


# --- stages --------------------------------------------------------------------------------------------


def change_stage(
    challenge: ChallengePage, *, to_stage: str, by, note: str = "", early: bool = False
) -> ChallengeStageChange:
    """Move ``challenge`` one stage on along ``stages.STAGE_TRANSITIONS``; audited, announced, pushed live.

    A stage is entered on or after its planned start. Before it, the move is refused (409) unless the
    administrator confirms an early start (``early``), which the stage change and the audit log both record.
    """
    if to_stage not in Stage.values:
        raise ActionRefused(_("“%(stage)s” is not a stage.") % {"stage": to_stage}, status=400)
    note = _clean_text(note, field="note", limit=1000)
    with transaction.atomic():
        locked = _locked(challenge)
        _require("challenges.change_stage", locked, by)
        if to_stage != locked.next_stage:
            raise ActionRefused(
                _("A challenge in “%(from)s” moves on to “%(to)s” only, one stage at a time.")
                % {"from": stage_label(locked.current_stage), "to": stage_label(locked.next_stage)},
                status=409,
            )
        planned_start = locked.next_stage_planned_start()
        if planned_start is not None and not early:
            raise ActionRefused(
                _(
                    "“%(stage)s” is planned to start on %(start)s. To start it before then, confirm the early "
                    "start; it is recorded."
                )
                % {"stage": stage_label(to_stage), "start": planned_start.isoformat()},
                status=409,
            )
        change = _move(locked, to_stage=to_stage, by=by, note=note, planned_start=planned_start)
    challenge.current_stage = locked.current_stage
    return change


def _move(locked: ChallengePage, *, to_stage: str, by, note: str, planned_start=None) -> ChallengeStageChange:
    """Move the locked challenge to ``to_stage``; ``planned_start`` is the later planned date of an early start."""
    from_stage = locked.current_stage
    ChallengePage.objects.filter(pk=locked.pk).update(current_stage=to_stage)
    locked.current_stage = to_stage
    change = ChallengeStageChange.objects.create(
        challenge=locked,
        from_stage=from_stage,
        to_stage=to_stage,
        changed_by=by,
        note=note,
        planned_start=planned_start,
    )
    data = {"from_stage": from_stage, "to_stage": to_stage, "stage_change_id": change.pk, "note": note[:500]}
    if planned_start is not None:
        data["early_start"] = True
        data["planned_start"] = planned_start.isoformat()
    audit_log(instance=locked, action="livinglab.challenge.stage", user=by, data=data)
    if planned_start is not None:
        audit_log(instance=locked, action="livinglab.challenge.early_start", user=by, data=data)
    emit(
        "challenge.stage_changed",
        challenge_id=locked.pk,
        actor_id=by.pk if by is not None else None,
        stage_change_id=change.pk,
        from_stage=from_stage,
        to_stage=to_stage,
    )
    return change


# --- following -----------------------------------------------------------------------------------------


def _follow_limit(user):
    """The same per-person ``FOLLOW_RATE_LIMIT`` as following proposals (one scope for both)."""
    return ratelimit.limited(
        "follow",
        user.pk,
        settings.FOLLOW_RATE_LIMIT,
        message=_("You have followed and unfollowed many times in a short while. Please wait a while and try again."),
    )


def follow_challenge(challenge: ChallengePage, *, user) -> ChallengeFollow:
    """Start following; following twice is a no-op."""
    _require("challenges.follow", challenge, user)
    with _follow_limit(user), transaction.atomic():
        follow, _created = ChallengeFollow.objects.get_or_create(user=user, challenge=challenge)
    return follow


def unfollow_challenge(challenge: ChallengePage, *, user) -> None:
    """Stop following; unfollowing what one does not follow is a no-op."""
    _require("challenges.follow", challenge, user)
    with _follow_limit(user), transaction.atomic():
        ChallengeFollow.objects.filter(user=user, challenge=challenge).delete()


def is_following(challenge: ChallengePage, *, user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and ChallengeFollow.objects.filter(user=user, challenge=challenge).exists()
    )


# --- shortlisting --------------------------------------------------------------------------------------


# Still alive: not rejected, completed or withdrawn (a proposal already piloting may join co-design too).
SHORTLISTABLE_STATUSES = (
    ProposalStatus.PUBLISHED,
    ProposalStatus.UNDER_REVIEW,
    ProposalStatus.ACCEPTED,
    ProposalStatus.PILOTING,
)


def shortlist_proposal(challenge: ChallengePage, proposal: Proposal, *, by, note: str = "") -> Shortlisting:
    """Take a proposal submitted into ``challenge`` into co-design (during discovery or co-design)."""
    note = _clean_text(note, field="note", limit=500)
    with transaction.atomic():
        locked = _locked(challenge)
        _require("challenges.shortlist", locked, by)
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.challenge_id != locked.pk:
            raise ActionRefused(_("This proposal was not submitted into this challenge."), status=400)
        if proposal.is_hidden or proposal.status not in SHORTLISTABLE_STATUSES:
            raise ActionRefused(
                _("This proposal is “%(status)s”: it can no longer be shortlisted.")
                % {"status": proposal.get_status_display()},
                status=409,
            )
        if Shortlisting.objects.filter(proposal=proposal).exists():
            raise ActionRefused(_("This proposal is already shortlisted."), status=409)
        shortlisting = Shortlisting.objects.create(proposal=proposal, challenge=locked, shortlisted_by=by, note=note)
        audit_log(
            instance=locked,
            action="livinglab.challenge.shortlist",
            user=by,
            data={"proposal_id": proposal.pk, "note": note},
        )
        emit("challenge.shortlisted", challenge_id=locked.pk, actor_id=by.pk, proposal_id=proposal.pk)
    return shortlisting


# --- the decision --------------------------------------------------------------------------------------


def evidence_for(challenge: ChallengePage) -> dict:
    """The linked pilots' metrics, residents' ratings and survey results (before/after) as they stand now, and
    the challenge's own surveys: the decision keeps a copy.

    Survey results come from the codesign app's summary (a one-way dependency: codesign knows no challenge).
    """
    pilots = []
    for pilot in challenge.pilots.annotate(rating_average=Avg("feedback__rating"), rating_count=Count("feedback")):
        pilots.append(
            {
                "id": pilot.pk,
                "title": pilot.title,
                "url": pilot.url or "",
                "status": pilot.status,
                "ratings": {
                    "average": round(float(pilot.rating_average), 1) if pilot.rating_average is not None else None,
                    "count": pilot.rating_count,
                },
                "metrics": [
                    {
                        "name": metric.name,
                        "unit": metric.unit,
                        "baseline": str(metric.baseline),
                        "target": str(metric.target),
                        "actual": None if metric.actual is None else str(metric.actual),
                        "target_met": metric.target_met,
                    }
                    for metric in pilot.metrics.all()
                ],
                "surveys": survey_summary(pilot),
            }
        )
    return {"pilots": pilots, "surveys": survey_summary(challenge)}


def _final_targets(outcome: str, *, shortlisted: bool, status: str) -> list[str]:
    """The statuses a proposal should end in, in order of preference, for this decision."""
    if not shortlisted:
        return [ProposalStatus.REJECTED]
    if outcome in SCALE_OUTCOMES:
        return [ProposalStatus.COMPLETED]
    if outcome == DecisionOutcome.ADAPT:
        return [ProposalStatus.ACCEPTED]  # kept for the next pilot; a piloting one stays piloting
    return (
        [ProposalStatus.REJECTED, ProposalStatus.COMPLETED]
        if status == ProposalStatus.PILOTING
        else [ProposalStatus.REJECTED]
    )


def _decision_response(challenge: ChallengePage, decision: ChallengeDecision, *, shortlisted: bool) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if shortlisted:
            text = gettext("The challenge “%(title)s” is decided: %(outcome)s. %(reasons)s")
        else:
            text = gettext(
                "The challenge “%(title)s” is decided (%(outcome)s); this proposal was not taken into its pilot. "
                "%(reasons)s"
            )
        return (
            text
            % {
                "title": challenge.title,
                "outcome": DecisionOutcome(decision.outcome).label,
                "reasons": decision.reasons[:1500],
            }
        )[:5000]


def _close_proposals(challenge: ChallengePage, decision: ChallengeDecision, *, by) -> list[int]:
    """Move every proposal of the challenge to its final status through the proposals' own service."""
    shortlisted = set(Shortlisting.objects.filter(challenge=challenge).values_list("proposal_id", flat=True))
    proposals = list(Proposal.objects.filter(challenge=challenge, is_hidden=False).order_by("pk"))
    for proposal in proposals:
        chosen = proposal.pk in shortlisted
        for target in _final_targets(decision.outcome, shortlisted=chosen, status=proposal.status):
            path = transition_path(proposal.status, target)
            if path is None:
                continue
            response = _decision_response(challenge, decision, shortlisted=chosen)
            for step in path:
                change_status(proposal, to_status=step, by=by, response=response)
            break
    return [proposal.pk for proposal in proposals]


def _decision_values(
    *, outcome: str, reasons: str, budget_consequence: str, evidence_note: str, dongs: list, budget_amount
) -> dict:
    """The decision's cleaned texts; a bad outcome is a 400, bad fields a ValidationError keyed by field."""
    if outcome not in DecisionOutcome.values:
        raise ActionRefused(_("Choose one of the decisions offered."), status=400)
    errors = {}
    values = {}
    for field, value, limit, required in (
        ("reasons", reasons, 5000, True),
        ("budget_consequence", budget_consequence, 2000, True),
        ("evidence_note", evidence_note, 3000, False),
    ):
        try:
            values[field] = _clean_text(value, field=field, limit=limit, required=required)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if outcome == DecisionOutcome.SCALE_DONGS:
        if not dongs:
            errors["dongs"] = [_("Name the neighbourhoods the pilot scales to.")]
        elif any(area.parent_id is None for area in dongs):
            errors["dongs"] = [_("Choose neighbourhoods (dong), not districts.")]
    elif dongs:
        errors["dongs"] = [_("Neighbourhoods are named only when scaling to named neighbourhoods.")]
    if budget_amount is not None and budget_amount < 0:
        errors["budget_amount"] = [_("The budget cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    return values


def record_decision(
    challenge: ChallengePage,
    *,
    by,
    outcome: str,
    reasons: str,
    budget_consequence: str,
    dongs=(),
    evidence_note: str = "",
    budget_amount: Decimal | None = None,
) -> ChallengeDecision:
    """Record the district's decision at the end of evaluation; it closes the challenge for good.

    The challenge moves to its decision stage, its proposals to their final status, the pilots' evidence is
    kept with the decision, and everyone who took part is told (``challenge.decided``).
    """
    dongs = list(dongs or ())
    values = _decision_values(
        outcome=outcome,
        reasons=reasons,
        budget_consequence=budget_consequence,
        evidence_note=evidence_note,
        dongs=dongs,
        budget_amount=budget_amount,
    )
    with transaction.atomic():
        locked = _locked(challenge)
        _require("challenges.decide", locked, by)
        decision = ChallengeDecision.objects.create(
            challenge=locked,
            outcome=outcome,
            reasons=values["reasons"],
            budget_consequence=values["budget_consequence"],
            evidence_note=values["evidence_note"],
            evidence=evidence_for(locked),
            budget_amount=budget_amount,
            decided_by=by,
        )
        decision.dongs.set(Area.objects.filter(pk__in=[area.pk for area in dongs]))
        _move(locked, to_stage=Stage.DECISION, by=by, note=values["reasons"][:1000])
        ChallengePage.objects.filter(pk=locked.pk).update(closed_at=timezone.now())
        audit_log(
            instance=locked,
            action="livinglab.challenge.decide",
            user=by,
            data={"outcome": outcome, "decision_id": decision.pk, "dongs": [area.pk for area in dongs]},
        )
        proposal_ids = _close_proposals(locked, decision, by=by)
        emit(
            "challenge.decided",
            challenge_id=locked.pk,
            actor_id=by.pk,
            decision_id=decision.pk,
            outcome=outcome,
            proposal_ids=proposal_ids,
        )
    challenge.current_stage = Stage.DECISION
    challenge.closed_at = timezone.now()
    return decision
