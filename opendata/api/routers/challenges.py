"""Published challenges with their stages, partners, pilots, proposals and the recorded decision."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router

from challenges.stages import DecisionOutcome, stage_label
from proposals.models import Area, Category

from ... import queries
from ..headers import set_last_modified
from ..pagination import written_page
from ..params import ChallengeParams, RowId, reject_unknown
from ..schemas import ChallengeOut, ChallengePage, Error
from .proposals import filter_by_slug, filter_given

router = Router(tags=["challenges"])
RESPONSES = {400: Error, 429: Error}


def _number(value) -> float | None:
    return None if value is None else float(value)


def decision_out(decision, public_pilots: set[int]) -> dict | None:
    """The recorded decision; its evidence keeps only the pilots that are still public."""
    if decision is None:
        return None
    # Only the pilots part of the snapshot, and only pilots still public: a pilot unpublished since the
    # decision must not show its title here.
    evidence = {"pilots": [p for p in evidence_pilots(decision) if p["id"] in public_pilots]}
    return {
        "outcome": decision.outcome,
        "label": str(DecisionOutcome(decision.outcome).label) if decision.outcome in DecisionOutcome.values else "",
        "reasons": decision.reasons,
        "evidence_note": decision.evidence_note,
        "evidence": evidence,
        "budget_consequence": decision.budget_consequence,
        "budget_amount": _number(decision.budget_amount),
        "dongs": sorted(area.slug for area in decision.dongs.all()),
        "decided_at": decision.decided_at,
    }


def evidence_pilots(decision) -> list[dict]:
    return queries.evidence_pilots(decision.evidence) if decision is not None else []


def _decision_of(challenge):
    try:
        return challenge.decision
    except challenge.__class__.decision.RelatedObjectDoesNotExist:
        return None


def challenge_out(request, challenge, proposal_ids: list[int], public_pilots: set[int]) -> dict:
    return {
        "id": challenge.pk,
        "url": request.build_absolute_uri(challenge.url or "/"),
        "title": challenge.title,
        "theme": challenge.theme,
        "question": challenge.question,
        "current_stage": challenge.current_stage,
        "current_stage_label": stage_label(challenge.current_stage),
        "closed_at": challenge.closed_at,
        "areas": sorted(area.slug for area in challenge.areas.all()),
        "categories": sorted(category.slug for category in challenge.categories.all()),
        "budget": _number(challenge.budget),
        "budget_line": challenge.budget_line,
        "first_published_at": challenge.first_published_at,
        "last_published_at": challenge.last_published_at,
        "stages": [
            {
                "stage": s.stage,
                "label": stage_label(s.stage),
                "start": s.start,
                "end": s.end,
                "description": s.description,
            }
            for s in challenge.stages.all()
        ],
        "stage_changes": [
            {"from_stage": c.from_stage, "to_stage": c.to_stage, "note": c.note, "created_at": c.created_at}
            for c in challenge.timeline
        ],
        "partners": [{"name": p.name, "kind": p.kind, "role": p.role, "url": p.url} for p in challenge.partners.all()],
        "pilots": [link.pilot_id for link in challenge.public_pilot_links],
        "proposals": proposal_ids,
        "proposal_count": len(proposal_ids),
        "shortlisted": [s.proposal_id for s in challenge.public_shortlist],
        "decision": decision_out(_decision_of(challenge), public_pilots),
    }


def _modified(challenge):
    decision = _decision_of(challenge)
    moments = [challenge.last_published_at, challenge.closed_at, decision and decision.decided_at]
    moments += [c.created_at for c in challenge.timeline]
    return max((m for m in moments if m is not None), default=None)


def filtered_challenges(params: ChallengeParams):
    """Area, category and stage; the joins run in a subquery of ids, so no challenge appears twice."""
    matching = queries.challenge_pages()
    if area := filter_by_slug(Area, params.area, "area"):
        # A challenge on a district covers its neighbourhoods: asking for a dong finds the district's too.
        matching = matching.filter(areas__in=[area.pk] + ([area.parent_id] if area.parent_id else []))
    if category := filter_by_slug(Category, params.category, "category"):
        matching = matching.filter(categories=category)
    challenges = queries.challenges()
    if params.area or params.category:
        challenges = challenges.filter(pk__in=matching.values("pk"))
    return filter_given(challenges, current_stage=params.stage)


def _writer(request):
    def writer(items):
        links = queries.challenge_proposal_ids([c.pk for c in items])
        pilots = queries.public_pilot_ids(p["id"] for c in items for p in evidence_pilots(_decision_of(c)))
        return lambda challenge: challenge_out(request, challenge, links[challenge.pk], pilots)

    return writer


@router.get("/challenges/", response={200: ChallengePage, **RESPONSES}, summary="Published challenges")
def list_challenges(request, response: HttpResponse, params: Query[ChallengeParams]):
    reject_unknown(request, ChallengeParams)
    return written_page(
        filtered_challenges(params),
        params,
        kinds={"id": int},
        writer=_writer(request),
        response=response,
        modified=_modified,
    ).as_response()


@router.get(
    "/challenges/{int:challenge_id}/",
    response={200: ChallengeOut, 404: Error, **RESPONSES},
    summary="One challenge with its stages and decision",
)
def get_challenge(request, response: HttpResponse, challenge_id: RowId):
    challenge = get_object_or_404(queries.challenges(), pk=challenge_id)
    set_last_modified(response, [_modified(challenge)])
    return _writer(request)([challenge])(challenge)
