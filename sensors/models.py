"""Sensor evidence for pilots: sites, their data streams, the sources readings come from, the raw readings,
their hourly and daily rollups, and the links from a pilot's metrics to the streams that measure them."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from livinglab.counters import save_leaving_counters

from .units import DEFAULT_RANGE, DEFAULT_SPIKE, STORED_UNIT, ObservedProperty, canonical_unit


class SiteRole(models.TextChoices):
    PILOT = "pilot", _("Pilot site")
    CONTROL = "control", _("Control site")


class Flag:
    """Quality flags on a reading, as bits: a flagged reading is kept, and left out of comparisons."""

    OUT_OF_RANGE = 1
    STUCK = 2
    SPIKE = 4
    FUTURE = 8
    UNIT_MISMATCH = 16

    LABELS = {
        OUT_OF_RANGE: _("out of range"),
        STUCK: _("stuck sensor"),
        SPIKE: _("spike"),
        FUTURE: _("timestamp in the future"),
        UNIT_MISMATCH: _("unit mismatch"),
    }

    @classmethod
    def labels(cls, flags: int) -> list[str]:
        return [str(label) for bit, label in cls.LABELS.items() if flags & bit]


class SensorSite(models.Model):
    """A place where a pilot measures: a monitor by a school gate, a shelter, a retaining wall.

    A *pilot* site gets the intervention; a *control* site is comparable and does not, so the change at the
    pilot sites can be told apart from what happened everywhere (weather, season, a dusty spring).
    """

    pilot = models.ForeignKey(
        "pilots.PilotPage", verbose_name=_("pilot"), on_delete=models.CASCADE, related_name="sensor_sites"
    )
    code = models.SlugField(_("code"), max_length=60, unique=True, help_text=_("A short unique code, e.g. guro-pm-01."))
    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(_("role"), max_length=10, choices=SiteRole.choices, default=SiteRole.PILOT)
    area = models.ForeignKey(
        "proposals.Area", verbose_name=_("area"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)])

    panels = [
        FieldPanel("pilot"),
        FieldRowPanel([FieldPanel("code"), FieldPanel("name")]),
        FieldRowPanel([FieldPanel("role"), FieldPanel("area")]),
        FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
    ]

    class Meta:
        ordering = ["pilot", "role", "code"]
        verbose_name = _("sensor site")
        verbose_name_plural = _("sensor sites")

    def __str__(self):
        return f"{self.name} ({self.code})"


class Source(models.Model):
    """Where readings come from: a SensorThings API the city runs, or files an administrator uploads."""

    class Kind(models.TextChoices):
        SENSORTHINGS = "sensorthings", _("OGC SensorThings API")
        UPLOAD = "upload", _("File upload (CSV or JSON)")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SENSORTHINGS)
    url = models.URLField(
        _("service URL"), blank=True, help_text=_("The SensorThings service root, e.g. https://…/FROST-Server/v1.1")
    )
    interval_minutes = models.PositiveIntegerField(
        _("pull every (minutes)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)]
    )
    enabled = models.BooleanField(_("pull on schedule"), default=True)
    timeout_seconds = models.PositiveIntegerField(
        _("timeout (seconds)"), default=15, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    page_size = models.PositiveIntegerField(
        _("page size ($top)"), default=1000, validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last successful pull"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    pull_requested_at = models.DateTimeField(null=True, blank=True, editable=False)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]),
        FieldPanel("url"),
        FieldRowPanel(
            [
                FieldPanel("interval_minutes"),
                FieldPanel("timeout_seconds"),
                FieldPanel("page_size"),
                FieldPanel("enabled"),
            ]
        ),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("sensor data source")
        verbose_name_plural = _("sensor data sources")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.kind == self.Kind.SENSORTHINGS and not self.url:
            raise ValidationError({"url": _("A SensorThings source needs its service URL.")})

    def is_due(self, now: datetime.datetime | None = None) -> bool:
        if self.kind != self.Kind.SENSORTHINGS or not self.enabled:
            return False
        if self.last_attempt_at is None:
            return True
        now = now or timezone.now()
        return now - self.last_attempt_at >= datetime.timedelta(minutes=self.interval_minutes)


class DataStream(models.Model):
    """One quantity measured at a site (PM2.5 at the school gate), in one unit, with its valid range.

    The fields under "state" are kept by ingestion: the latest reading and the run of equal values that
    tells a stuck sensor, so each pull is checked against the one before without rereading raw rows.
    """

    site = models.ForeignKey(SensorSite, verbose_name=_("site"), on_delete=models.CASCADE, related_name="streams")
    observed_property = models.CharField(_("observed property"), max_length=20, choices=ObservedProperty.choices)
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("Empty: the property's usual unit."))
    min_valid = models.FloatField(_("lowest valid value"), null=True, blank=True)
    max_valid = models.FloatField(_("highest valid value"), null=True, blank=True)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), null=True, blank=True, on_delete=models.SET_NULL, related_name="streams"
    )
    external_id = models.CharField(
        _("external id"),
        max_length=120,
        blank=True,
        help_text=_("The Datastream's @iot.id at a SensorThings source, or the stream's name in uploaded files."),
    )
    interval_seconds = models.PositiveIntegerField(_("expected interval (seconds)"), default=600)
    stuck_after = models.PositiveIntegerField(
        _("stuck after N equal readings"), default=12, validators=[MinValueValidator(2)]
    )
    spike_delta = models.FloatField(_("spike: largest normal jump"), null=True, blank=True)

    # State kept by ingestion.
    latest_time = models.DateTimeField(_("latest reading at"), null=True, blank=True, editable=False)
    latest_value = models.FloatField(_("latest value"), null=True, blank=True, editable=False)
    latest_flags = models.PositiveSmallIntegerField(default=0, editable=False)
    run_length = models.PositiveIntegerField(default=0, editable=False)
    run_start = models.DateTimeField(null=True, blank=True, editable=False)
    reading_count = models.BigIntegerField(default=0, editable=False)
    flagged_count = models.BigIntegerField(default=0, editable=False)
    # Every kind of flag any stored reading carries (``Flag`` bits, OR-ed): what the quality table names.
    flags_seen = models.PositiveSmallIntegerField(default=0, editable=False)
    first_time = models.DateTimeField(null=True, blank=True, editable=False)

    panels = [
        FieldPanel("site"),
        FieldRowPanel([FieldPanel("observed_property"), FieldPanel("unit")]),
        FieldRowPanel([FieldPanel("min_valid"), FieldPanel("max_valid")]),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("source"), FieldPanel("external_id")])],
            heading=_("Where readings come from"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("interval_seconds"), FieldPanel("stuck_after"), FieldPanel("spike_delta")])],
            heading=_("Quality checks"),
        ),
    ]

    # The fields above that ingestion keeps up to date: saved after each batch, kept when a site list is
    # imported again.
    INGESTION_STATE = (
        "latest_time",
        "latest_value",
        "latest_flags",
        "run_length",
        "run_start",
        "reading_count",
        "flagged_count",
        "flags_seen",
        "first_time",
    )

    class Meta:
        ordering = ["site", "observed_property"]
        verbose_name = _("data stream")
        verbose_name_plural = _("data streams")
        constraints = [
            models.UniqueConstraint(fields=["site", "observed_property"], name="sensors_stream_once_per_site"),
        ]

    def __str__(self):
        return f"{self.site.code} · {self.get_observed_property_display()}"

    def save(self, **kwargs):
        if not self.unit and self.observed_property:
            self.unit = STORED_UNIT[self.observed_property]
        self.unit = canonical_unit(self.unit)
        # An admin edit never writes back the ingestion state it read (counts, latest reading): a pull may have
        # stored readings meanwhile. Ingestion saves exactly that state, under the stream's lock.
        super().save(**save_leaving_counters(self, self.INGESTION_STATE, **kwargs))

    def clean(self):
        super().clean()
        low, high = self.valid_range
        if low > high:
            raise ValidationError({"max_valid": _("The highest valid value must not be below the lowest.")})

    @property
    def valid_range(self) -> tuple[float, float]:
        low, high = DEFAULT_RANGE.get(self.observed_property, (float("-inf"), float("inf")))
        return (
            self.min_valid if self.min_valid is not None else low,
            self.max_valid if self.max_valid is not None else high,
        )

    @property
    def spike_threshold(self) -> float:
        return self.spike_delta if self.spike_delta is not None else DEFAULT_SPIKE.get(self.observed_property, 1e18)

    @property
    def flag_labels(self) -> list[str]:
        """The kinds of flag this stream's readings carry, in words."""
        return Flag.labels(self.flags_seen)

    @property
    def completeness_percent(self) -> int | None:
        """Readings received against the readings expected between the first and the latest one."""
        if not self.first_time or not self.latest_time:
            return None
        expected = int((self.latest_time - self.first_time).total_seconds() // self.interval_seconds) + 1
        return min(100, round(100 * self.reading_count / expected)) if expected else None


class Reading(models.Model):
    """One raw measurement, stored in UTC. Keyed on (stream, time), so a repeated pull stores nothing twice.

    On PostgreSQL the table is partitioned by month with a BRIN index on time (migration 0002); pages never
    read it, only the rollups.
    """

    pk = models.CompositePrimaryKey("stream", "time")
    stream = models.ForeignKey(DataStream, on_delete=models.CASCADE, related_name="readings")
    time = models.DateTimeField()
    value = models.FloatField()
    flags = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")

    def __str__(self):
        return f"{self.stream_id} {self.time:%Y-%m-%d %H:%M}: {self.value}"


class Rollup(models.Model):
    """Readings summarised per period: the clean ones (no flag) and, for the "include flagged" view, all."""

    stream = models.ForeignKey(DataStream, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    count = models.PositiveIntegerField()
    clean_count = models.PositiveIntegerField()
    mean_all = models.FloatField()
    mean = models.FloatField(null=True)
    minimum = models.FloatField(null=True)
    maximum = models.FloatField(null=True)
    p10 = models.FloatField(null=True)
    p50 = models.FloatField(null=True)
    p90 = models.FloatField(null=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.stream_id} {self.start:%Y-%m-%d %H:%M}"


class HourlyRollup(Rollup):
    class Meta:
        verbose_name = _("hourly rollup")
        constraints = [models.UniqueConstraint(fields=["stream", "start"], name="sensors_hourly_once")]


class DailyRollup(Rollup):
    """Days are Seoul days (midnight Asia/Seoul), stored as their UTC start."""

    class Meta:
        verbose_name = _("daily rollup")
        constraints = [models.UniqueConstraint(fields=["stream", "start"], name="sensors_daily_once")]


class Gap(models.Model):
    """A stretch with no readings, longer than three expected intervals: flagged, shown, never filled in."""

    stream = models.ForeignKey(DataStream, on_delete=models.CASCADE, related_name="gaps")
    start = models.DateTimeField(_("last reading before"))
    end = models.DateTimeField(_("first reading after"))

    class Meta:
        ordering = ["-start"]
        verbose_name = _("gap")
        constraints = [models.UniqueConstraint(fields=["stream", "start"], name="sensors_gap_once")]

    def __str__(self):
        return f"{self.stream_id} {self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> datetime.timedelta:
        return self.end - self.start


class PullLog(models.Model):
    """What one pull or upload did: stored, duplicates skipped, flagged, rejected with reasons, or its error."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Succeeded")
        FAILED = "failed", _("Failed")

    source = models.ForeignKey(
        Source, verbose_name=_("source"), null=True, on_delete=models.CASCADE, related_name="pull_logs"
    )
    label = models.CharField(_("what"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    stored = models.PositiveIntegerField(_("stored"), default=0)
    duplicates = models.PositiveIntegerField(_("already stored"), default=0)
    flagged = models.PositiveIntegerField(_("flagged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    rejections = models.JSONField(_("rejections (first 100)"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("pull log")
        verbose_name_plural = _("pull logs")

    def __str__(self):
        return f"{self.label or self.source} {self.started_at:%Y-%m-%d %H:%M}"


class SensorUpload(models.Model):
    """A CSV or JSON file of readings, with the columns that hold the stream, time, value and unit.

    Stored as sent and processed by a background task; its log says what was stored and what was refused.
    """

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSON = "json", "JSON"

    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="uploads")
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    content = models.TextField(editable=False)
    stream_column = models.CharField(_("stream column"), max_length=60, default="stream")
    time_column = models.CharField(_("time column"), max_length=60, default="time")
    value_column = models.CharField(_("value column"), max_length=60, default="value")
    unit_column = models.CharField(_("unit column"), max_length=60, blank=True)
    unit = models.CharField(_("unit of every value"), max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    log = models.OneToOneField(PullLog, null=True, blank=True, on_delete=models.SET_NULL, related_name="upload")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sensor upload")

    def __str__(self):
        return f"{self.source} {self.created_at:%Y-%m-%d %H:%M}"


class PilotEvidence(models.Model):
    """How a pilot's sensor evidence is compared: when the pilot started, how long a baseline, on what."""

    pilot = models.OneToOneField(
        "pilots.PilotPage", verbose_name=_("pilot"), on_delete=models.CASCADE, related_name="sensor_evidence"
    )
    pilot_start = models.DateField(_("pilot start"), help_text=_("Readings before this day are the baseline."))
    baseline_days = models.PositiveIntegerField(
        _("baseline (days)"), default=90, validators=[MinValueValidator(7), MaxValueValidator(730)]
    )
    compared_property = models.CharField(
        _("compared property"), max_length=20, choices=ObservedProperty.choices, default=ObservedProperty.PM25
    )
    lower_is_better = models.BooleanField(_("lower is better"), default=True)
    # Bumped after every ingest that touched this pilot's streams: cached comparisons key on it.
    data_version = models.PositiveBigIntegerField(default=0, editable=False)

    panels = [
        FieldPanel("pilot"),
        FieldRowPanel([FieldPanel("pilot_start"), FieldPanel("baseline_days")]),
        FieldRowPanel([FieldPanel("compared_property"), FieldPanel("lower_is_better")]),
    ]

    class Meta:
        verbose_name = _("pilot sensor evidence")
        verbose_name_plural = _("pilot sensor evidence")

    def __str__(self):
        return str(self.pilot)


class MetricStream(models.Model):
    """A pilot metric whose "actual" is computed from streams, e.g. mean PM2.5 at pilot sites, last 30 days.

    Recomputed from the daily rollups after every pull that touches the pilot; the metric row in ``pilots``
    is updated, so the pilot page never goes stale and pilots knows nothing of sensors.
    """

    metric = models.OneToOneField(
        "pilots.PilotMetric", verbose_name=_("metric"), on_delete=models.CASCADE, related_name="stream_link"
    )
    observed_property = models.CharField(_("observed property"), max_length=20, choices=ObservedProperty.choices)
    role = models.CharField(_("sites"), max_length=10, choices=SiteRole.choices, default=SiteRole.PILOT)
    days = models.PositiveIntegerField(
        _("over the last (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True, editable=False)
    # The latest reading the linked streams have, whenever it was: the page says how old the data are.
    as_of = models.DateTimeField(_("readings up to"), null=True, blank=True, editable=False)

    panels = [
        FieldPanel("metric"),
        FieldRowPanel([FieldPanel("observed_property"), FieldPanel("role"), FieldPanel("days")]),
    ]

    class Meta:
        verbose_name = _("metric computed from sensors")
        verbose_name_plural = _("metrics computed from sensors")

    def __str__(self):
        return str(self.metric)
