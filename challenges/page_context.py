"""What the challenge page shows, in the order it tells the story: problems, sessions, pilot, results, decision.

Built from the page's own relations (no import of the models, which import this), with a fixed number of
queries however many proposals and pilots a challenge has.
"""

from django.conf import settings
from django.db.models import Avg, Count, Prefetch
from django.urls import reverse

from codesign.models import SurveyAnswer, SurveyPage
from pilots.models import PilotMetric
from proposals.rules import can

from .forms import DecisionForm, ShortlistForm, StageChangeForm
from .rules import challenge_policy
from .stages import stage_label

MAP_POINT_LIMIT = 500


def challenge_proposals(page):
    """The public proposals submitted into the challenge, most supported first, each with its shortlisting."""
    return (
        page.proposals.public()
        .select_related("category", "area", "area__parent", "shortlisting", "author")
        .order_by("-vote_count", "-created_at", "-pk")
    )


def map_points(proposals) -> list[dict]:
    return [
        {
            "id": proposal.pk,
            "title": proposal.title,
            "lat": float(proposal.latitude),
            "lng": float(proposal.longitude),
            "url": proposal.get_absolute_url(),
        }
        for proposal in proposals
        if proposal.has_point
    ][:MAP_POINT_LIMIT]


def challenge_pilots(page) -> list:
    return list(
        page.pilots.live()
        .public()
        .select_related("area", "area__parent")
        .annotate(rating_average=Avg("feedback__rating"), rating_count=Count("feedback"))
        .prefetch_related(Prefetch("metrics", queryset=PilotMetric.objects.order_by("sort_order")))
        .order_by("path")
    )


def attach_pilot_surveys(pilots) -> None:
    """Give each pilot its live surveys (``survey_list``), each with its answer count (``answer_count``), in two
    queries for all pilots: the results section names them and leads to the before/after comparison on the
    pilot's page."""
    surveys = list(SurveyPage.objects.live().public().filter(subject_page_id__in=[p.pk for p in pilots]).order_by("pk"))
    counts = {}
    if surveys:
        counts = dict(
            SurveyAnswer.objects.filter(page_id__in=[s.pk for s in surveys])
            .values("page_id")
            .annotate(answers=Count("id"))
            .values_list("page_id", "answers")
        )
    for pilot in pilots:
        pilot.survey_list = []
    by_pk = {pilot.pk: pilot for pilot in pilots}
    for survey in surveys:
        survey.answer_count = counts.get(survey.pk, 0)
        by_pk[survey.subject_page_id].survey_list.append(survey)


def challenge_page_context(request, page, *, stage_form=None, stage_error: str = "") -> dict:
    user = request.user
    if not page.pk:  # a preview of a page never saved: nothing is linked to it yet
        return {"proposals": [], "map_points": [], "steps": page.stage_steps(), "pilots": [], "decision": None}
    proposals = list(challenge_proposals(page))
    pilots = challenge_pilots(page)
    attach_pilot_surveys(pilots)
    stage_policy = challenge_policy("challenges.change_stage", page, user=user)
    can_shortlist = can(user, "challenges.shortlist", page)
    decision = getattr(page, "decision", None) if page.is_closed else None
    context = {
        "steps": page.stage_steps(),
        "current_stage_label": stage_label(page.current_stage),
        "call_period": page.call_period,
        "proposals": proposals,
        "shortlisted": [p for p in proposals if getattr(p, "shortlisting", None) is not None],
        "map_points": map_points(proposals),
        "map_tile_url": settings.MAP_TILE_URL,
        "pilots": pilots,
        "stage_changes": list(page.stage_changes.select_related("changed_by").order_by("created_at", "pk")),
        "decision": decision,
        "decision_dongs": list(decision.dongs.select_related("parent")) if decision else [],
        "call_is_open": page.call_is_open(),
        "submit_url": f"{reverse('proposals:create')}?challenge={page.pk}",
        "can_follow": can(user, "challenges.follow", page),
        "is_following": _is_following(page, user),
        "stage_form": stage_form
        or (StageChangeForm(initial={"to_stage": page.next_stage}) if stage_policy.allowed else None),
        "stage_error": stage_error,
        "next_stage_label": stage_label(page.next_stage) if page.next_stage else "",
        "next_stage_planned_start": page.next_stage_planned_start(),
        "shortlist_form": ShortlistForm() if can_shortlist else None,
        "can_decide": can(user, "challenges.decide", page),
        "can_print_paper_form": can(user, "challenges.print_paper_form", page),
    }
    return context


def _is_following(page, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return page.follows.filter(user=user).exists()


def decision_form(page, data=None) -> DecisionForm:
    return DecisionForm(data, challenge=page)
