"""Published co-design sessions: when, online or in person, where, seats, attendance after the fact, minutes.

The online meeting link is never read: only people with a seat see it, on the site.
"""

from datetime import datetime

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from ... import queries
from ..errors import ApiError
from ..geojson import feature_collection, geojson_openapi, located_features
from ..headers import set_last_modified
from ..pagination import written_page
from ..params import RowId, SessionParams, parse_bbox, reject_unknown
from ..schemas import Error, SessionFeatureCollection, SessionOut, SessionPage
from .proposals import filter_given

router = Router(tags=["sessions"])
RESPONSES = {400: Error, 429: Error}
SESSION_KINDS = {"starts_at": datetime, "id": int}


class SessionWriter:
    """Writes a page of sessions, knowing in three queries which pages are challenges or pilots and what the
    sessions produced."""

    def __init__(self, request, sessions: list):
        self.detail_url = request.build_absolute_uri(reverse("codesign:session", args=[0])).removesuffix("0/")
        page_ids = {s.page_id for s in sessions}
        self.challenges = set(queries.challenge_pages().filter(pk__in=page_ids).values_list("pk", flat=True))
        self.pilots = set(queries.pilot_pages().filter(pk__in=page_ids).values_list("pk", flat=True))
        self.proposals = queries.session_proposal_ids([s.pk for s in sessions])
        self.now = timezone.now()

    def attendance(self, session) -> dict | None:
        if session.ends_at > self.now:
            return None
        return {
            "checked_in": session.checked_in,
            "walk_ins": session.walk_in_total,
            "total": session.checked_in + session.walk_in_total,
        }

    def minutes(self, session) -> dict | None:
        published = session.minutes_published_at
        if published is None or published > self.now:
            return None
        return {
            "published_at": published,
            "minutes": session.minutes,
            "outcomes": session.outcomes,
            "proposals": self.proposals[session.pk],
        }

    def __call__(self, session) -> dict:
        location = None
        if session.latitude is not None and session.longitude is not None:
            location = {"latitude": float(session.latitude), "longitude": float(session.longitude)}
        return {
            "id": session.pk,
            "url": f"{self.detail_url}{session.pk}/",
            "page": session.page_id,
            "challenge": session.page_id if session.page_id in self.challenges else None,
            "pilot": session.page_id if session.page_id in self.pilots else None,
            "title": session.title,
            "description": session.description,
            "format": session.format,
            "place": session.place,
            "address": session.address,
            "location": location,
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "capacity": session.capacity,
            "seats_left": session.seats_left,
            "attendance": self.attendance(session),
            "minutes": self.minutes(session),
        }


def _public_page(pages, page_id: int | None, what: str) -> int | None:
    """The id of a public page of this kind; a draft one is as unknown as one that never existed."""
    if page_id is None:
        return None
    if not pages.filter(pk=page_id).exists():
        raise ApiError(_("Unknown %(what)s: %(id)s.") % {"what": what, "id": page_id})
    return page_id


def filtered_sessions(params: SessionParams):
    sessions = queries.sessions()
    for pages, page_id, what in (
        (queries.challenge_pages(), params.challenge, "challenge"),
        (queries.pilot_pages(), params.pilot, "pilot"),
    ):
        if (page := _public_page(pages, page_id, what)) is not None:
            sessions = sessions.filter(page_id=page)
    if params.starts_after:
        sessions = sessions.filter(starts_at__date__gte=params.starts_after)
    if params.starts_before:
        sessions = sessions.filter(starts_at__date__lte=params.starts_before)
    if params.bbox:
        box = parse_bbox(params.bbox)
        sessions = sessions.filter(
            latitude__gte=box.south, latitude__lte=box.north, longitude__gte=box.west, longitude__lte=box.east
        )
    return filter_given(sessions, format=params.format)


def _modified(session):
    """The latest of: created, minutes published, ended (attendance shows from then), seats or counts changed."""
    moments = (session.created_at, session.minutes_published_at, session.ends_at, session.counts_changed_at)
    return max(m for m in moments if m is not None)


def session_page(request, response, params: SessionParams, queryset):
    reject_unknown(request, SessionParams)
    return written_page(
        queryset,
        params,
        kinds=SESSION_KINDS,
        writer=lambda items: SessionWriter(request, items),
        response=response,
        modified=lambda s: min(_modified(s), timezone.now()),
    )


@router.get("/sessions/", response={200: SessionPage, **RESPONSES}, summary="Published co-design sessions")
def list_sessions(request, response: HttpResponse, params: Query[SessionParams]):
    return session_page(request, response, params, filtered_sessions(params)).as_response()


@router.get(
    "/sessions/geojson/",
    response={200: SessionFeatureCollection, **RESPONSES},
    summary="Sessions held at a map point, as a GeoJSON FeatureCollection",
    openapi_extra=geojson_openapi("SessionFeatureCollection"),
)
def list_sessions_geojson(request, response: HttpResponse, params: Query[SessionParams]):
    located = filtered_sessions(params).filter(latitude__isnull=False, longitude__isnull=False)
    page = session_page(request, response, params, located)
    return feature_collection(response, located_features(page.items), next_cursor=page.next_cursor)


@router.get("/sessions/{int:session_id}/", response={200: SessionOut, 404: Error, **RESPONSES}, summary="One session")
def get_session(request, response: HttpResponse, session_id: RowId):
    session = get_object_or_404(queries.sessions(), pk=session_id)
    set_last_modified(response, [min(_modified(session), timezone.now())])
    return SessionWriter(request, [session])(session)
