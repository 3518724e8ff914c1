"""Pilot metrics whose "actual" comes from the streams: recomputed from daily rollups after each pull."""

import datetime
from decimal import Decimal

from django.db.models import F, FloatField, Max, Sum
from django.utils import timezone

from pilots.models import PilotMetric

from .models import DailyRollup, MetricStream


def stream_mean(*, pilot_id: int, observed_property: str, role: str, days: int) -> float | None:
    """The mean of the clean readings at the pilot's ``role`` sites over the last ``days`` days of data."""
    rollups = DailyRollup.objects.filter(
        stream__site__pilot_id=pilot_id, stream__site__role=role, stream__observed_property=observed_property
    )
    latest = rollups.aggregate(latest=Max("start"))["latest"]
    if latest is None:
        return None
    window = rollups.filter(start__gt=latest - datetime.timedelta(days=days), clean_count__gt=0)
    totals = window.aggregate(
        count=Sum("clean_count"), weighted=Sum(F("mean") * F("clean_count"), output_field=FloatField())
    )
    return totals["weighted"] / totals["count"] if totals["count"] else None


def recompute_metrics(pilot_ids) -> None:
    links = MetricStream.objects.filter(metric__page_id__in=list(pilot_ids)).select_related("metric")
    now = timezone.now()
    for link in links:
        value = stream_mean(
            pilot_id=link.metric.page_id, observed_property=link.observed_property, role=link.role, days=link.days
        )
        actual = None if value is None else Decimal(str(round(value, 3)))
        PilotMetric.objects.filter(pk=link.metric_id).update(actual=actual)
        MetricStream.objects.filter(pk=link.pk).update(computed_at=now)
