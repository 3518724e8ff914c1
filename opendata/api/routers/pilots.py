"""Live, public pilots with their partners, phases, the proposals they answer, metrics and time series."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router

from ... import queries
from ..headers import set_last_modified
from ..pagination import written_page
from ..params import PilotParams, RowId, reject_unknown
from ..schemas import Error, MetricOut, PilotOut, PilotPage, SeriesOut
from .proposals import filter_place_and_status

router = Router(tags=["pilots"])
RESPONSES = {400: Error, 429: Error}


def _number(value) -> float | None:
    return None if value is None else float(value)


def metric_out(metric) -> dict:
    return {
        "id": metric.pk,
        "pilot": metric.page_id,
        "name": metric.name,
        "unit": metric.unit,
        "baseline": float(metric.baseline),
        "target": float(metric.target),
        "actual": _number(metric.actual),
        "higher_is_better": metric.higher_is_better,
        "target_met": metric.target_met,
        "note": metric.note,
    }


def pilot_out(request, pilot, proposal_ids: list[int]) -> dict:
    return {
        "id": pilot.pk,
        "url": request.build_absolute_uri(pilot.url or "/"),
        "title": pilot.title,
        "summary": pilot.summary,
        "status": pilot.status,
        "area": pilot.area.slug if pilot.area_id else None,
        "category": pilot.category.slug if pilot.category_id else None,
        "budget": _number(pilot.budget),
        "first_published_at": pilot.first_published_at,
        "last_published_at": pilot.last_published_at,
        "partners": [{"name": p.name, "role": p.role, "url": p.url} for p in pilot.partners.all()],
        "phases": [
            {"title": p.title, "start": p.start, "end": p.end, "status": p.status, "description": p.description}
            for p in pilot.phases.all()
        ],
        "proposals": proposal_ids,
        "metrics": [metric_out(m) for m in pilot.metrics.all()],
    }


@router.get("/pilots/", response={200: PilotPage, **RESPONSES}, summary="Published pilots")
def list_pilots(request, response: HttpResponse, params: Query[PilotParams]):
    reject_unknown(request, PilotParams)
    pilots = filter_place_and_status(queries.pilots(), params)

    def writer(items):
        links = queries.pilot_proposal_ids([p.pk for p in items])
        return lambda pilot: pilot_out(request, pilot, links[pilot.pk])

    return written_page(
        pilots, params, kinds={"id": int}, writer=writer, response=response, modified=lambda p: p.last_published_at
    ).as_response()


@router.get("/pilots/{int:pilot_id}/", response={200: PilotOut, 404: Error, **RESPONSES}, summary="One pilot")
def get_pilot(request, response: HttpResponse, pilot_id: RowId):
    pilot = get_object_or_404(queries.pilots(), pk=pilot_id)
    set_last_modified(response, [pilot.last_published_at])
    return pilot_out(request, pilot, queries.pilot_proposal_ids([pilot.pk])[pilot.pk])


@router.get(
    "/pilots/{int:pilot_id}/metrics/", response={200: list[MetricOut], 404: Error, **RESPONSES}, summary="Metrics"
)
def list_metrics(request, response: HttpResponse, pilot_id: RowId):
    pilot = get_object_or_404(queries.pilot_pages(), pk=pilot_id)
    set_last_modified(response, [pilot.last_published_at])
    return [metric_out(m) for m in queries.metrics().filter(page=pilot)]


@router.get(
    "/pilots/{int:pilot_id}/series/",
    response={200: list[SeriesOut], 404: Error, **RESPONSES},
    summary="Time series with their dated values",
)
def list_series(request, response: HttpResponse, pilot_id: RowId):
    pilot = get_object_or_404(queries.pilot_pages(), pk=pilot_id)
    set_last_modified(response, [pilot.last_published_at])
    series = list(queries.series().filter(page=pilot).prefetch_related("points"))
    return [
        {
            "id": s.pk,
            "pilot": s.page_id,
            "name": s.name,
            "unit": s.unit,
            "description": s.description,
            "points": [{"date": p.date, "value": float(p.value)} for p in s.points.all()],
        }
        for s in series
    ]
