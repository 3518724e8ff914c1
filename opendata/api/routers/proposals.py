"""Proposals with their public fields, as JSON pages or GeoJSON, their status history and assessments."""

from datetime import datetime

from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router

from proposals.models import Area, Category

from ... import queries
from ..errors import ApiError
from ..geojson import feature_collection, geojson_openapi, located_features
from ..headers import set_last_modified
from ..pagination import Page, each, written_page
from ..params import AssessmentParams, ProposalParams, RowId, StatusChangeParams, parse_bbox, reject_unknown
from ..schemas import (
    AssessmentPage,
    Error,
    HistoryOut,
    ProposalFeatureCollection,
    ProposalOut,
    ProposalPage,
    StatusChangePage,
)

router = Router(tags=["proposals"])
RESPONSES = {400: Error, 429: Error}
DATED = {"created_at": datetime}
PROPOSAL_KINDS = {"created_at": datetime, "updated_at": datetime, "vote_count": int, "comment_count": int, "id": int}


def person(user, role: str | None = None) -> dict:
    return {"display_name": user.display_name, "role": role or user.role}


class ProposalWriter:
    """Turns ``queries.proposal_rows()`` into the API's proposal objects; URLs are built once per request."""

    def __init__(self, request, rows: list[dict]):
        self.detail_url = request.build_absolute_uri(reverse("proposals:detail", args=[0])).removesuffix("0/")
        self.media_url = request.build_absolute_uri(default_storage.url(""))
        self.photos = queries.photos_of([row["id"] for row in rows])

    def photo(self, photo: dict) -> dict:
        return {
            "url": self.media_url + photo["image"],
            "thumbnail_url": self.media_url + photo["thumbnail"],
            "alt_text": photo["alt_text"],
            "width": photo["width"],
            "height": photo["height"],
        }

    def __call__(self, row: dict) -> dict:
        location = None
        if row["latitude"] is not None and row["longitude"] is not None:
            location = {"latitude": float(row["latitude"]), "longitude": float(row["longitude"])}
        return {
            "id": row["id"],
            "url": f"{self.detail_url}{row['id']}/",
            "title": row["title"],
            "description": row["description"],
            "status": row["status"],
            "category": row["category__slug"],
            "area": row["area__slug"],
            "district": row["area__parent__slug"],
            "location": location,
            "author": {"display_name": row["author__display_name"], "role": row["author__role"]},
            "channel": row["channel"],
            "vote_count": row["vote_count"],
            "comment_count": row["comment_count"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "photos": [self.photo(photo) for photo in self.photos[row["id"]]],
        }


def status_change_out(change, public_pilot_ids=frozenset()) -> dict:
    return {
        "id": change.pk,
        "proposal": change.proposal_id,
        "from_status": change.from_status,
        "to_status": change.to_status,
        "official_response": change.official_response,
        "pilot": change.pilot_id if change.pilot_id in public_pilot_ids else None,
        "created_at": change.created_at,
    }


def assessment_out(assessment) -> dict:
    return {
        "id": assessment.pk,
        "proposal": assessment.proposal_id,
        "expert": person(assessment.expert),
        "feasibility": assessment.feasibility,
        "cost_range": assessment.cost_range,
        "recommendation": assessment.recommendation,
        "risks": assessment.risks,
        "text": assessment.text,
        "created_at": assessment.created_at,
        "updated_at": assessment.updated_at,
    }


def filter_by_slug(model, slug: str | None, what: str):
    if not slug:
        return None
    found = model.objects.filter(slug=slug).first()
    if found is None:
        raise ApiError(_("Unknown %(what)s: %(slug)s.") % {"what": what, "slug": slug})
    return found


def filter_place_and_status(queryset, params):
    """Area (a district includes its dongs), category and status, as the site filters proposals and pilots."""
    if area := filter_by_slug(Area, params.area, "area"):
        queryset = queries.in_area(queryset, area)
    if category := filter_by_slug(Category, params.category, "category"):
        queryset = queryset.filter(category=category)
    return filter_given(queryset, status=params.status)


def filter_given(queryset, **conditions):
    """``queryset`` filtered by the conditions whose value the request gave (None and "" are not given)."""
    given = {name: value for name, value in conditions.items() if value not in (None, "")}
    return queryset.filter(**given) if given else queryset


def filter_challenge(queryset, params: ProposalParams):
    """Proposals of one published challenge, or of the published challenges now in a stage.

    A draft challenge is as unknown as one that never existed, so the filter reveals nothing about it.
    """
    if params.challenge is not None:
        if not queries.challenge_pages().filter(pk=params.challenge).exists():
            raise ApiError(_("Unknown %(what)s: %(slug)s.") % {"what": "challenge", "slug": params.challenge})
        queryset = queryset.filter(challenge_id=params.challenge)
    if params.challenge_stage:
        queryset = queryset.filter(
            challenge__in=queries.challenge_pages().filter(current_stage=params.challenge_stage).values("pk")
        )
    return queryset


def filtered_proposals(params: ProposalParams):
    """The site's filters: area, category, status, challenge and its stage, dates and a map box."""
    proposals = filter_dates(filter_place_and_status(queries.proposal_rows(), params), params)
    proposals = filter_challenge(proposals, params)
    if params.bbox:
        box = parse_bbox(params.bbox)
        proposals = proposals.filter(
            latitude__gte=box.south, latitude__lte=box.north, longitude__gte=box.west, longitude__lte=box.east
        )
    return proposals


def filter_dates(queryset, params):
    if params.created_after:
        queryset = queryset.filter(created_at__date__gte=params.created_after)
    if params.created_before:
        queryset = queryset.filter(created_at__date__lte=params.created_before)
    return queryset


def proposal_page(request, response, params: ProposalParams, queryset) -> Page:
    reject_unknown(request, ProposalParams)
    return written_page(
        queryset,
        params,
        kinds=PROPOSAL_KINDS,
        writer=lambda rows: ProposalWriter(request, rows),
        response=response,
        modified=lambda row: row["updated_at"],
    )


@router.get("/proposals/", response={200: ProposalPage, **RESPONSES}, summary="Public proposals")
def list_proposals(request, response: HttpResponse, params: Query[ProposalParams]):
    return proposal_page(request, response, params, filtered_proposals(params)).as_response()


@router.get(
    "/proposals/geojson/",
    response={200: ProposalFeatureCollection, **RESPONSES},
    summary="Public proposals with a map point, as a GeoJSON FeatureCollection",
    openapi_extra=geojson_openapi("ProposalFeatureCollection"),
)
def list_proposals_geojson(request, response: HttpResponse, params: Query[ProposalParams]):
    page = proposal_page(request, response, params, filtered_proposals(params).filter(latitude__isnull=False))
    return feature_collection(response, located_features(page.items), next_cursor=page.next_cursor)


@router.get("/proposals/{int:proposal_id}/", response={200: ProposalOut, 404: Error, **RESPONSES})
def get_proposal(request, response: HttpResponse, proposal_id: RowId):
    row = get_object_or_404(queries.proposal_rows(), pk=proposal_id)
    set_last_modified(response, [row["updated_at"]])
    return ProposalWriter(request, [row])(row)


@router.get(
    "/proposals/{int:proposal_id}/history/",
    response={200: HistoryOut, 404: Error, **RESPONSES},
    summary="A proposal's status history with the district's official answer",
)
def get_history(request, response: HttpResponse, proposal_id: RowId):
    proposal = get_object_or_404(queries.proposals(), pk=proposal_id)
    changes = list(queries.status_changes().filter(proposal=proposal).order_by("created_at", "pk"))
    pilots = set(queries.pilot_pages().filter(pk__in=[c.pilot_id for c in changes]).values_list("pk", flat=True))
    answer = queries.official_answers().filter(proposal=proposal).order_by("-created_at", "-pk").first()
    set_last_modified(response, [proposal.updated_at, *(c.created_at for c in changes)])
    return {
        "proposal": proposal.pk,
        "status_changes": [status_change_out(c, pilots) for c in changes],
        "official_answer": answer
        and {"body": answer.body, "author": person(answer.author, answer.author_role), "created_at": answer.created_at},
    }


@router.get("/status-changes/", response={200: StatusChangePage, **RESPONSES}, summary="Status history")
def list_status_changes(request, response: HttpResponse, params: Query[StatusChangeParams]):
    reject_unknown(request, StatusChangeParams)
    changes = filter_given(
        filter_dates(queries.status_changes(), params), proposal_id=params.proposal, to_status=params.to_status
    )

    def writer(items):
        pilots = set(queries.pilot_pages().filter(pk__in=[c.pilot_id for c in items]).values_list("pk", flat=True))
        return lambda change: status_change_out(change, pilots)

    return written_page(
        changes, params, kinds=DATED, writer=writer, response=response, modified=lambda c: c.created_at
    ).as_response()


@router.get("/assessments/", response={200: AssessmentPage, **RESPONSES}, summary="Expert assessments")
def list_assessments(request, response: HttpResponse, params: Query[AssessmentParams]):
    reject_unknown(request, AssessmentParams)
    assessments = filter_given(
        filter_dates(queries.assessments(), params), proposal_id=params.proposal, recommendation=params.recommendation
    )
    return written_page(
        assessments,
        params,
        kinds=DATED,
        writer=each(assessment_out),
        response=response,
        modified=lambda a: a.updated_at,
    ).as_response()
