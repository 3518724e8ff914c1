"""Recorded decisions (scale, adapt or stop) of published challenges, each with its evidence, as a list of its own."""

from datetime import datetime

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router

from challenges.models import ChallengeDecision
from challenges.stages import SCALE_OUTCOMES
from proposals.models import Area

from ... import queries
from ..errors import ApiError
from ..headers import set_last_modified
from ..pagination import written_page
from ..params import DecisionParams, RowId, reject_unknown
from ..schemas import ChallengeDecisionOut, DecisionPage, Error
from .challenges import decision_out, evidence_pilots
from .proposals import filter_by_slug

router = Router(tags=["decisions"])
RESPONSES = {400: Error, 429: Error}
DECISION_KINDS = {"decided_at": datetime, "id": int}


def _writer(request):
    def writer(items):
        # The public pilots named by the whole page's evidence, in one query.
        pilots = queries.public_pilot_ids(p["id"] for d in items for p in evidence_pilots(d))

        def write(decision) -> dict:
            challenge = decision.challenge
            return {
                "id": decision.pk,
                "challenge": challenge.pk,
                "challenge_title": challenge.title,
                "url": request.build_absolute_uri(challenge.get_url(request) or "/"),
                "areas": sorted(area.slug for area in challenge.areas.all()),
                **decision_out(decision, pilots),
            }

        return write

    return writer


def _modified(decision):
    # The challenge's title and areas are part of the body: a republished challenge is a change too.
    moments = (decision.decided_at, decision.challenge.last_published_at)
    return max(m for m in moments if m is not None)


def _in_area(decisions, area: Area):
    """Decisions of challenges on ``area`` (or on its district), or scaling to it (or to its neighbourhoods)."""
    about = [area.pk] + ([area.parent_id] if area.parent_id else [])
    within = Area.objects.filter(Q(pk=area.pk) | Q(parent=area)).values("pk")
    # The joins run in a subquery of ids, so a decision matching twice is still listed once.
    matching = ChallengeDecision.objects.filter(Q(challenge__areas__in=about) | Q(dongs__in=within)).values("pk")
    return decisions.filter(pk__in=matching)


def filtered_decisions(params: DecisionParams):
    decisions = queries.decisions()
    if params.challenge is not None:
        # A draft challenge is as unknown as one that never existed.
        if not queries.challenge_pages().filter(pk=params.challenge).exists():
            raise ApiError(_("Unknown %(what)s: %(slug)s.") % {"what": "challenge", "slug": params.challenge})
        decisions = decisions.filter(challenge_id=params.challenge)
    if params.outcome == "scale":
        decisions = decisions.filter(outcome__in=SCALE_OUTCOMES)
    elif params.outcome:
        decisions = decisions.filter(outcome=params.outcome)
    if area := filter_by_slug(Area, params.area, "area"):
        decisions = _in_area(decisions, area)
    if params.decided_after:
        decisions = decisions.filter(decided_at__date__gte=params.decided_after)
    if params.decided_before:
        decisions = decisions.filter(decided_at__date__lte=params.decided_before)
    return decisions


@router.get("/decisions/", response={200: DecisionPage, **RESPONSES}, summary="Decisions of published challenges")
def list_decisions(request, response: HttpResponse, params: Query[DecisionParams]):
    reject_unknown(request, DecisionParams)
    return written_page(
        filtered_decisions(params),
        params,
        kinds=DECISION_KINDS,
        writer=_writer(request),
        response=response,
        modified=_modified,
    ).as_response()


@router.get(
    "/decisions/{int:decision_id}/",
    response={200: ChallengeDecisionOut, 404: Error, **RESPONSES},
    summary="One decision with its evidence",
)
def get_decision(request, response: HttpResponse, decision_id: RowId):
    decision = get_object_or_404(queries.decisions(), pk=decision_id)
    set_last_modified(response, [_modified(decision)])
    return _writer(request)([decision])(decision)
