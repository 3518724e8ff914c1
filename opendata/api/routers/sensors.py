"""A published pilot's sensor sites (pilot or control, on the map) and their daily rollups.

Raw readings are never served: the rollups are what the pilot page and its comparisons read too. Days are
Seoul days, stored as the UTC instant of their midnight.
"""

import datetime
from zoneinfo import ZoneInfo

from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router

from ... import queries
from ..errors import ApiError
from ..geojson import feature_collection, geojson_openapi, point_feature
from ..headers import set_last_modified
from ..pagination import each, written_page
from ..params import NoParams, RowId, SensorDailyParams, reject_unknown
from ..schemas import DailyRollupPage, Error, SensorSiteFeatureCollection, SensorSiteOut
from .proposals import filter_given

router = Router(tags=["sensors"])
RESPONSES = {400: Error, 429: Error}
SEOUL = ZoneInfo("Asia/Seoul")


def seoul_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=SEOUL)


def seoul_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(SEOUL).date()


def site_out(site, properties: list[str]) -> dict:
    return {
        "code": site.code,
        "name": site.name,
        "role": site.role,
        "area": site.area.slug if site.area_id else None,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "properties": properties,
    }


def rollup_out(rollup) -> dict:
    stream = rollup.stream
    return {
        "id": rollup.pk,
        "site": stream.site.code,
        "role": stream.site.role,
        "property": stream.observed_property,
        "unit": stream.unit,
        "day": seoul_day(rollup.start),
        "count": rollup.count,
        "clean_count": rollup.clean_count,
        "mean": rollup.mean,
        "mean_all": rollup.mean_all,
        "minimum": rollup.minimum,
        "maximum": rollup.maximum,
        "p10": rollup.p10,
        "p50": rollup.p50,
        "p90": rollup.p90,
    }


def _sites(pilot) -> list[dict]:
    sites = list(queries.sensor_sites().filter(pilot=pilot).prefetch_related("streams").order_by("role", "code"))
    return [site_out(s, sorted(stream.observed_property for stream in s.streams.all())) for s in sites]


def _latest_reading(pilot):
    return queries.sensor_sites().filter(pilot=pilot).aggregate(last=Max("streams__latest_time"))["last"]


@router.get(
    "/pilots/{int:pilot_id}/sensor-sites/",
    response={200: list[SensorSiteOut], 404: Error, **RESPONSES},
    summary="A pilot's sensor sites, pilot and control",
)
def list_sensor_sites(request, response: HttpResponse, pilot_id: RowId):
    reject_unknown(request, NoParams)
    pilot = get_object_or_404(queries.pilot_pages(), pk=pilot_id)
    set_last_modified(response, [pilot.last_published_at])
    return _sites(pilot)


@router.get(
    "/pilots/{int:pilot_id}/sensor-sites/geojson/",
    response={200: SensorSiteFeatureCollection, 404: Error, **RESPONSES},
    summary="A pilot's sensor sites as a GeoJSON FeatureCollection",
    openapi_extra=geojson_openapi("SensorSiteFeatureCollection"),
)
def list_sensor_sites_geojson(request, response: HttpResponse, pilot_id: RowId):
    reject_unknown(request, NoParams)
    pilot = get_object_or_404(queries.pilot_pages(), pk=pilot_id)
    set_last_modified(response, [pilot.last_published_at])
    features = []
    for properties in _sites(pilot):
        longitude, latitude = properties.pop("longitude"), properties.pop("latitude")
        features.append(
            point_feature(properties["code"], longitude=longitude, latitude=latitude, properties=properties)
        )
    return feature_collection(response, features)


def filtered_rollups(pilot, params: SensorDailyParams):
    rollups = queries.daily_rollups().filter(stream__site__pilot=pilot)
    if params.site:
        if not queries.sensor_sites().filter(pilot=pilot, code=params.site).exists():
            raise ApiError(_("Unknown sensor site: %(code)s.") % {"code": params.site})
        rollups = rollups.filter(stream__site__code=params.site)
    if params.day_after:
        rollups = rollups.filter(start__gte=seoul_midnight(params.day_after))
    if params.day_before:
        rollups = rollups.filter(start__lte=seoul_midnight(params.day_before))
    return filter_given(rollups, stream__observed_property=params.property, stream__site__role=params.role)


@router.get(
    "/pilots/{int:pilot_id}/sensors/daily/",
    response={200: DailyRollupPage, 404: Error, **RESPONSES},
    summary="Daily rollups of a pilot's sensor streams",
)
def list_daily_rollups(request, response: HttpResponse, pilot_id: RowId, params: Query[SensorDailyParams]):
    reject_unknown(request, SensorDailyParams)
    pilot = get_object_or_404(queries.pilot_pages(), pk=pilot_id)
    page = written_page(
        filtered_rollups(pilot, params), params, kinds={"start": datetime.datetime}, writer=each(rollup_out)
    )
    set_last_modified(response, [pilot.last_published_at, _latest_reading(pilot)])
    return page.as_response()
