"""Pilot metrics whose "actual" comes from the streams: recomputed from daily rollups after each pull.

The window is the last N days up to now, not up to the latest reading: a source that stopped sending leaves
its metric without a current value instead of showing an old one as current. The latest reading's time is
kept with the link (``as_of``), so the page can say how old the data are.
"""

import datetime
from decimal import Decimal

import numpy as np
from django.db.models import F, FloatField, Max, Sum
from django.utils import timezone

from pilots.models import PilotMetric

from .models import DailyRollup, DataStream, MetricStream
from .rollups import day_floor

# A computed metric whose latest reading is older than this is shown as not current.
STALE_AFTER = datetime.timedelta(days=1)


def _seoul_day_start(moment: datetime.datetime) -> datetime.datetime:
    epoch = int(day_floor(np.int64(int(moment.timestamp()))))
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC)


def stream_mean(
    *, pilot_id: int, observed_property: str, role: str, days: int, now: datetime.datetime | None = None
) -> float | None:
    """The mean of the clean readings at the pilot's ``role`` sites over the ``days`` (Seoul) days up to ``now``;
    None when there are none in that window."""
    now = now or timezone.now()
    first_day = _seoul_day_start(now) - datetime.timedelta(days=days)
    window = DailyRollup.objects.filter(
        stream__site__pilot_id=pilot_id,
        stream__site__role=role,
        stream__observed_property=observed_property,
        start__gt=first_day,
        start__lte=now,
        clean_count__gt=0,
    )
    totals = window.aggregate(
        count=Sum("clean_count"), weighted=Sum(F("mean") * F("clean_count"), output_field=FloatField())
    )
    return totals["weighted"] / totals["count"] if totals["count"] else None


def latest_reading(*, pilot_id: int, observed_property: str, role: str) -> datetime.datetime | None:
    streams = DataStream.objects.filter(site__pilot_id=pilot_id, site__role=role, observed_property=observed_property)
    return streams.aggregate(latest=Max("latest_time"))["latest"]


def recompute_metrics(pilot_ids, *, now: datetime.datetime | None = None) -> None:
    links = MetricStream.objects.filter(metric__page_id__in=list(pilot_ids)).select_related("metric")
    now = now or timezone.now()
    for link in links:
        where = {"pilot_id": link.metric.page_id, "observed_property": link.observed_property, "role": link.role}
        value = stream_mean(**where, days=link.days, now=now)
        actual = None if value is None else Decimal(str(round(value, 3)))
        PilotMetric.objects.filter(pk=link.metric_id).update(actual=actual)
        MetricStream.objects.filter(pk=link.pk).update(computed_at=now, as_of=latest_reading(**where))
