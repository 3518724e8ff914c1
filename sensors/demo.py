"""Demo sensor evidence: a Guro-gu fine-dust pilot (12 pilot + 12 control monitors, a year of hourly PM2.5
with two stuck sensors and a three-day gap) and the Seongsu shelters' occupancy counters.

Readings go through the real ingest path (checks, flags, rollups). Hourly rather than every 10 minutes keeps
``load_demo_data`` well under a minute on SQLite (210,000 readings instead of 1.26 million); the
``generate_sensor_readings`` command writes the full 10-minute scale for benchmarks.
"""

import datetime
from decimal import Decimal

import numpy as np
from django.db import transaction

from livinglab.demo import builder
from pilots.models import PilotIndexPage, PilotMetric, PilotPage, PilotPhase, PilotStatus
from proposals.models import Area, Category

from .generate import pm25_series
from .ingest import ingest
from .metrics import recompute_metrics
from .models import DataStream, MetricStream, PilotEvidence, SensorSite, SiteRole
from .units import ObservedProperty

GURO_SLUG = "fine-dust-screens-guro-schools"
SHELTER_SLUG = "smart-bus-shelter-seongsu"
DAYS = 365
PILOT_DAY = 180  # the screens went up half-way through the year of data
EFFECT = -4.0  # µg/m³ at the pilot sites once the screens are up
GURO_CENTRE = (37.4954, 126.8874)
SEONGSU_CENTRE = (37.5446, 127.0557)


def _year_start() -> datetime.datetime:
    today = datetime.datetime.now(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    return today - datetime.timedelta(days=DAYS)


def build_guro_pilot(index: PilotIndexPage, start: datetime.datetime) -> PilotPage:
    pilot = PilotPage.objects.child_of(index).filter(slug=GURO_SLUG).first()
    if pilot is not None:
        return pilot
    pilot_start = (start + datetime.timedelta(days=PILOT_DAY)).date()
    pilot = PilotPage(
        title="구로 학교 앞 미세먼지 저감 숲 · Fine-dust screens by Guro schools",
        slug=GURO_SLUG,
        summary="구로구 초등학교 12곳 통학로에 식물 차단벽을 세우고, 비슷한 학교 12곳을 대조군으로 미세먼지를 "
        "측정합니다. Planted screens along the walk to 12 Guro primary schools, measured against 12 similar "
        "schools without them.",
        area=Area.objects.filter(slug="guro-3-dong").first() or Area.objects.filter(parent__isnull=False).first(),
        category=Category.objects.filter(slug="environment").first(),
        status=PilotStatus.RUNNING,
    )
    pilot.phases = [
        PilotPhase(title="기준 측정 · Baseline measurement", start=start.date(), end=pilot_start, status="done"),
        PilotPhase(title="차단벽 설치 후 측정 · Measuring with the screens", start=pilot_start, status="in_progress"),
    ]
    pilot.metrics = [
        PilotMetric(
            name="학교 앞 초미세먼지 평균(최근 30일) · Mean PM2.5 by the schools, last 30 days",
            unit="µg/m³",
            baseline=Decimal("25"),
            target=Decimal("20"),
            higher_is_better=False,
        )
    ]
    index.add_child(instance=pilot)
    pilot.save_revision().publish()
    return pilot


def _site_positions(centre, count: int, seed: int):
    rng = np.random.default_rng(seed)
    return centre[0] + rng.uniform(-0.012, 0.012, count), centre[1] + rng.uniform(-0.018, 0.018, count)


def _hourly_stream(pilot: PilotPage, *, code: str, name: str, role: str, position, observed_property, stuck_after):
    """A demo site of ``pilot`` at ``position`` (latitude, longitude) with one hourly stream."""
    site = SensorSite.objects.create(
        pilot=pilot,
        code=code,
        name=name,
        role=role,
        area=pilot.area,
        latitude=round(float(position[0]), 5),
        longitude=round(float(position[1]), 5),
    )
    return DataStream.objects.create(
        site=site, observed_property=observed_property, interval_seconds=3600, stuck_after=stuck_after
    )


def _readings(epochs, values, unit: str) -> list[tuple]:
    """The ingest path's (time, value, unit) items from epoch seconds and their values."""
    times = [datetime.datetime.fromtimestamp(int(e), datetime.UTC) for e in epochs]
    return list(zip(times, values.tolist(), [unit] * len(times), strict=True))


def build_guro_sensors(pilot: PilotPage, start: datetime.datetime) -> int:
    hours = DAYS * 24
    lats, lngs = _site_positions(GURO_CENTRE, 24, 3)
    batches = []
    for number in range(24):
        role = SiteRole.PILOT if number < 12 else SiteRole.CONTROL
        label = "학교" if role == SiteRole.PILOT else "대조 학교"
        stream = _hourly_stream(
            pilot,
            code=f"guro-pm-{number + 1:02d}",
            name=f"구로 {label} {number % 12 + 1}",
            role=role,
            position=(lats[number], lngs[number]),
            observed_property=ObservedProperty.PM25,
            stuck_after=12,
        )
        epochs, values = pm25_series(
            start,
            hours,
            step_seconds=3600,
            seed=100 + number,
            effect_from=PILOT_DAY * 24 if role == SiteRole.PILOT else None,
            effect=EFFECT,
            # Two stuck sensors (a pilot and a control monitor, for two days each) and a three-day gap.
            stuck=(2000, 2048) if number in (2, 15) else None,
            gap=(5000, 5072) if number == 5 else None,
        )
        batches.append((stream, _readings(epochs, values, "µg/m³")))
    ingest(batches)
    PilotEvidence.objects.get_or_create(
        pilot=pilot,
        defaults={
            "pilot_start": (start + datetime.timedelta(days=PILOT_DAY)).date(),
            "baseline_days": 90,
            "compared_property": ObservedProperty.PM25,
        },
    )
    metric = pilot.metrics.first()
    if metric is not None:
        MetricStream.objects.get_or_create(
            metric=metric, defaults={"observed_property": ObservedProperty.PM25, "role": SiteRole.PILOT, "days": 30}
        )
    # The link exists only now that the readings are in: compute the metric's first value.
    recompute_metrics([pilot.pk])
    return sum(len(items) for _stream, items in batches)


def build_shelter_sensors(pilot: PilotPage, start: datetime.datetime) -> int:
    hours = DAYS * 24
    lats, lngs = _site_positions(SEONGSU_CENTRE, 4, 5)
    batches = []
    for number in range(4):
        stream = _hourly_stream(
            pilot,
            code=f"seongsu-shelter-{number + 1}",
            name=f"성수 스마트 쉼터 {number + 1}",
            role=SiteRole.PILOT,
            position=(lats[number], lngs[number]),
            observed_property=ObservedProperty.SHELTER_OCCUPANCY,
            stuck_after=48,
        )
        epochs = int(start.timestamp()) + np.arange(hours, dtype=np.int64) * 3600
        hour = ((epochs + 9 * 3600) // 3600) % 24
        rush = 6 * np.exp(-((hour - 8) ** 2) / 3) + 7 * np.exp(-((hour - 18) ** 2) / 4)
        rng = np.random.default_rng(200 + number)
        values = np.maximum(0, np.round(rush + rng.poisson(1.5, hours) * (hour > 5)))
        batches.append((stream, _readings(epochs, values, "명")))
    ingest(batches)
    return hours * 4


@builder(order=40)
def build(*, users: dict, stdout=None) -> None:
    index = PilotIndexPage.objects.first()
    if index is None:
        return
    start = _year_start()
    stored = 0
    with transaction.atomic():
        guro = build_guro_pilot(index, start)
        if not SensorSite.objects.filter(pilot=guro).exists():
            stored += build_guro_sensors(guro, start)
        shelter = PilotPage.objects.filter(slug=SHELTER_SLUG).first()
        if shelter is not None and not SensorSite.objects.filter(pilot=shelter).exists():
            stored += build_shelter_sensors(shelter, start)
    if stdout is not None:
        stdout.write(f"Sensors: {stored} readings stored (hourly, a year).")
