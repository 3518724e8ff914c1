"""What the pilot page shows of its sensors, read from rollups and stream state only (never raw readings).

The comparisons and chart series are cached per pilot, data version and evidence settings: every ingest that
touches the pilot bumps the version (``ingest.announce_readings``), so new data show at once. The pilot page
caches the whole rendered section on top (``livinglab.fragments``; ``sensors.live`` renews it after new readings),
so a quiet pilot's page runs none of this.
"""

import datetime
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import ngettext

from .bands import band_for
from .comparisons import compare, difference_in_differences
from .metrics import STALE_AFTER
from .models import DailyRollup, DataStream, Gap, MetricStream, PilotEvidence, SiteRole

CACHE_SECONDS = 24 * 3600


def seoul_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def pilot_streams(pilot_id: int) -> list[DataStream]:
    return list(
        DataStream.objects.filter(site__pilot_id=pilot_id)
        .select_related("site")
        .order_by("site__role", "site__code", "observed_property")
    )


def site_points(streams: list[DataStream], observed_property: str | None = None) -> list[dict]:
    """One entry per site for the map and its table: the latest reading of its main stream and the band."""
    sites: dict[int, dict] = {}
    for stream in streams:
        if observed_property and stream.observed_property != observed_property and stream.site_id in sites:
            continue
        site = stream.site
        band = band_for(stream.observed_property, stream.latest_value)
        entry = {
            "code": site.code,
            "name": site.name,
            "role": site.role,
            "role_label": str(site.get_role_display()),
            "lat": site.latitude,
            "lng": site.longitude,
            "property": str(stream.get_observed_property_display()),
            "value": None if stream.latest_value is None else round(stream.latest_value, 1),
            "unit": stream.unit,
            "time": timezone.localtime(stream.latest_time).strftime("%Y-%m-%d %H:%M") if stream.latest_time else "",
            "band": band.key if band else "",
            "band_label": str(band.label) if band else "",
            "flagged": bool(stream.latest_flags),
        }
        if site.pk not in sites or stream.observed_property == observed_property:
            sites[site.pk] = entry
    return list(sites.values())


def _comparison_data(config: PilotEvidence, streams: list[DataStream], include_flagged: bool) -> dict:
    compared = [s for s in streams if s.observed_property == config.compared_property]
    role_of = {s.pk: s.site.role for s in compared}
    mean_field, count_field = ("mean_all", "count") if include_flagged else ("mean", "clean_count")
    first_day = config.pilot_start - datetime.timedelta(days=config.baseline_days)
    rows = DailyRollup.objects.filter(
        stream_id__in=list(role_of),
        start__gte=datetime.datetime.combine(first_day, datetime.time(), zoneinfo.ZoneInfo(settings.TIME_ZONE)),
    ).values_list("stream_id", "start", mean_field, count_field)
    sums = {role: defaultdict(float) for role in SiteRole.values}
    sites = {role: defaultdict(int) for role in SiteRole.values}
    readings = dict.fromkeys(SiteRole.values, 0)
    for stream_id, start, mean, count in rows:
        if mean is None or not count:
            continue
        role, day = role_of[stream_id], seoul_day(start)
        sums[role][day] += mean
        sites[role][day] += 1
        readings[role] += count
    daily = {role: {day: sums[role][day] / sites[role][day] for day in sums[role]} for role in SiteRole.values}
    pilot, control = daily[SiteRole.PILOT], daily[SiteRole.CONTROL]
    start = config.pilot_start
    before_after = compare(
        [v for d, v in sorted(pilot.items()) if d < start],
        [v for d, v in sorted(pilot.items()) if d >= start],
        readings=readings[SiteRole.PILOT],
        lower_is_better=config.lower_is_better,
    )
    did = difference_in_differences(
        pilot,
        control,
        start,
        readings=readings[SiteRole.PILOT] + readings[SiteRole.CONTROL],
        lower_is_better=config.lower_is_better,
    )
    return {
        "before_after": before_after,
        "did": did,
        "weeks": _weekly(pilot, control, start),
        "has_control": bool(control),
    }


def _weekly(pilot: dict, control: dict, start: datetime.date) -> list[dict]:
    """Weekly means (weeks start on Monday) of the two daily series: what the chart and its table show."""
    weeks: dict[datetime.date, dict] = {}
    for role, series in (("pilot", pilot), ("control", control)):
        for day, value in series.items():
            monday = day - datetime.timedelta(days=day.weekday())
            entry = weeks.setdefault(monday, {"pilot": [], "control": []})
            entry[role].append(value)
    out = []
    for monday in sorted(weeks):
        entry = weeks[monday]
        values = {
            role: round(sum(entry[role]) / len(entry[role]), 1) if entry[role] else None
            for role in ("pilot", "control")
        }
        out.append(
            {
                "week": monday.isoformat(),
                **values,
                "after_start": monday + datetime.timedelta(days=6) >= start,
                "is_start": monday <= start < monday + datetime.timedelta(days=7),
            }
        )
    return out


def quality_rows(pilot_id: int, streams: list[DataStream]) -> list[dict]:
    """Each stream's quality: completeness, counts and the kinds of flag its readings carry, gaps included."""
    gaps = dict(
        Gap.objects.filter(stream__site__pilot_id=pilot_id)
        .values("stream_id")
        .annotate(count=Count("pk"))
        .values_list("stream_id", "count")
    )
    rows = []
    for stream in streams:
        kinds = stream.flag_labels
        if gaps.get(stream.pk):
            kinds.append(ngettext("%(count)s gap", "%(count)s gaps", gaps[stream.pk]) % {"count": gaps[stream.pk]})
        rows.append({"stream": stream, "kinds": kinds})
    return rows


def computed_metrics(pilot_id: int) -> list[dict]:
    """The pilot's metrics computed from streams, with how old their readings are."""
    now = timezone.now()
    return [
        {
            "link": link,
            "metric": link.metric,
            "stale": link.as_of is None or now - link.as_of > STALE_AFTER,
        }
        for link in MetricStream.objects.filter(metric__page_id=pilot_id).select_related("metric")
    ]


def evidence(pilot_id: int, *, include_flagged: bool = False) -> dict | None:
    """Everything the evidence section renders, or None when the pilot has no sensor streams."""
    streams = pilot_streams(pilot_id)
    if not streams:
        return None
    config = PilotEvidence.objects.filter(pilot_id=pilot_id).first()
    data = {
        "streams": streams,
        "config": config,
        "include_flagged": include_flagged,
        "gaps": list(
            Gap.objects.filter(stream__site__pilot_id=pilot_id).select_related("stream__site").order_by("-start")[:10]
        ),
        "points": site_points(streams, config.compared_property if config else None),
        "quality": quality_rows(pilot_id, streams),
        "metrics": computed_metrics(pilot_id),
    }
    if config is not None:
        # The settings are in the key too: a pilot start moved in the admin makes new comparisons at once.
        settings_part = (
            f"{config.pilot_start}:{config.baseline_days}:{config.compared_property}:{int(config.lower_is_better)}"
        )
        readings = sum(s.reading_count + s.flagged_count for s in streams)
        key = f"sensors:evidence:{pilot_id}:{config.data_version}:{readings}:{settings_part}:{int(include_flagged)}"
        comparison = cache.get(key)
        if comparison is None:
            comparison = _comparison_data(config, streams, include_flagged)
            cache.set(key, comparison, CACHE_SECONDS)
        data.update(comparison)
        data["unit"] = next((s.unit for s in streams if s.observed_property == config.compared_property), "")
    return data
