"""Demo sensor evidence: a Guro-gu fine-dust pilot (12 pilot + 12 control monitors, a year of 10-minute
PM2.5 readings with two stuck sensors and a three-day gap) and the Seongsu shelters' occupancy counters.

Readings go through the real ingest path (checks, flags, rollups), a few streams per batch so memory stays
small, and are announced once at the end. That is 1.47 million readings; the batch path (one multi-row
statement per batch, COPY on PostgreSQL, rollups computed with numpy) keeps ``load_demo_data`` under a
minute on SQLite. The ``generate_sensor_readings`` command writes the full district scale for benchmarks.
"""

import datetime
from decimal import Decimal

import numpy as np
from django.db import transaction

from livinglab.demo import builder
from pilots.models import PilotIndexPage, PilotMetric, PilotPage, PilotPhase, PilotStatus
from proposals.models import Area, Category

from .generate import pm25_series
from .ingest import announce_readings, ingest
from .models import DataStream, MetricStream, PilotEvidence, SensorSite, SiteRole
from .units import ObservedProperty

GURO_SLUG = "fine-dust-screens-guro-schools"
SHELTER_SLUG = "smart-bus-shelter-seongsu"
DAYS = 365
STEP = 600  # one reading every 10 minutes
PER_DAY = 86400 // STEP
PILOT_DAY = 180  # the screens went up half-way through the year of data
EFFECT = -4.0  # µg/m³ at the pilot sites once the screens are up
MONITORS = 24  # 12 pilot and 12 control monitors
STUCK_MONITORS = (2, 15)  # a pilot and a control monitor stuck for two days
STUCK = (83 * PER_DAY, 85 * PER_DAY)
GAP_MONITOR = 5  # a pilot monitor silent for three days
GAP = (208 * PER_DAY, 211 * PER_DAY)
SHELTERS = 4
STREAMS_PER_BATCH = 4
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


def _stream(pilot: PilotPage, *, code: str, name: str, role: str, position, observed_property, stuck_after):
    """A demo site of ``pilot`` at ``position`` (latitude, longitude) with one 10-minute stream."""
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
        site=site, observed_property=observed_property, interval_seconds=STEP, stuck_after=stuck_after
    )


def _readings(epochs, values, unit: str) -> list[tuple]:
    """The ingest path's (time, value, unit) items from epoch seconds and their values."""
    times = [datetime.datetime.fromtimestamp(int(e), datetime.UTC) for e in epochs]
    return list(zip(times, values.tolist(), [unit] * len(times), strict=True))


def _ingest_in_batches(streams_and_series) -> tuple[int, dict]:
    """Store (stream, epochs, values, unit) a few streams at a time; announce nothing (the caller does)."""
    stored, touched = 0, {}
    pending = []
    for number, (stream, epochs, values, unit) in enumerate(streams_and_series, start=1):
        pending.append((stream, _readings(epochs, values, unit)))
        if len(pending) == STREAMS_PER_BATCH or number == len(streams_and_series):
            result = ingest(pending, announce=False)
            stored += result.stored
            touched.update(result.touched)
            pending = []
    return stored, touched


def build_guro_sensors(pilot: PilotPage, start: datetime.datetime) -> int:
    count = DAYS * PER_DAY
    lats, lngs = _site_positions(GURO_CENTRE, MONITORS, 3)
    series = []
    for number in range(MONITORS):
        role = SiteRole.PILOT if number < MONITORS // 2 else SiteRole.CONTROL
        label = "학교" if role == SiteRole.PILOT else "대조 학교"
        stream = _stream(
            pilot,
            code=f"guro-pm-{number + 1:02d}",
            name=f"구로 {label} {number % 12 + 1}",
            role=role,
            position=(lats[number], lngs[number]),
            observed_property=ObservedProperty.PM25,
            stuck_after=36,  # six hours of the very same value
        )
        epochs, values = pm25_series(
            start,
            count,
            step_seconds=STEP,
            seed=100 + number,
            effect_from=PILOT_DAY * PER_DAY if role == SiteRole.PILOT else None,
            effect=EFFECT,
            stuck=STUCK if number in STUCK_MONITORS else None,
            gap=GAP if number == GAP_MONITOR else None,
        )
        series.append((stream, epochs, values, "µg/m³"))
    stored, touched = _ingest_in_batches(series)
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
    # Once every stream is in and the metric is linked: its first value, and one push to open pages.
    announce_readings(touched)
    return stored


def build_shelter_sensors(pilot: PilotPage, start: datetime.datetime) -> int:
    count = DAYS * PER_DAY
    lats, lngs = _site_positions(SEONGSU_CENTRE, SHELTERS, 5)
    series = []
    for number in range(SHELTERS):
        stream = _stream(
            pilot,
            code=f"seongsu-shelter-{number + 1}",
            name=f"성수 스마트 쉼터 {number + 1}",
            role=SiteRole.PILOT,
            position=(lats[number], lngs[number]),
            observed_property=ObservedProperty.SHELTER_OCCUPANCY,
            stuck_after=72,  # twelve hours: an empty shelter reads 0 all night, and that is not a fault
        )
        epochs = int(start.timestamp()) + np.arange(count, dtype=np.int64) * STEP
        hour = ((epochs + 9 * 3600) // 3600) % 24
        rush = 6 * np.exp(-((hour - 8) ** 2) / 3) + 7 * np.exp(-((hour - 18) ** 2) / 4)
        rng = np.random.default_rng(200 + number)
        values = np.maximum(0, np.round(rush + rng.poisson(1.5, count) * (hour > 5)))
        series.append((stream, epochs, values, "명"))
    stored, touched = _ingest_in_batches(series)
    announce_readings(touched)
    return stored


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
        stdout.write(f"Sensors: {stored} readings stored (every 10 minutes, a year).")
