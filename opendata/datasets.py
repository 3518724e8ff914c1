"""The downloadable datasets: what each contains, its data dictionary, and how its rows are read.

Rows come from ``opendata.queries`` (public data only) as ``values_list`` tuples in column order, read with
``iterator()`` so building a file holds one chunk in memory, whatever the size of the table.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, Count, F, Func, Max, Sum, When
from django.utils.translation import gettext_lazy as _

from . import queries

CHUNK = 2000
SEOUL = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # integer, decimal, text, date, datetime, boolean
    description: str
    unit: str = ""


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    columns: tuple[Column, ...]
    read_rows: Callable[[], Iterator[tuple]]
    read_state: Callable[[], tuple]
    geo: bool = False

    @property
    def formats(self) -> tuple[str, ...]:
        return ("csv", "json", "geojson") if self.geo else ("csv", "json")


class IsoTimestamp(Func):
    """A stored timestamp as ISO 8601 text in UTC, written by the database.

    The proposals file has two timestamps a row: formatting them in SQL spares a datetime object, its time
    zone and ``isoformat()`` per cell, a fifth of the build's Python time (profiled at 46k rows).
    """

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        template = """to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite holds Django's timestamps as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]".
        template = "replace(%(expressions)s, ' ', 'T') || '+00:00'"
        return self.as_sql(compiler, connection, template=template, **extra)


# The proposal file's columns, in order: the timestamps arrive as text (IsoTimestamp).
_PROPOSAL_TEXT_TIMES = {"created_at": IsoTimestamp("created_at"), "updated_at": IsoTimestamp("updated_at")}


def _proposal_rows():
    names = [f"{name}_iso" if name in _PROPOSAL_TEXT_TIMES else name for name in queries.PROPOSAL_COLUMNS]
    return (
        queries.proposals()
        .order_by("pk")
        .annotate(**{f"{name}_iso": expression for name, expression in _PROPOSAL_TEXT_TIMES.items()})
        .values_list(*names)
        .iterator(chunk_size=CHUNK)
    )


def _proposal_state():
    return tuple(
        queries.proposals()
        .order_by()
        .aggregate(n=Count("pk"), updated=Max("updated_at"), votes=Sum("vote_count"), comments=Sum("comment_count"))
        .values()
    )


def _status_rows():
    public_pilots = queries.pilot_pages().values("pk")
    return (
        queries.status_changes()
        .order_by("pk")
        .annotate(public_pilot=Case(When(pilot__in=public_pilots, then=F("pilot_id"))))
        .values_list("pk", "proposal_id", "from_status", "to_status", "official_response", "public_pilot", "created_at")
        .iterator(chunk_size=CHUNK)
    )


def _status_state():
    return tuple(queries.status_changes().order_by().aggregate(n=Count("pk"), last=Max("pk")).values())


def _assessment_rows():
    return (
        queries.assessments()
        .order_by("pk")
        .values_list(
            "pk",
            "proposal_id",
            "expert__display_name",
            "feasibility",
            "cost_range",
            "recommendation",
            "risks",
            "text",
            "created_at",
            "updated_at",
        )
        .iterator(chunk_size=CHUNK)
    )


def _assessment_state():
    return tuple(queries.assessments().order_by().aggregate(n=Count("pk"), updated=Max("updated_at")).values())


def _metric_rows():
    return (
        queries.metrics()
        .order_by("page_id", "sort_order", "pk")
        .values_list(
            "pk", "page_id", "page__title", "name", "unit", "baseline", "target", "actual", "higher_is_better", "note"
        )
        .iterator(chunk_size=CHUNK)
    )


def _pilot_state():
    return tuple(queries.pilot_pages().order_by().aggregate(n=Count("pk"), published=Max("last_published_at")).values())


def _series_rows():
    return (
        queries.series_points()
        .order_by("series__page_id", "series__sort_order", "series_id", "date")
        .values_list(
            "series__page_id", "series__page__title", "series_id", "series__name", "series__unit", "date", "value"
        )
        .iterator(chunk_size=CHUNK)
    )


def _series_state():
    points = queries.series_points().order_by().aggregate(n=Count("pk"), last=Max("pk"), total=Sum("value"))
    return (*_pilot_state(), *points.values())


_ROLLUP_COLUMNS = (
    "pk",
    "stream__site__pilot_id",
    "stream__site__pilot__title",
    "stream__site__code",
    "stream__site__role",
    "stream__site__latitude",
    "stream__site__longitude",
    "stream__observed_property",
    "stream__unit",
    "start",
    "count",
    "clean_count",
    "mean",
    "mean_all",
    "minimum",
    "maximum",
    "p10",
    "p50",
    "p90",
)
_ROLLUP_DAY = _ROLLUP_COLUMNS.index("start")


def _rollup_rows():
    """Daily rollups of public pilots' streams; a day is written as the Seoul date it stands for."""
    rows = (
        queries.daily_rollups()
        .order_by("stream__site__pilot_id", "stream__site__code", "stream__observed_property", "start", "pk")
        .values_list(*_ROLLUP_COLUMNS)
        .iterator(chunk_size=CHUNK)
    )
    for row in rows:
        yield (*row[:_ROLLUP_DAY], row[_ROLLUP_DAY].astimezone(SEOUL).date(), *row[_ROLLUP_DAY + 1 :])


def _rollup_state():
    # Rollups are rewritten in place when late readings arrive: the sums change even when the count does not.
    rollups = (
        queries.daily_rollups()
        .order_by()
        .aggregate(
            n=Count("pk"),
            last=Max("pk"),
            readings=Sum("count"),
            clean=Sum("clean_count"),
            total=Sum("mean_all"),
            clean_total=Sum("mean"),
        )
    )
    return (*_pilot_state(), *rollups.values())


_ATTENDANCE_COLUMNS = (
    "pk",
    "title",
    "page_id",
    "page__title",
    "format",
    "place",
    "latitude",
    "longitude",
    "starts_at",
    "ends_at",
    "capacity",
    "registered_count",
    "checked_in",
    "walk_in_total",
)


def _attendance_rows():
    """Sessions that are over, with their counts; the attended total is the check-ins plus the walk-ins."""
    rows = queries.ended_sessions().order_by("starts_at", "pk").values_list(*_ATTENDANCE_COLUMNS)
    for row in rows.iterator(chunk_size=CHUNK):
        yield (*row, row[-2] + row[-1])


def _attendance_state():
    return tuple(queries.ended_sessions().order_by("pk").values_list(*_ATTENDANCE_COLUMNS))


_DECISION_COLUMNS = (
    "pk",
    "challenge_id",
    "challenge__title",
    "outcome",
    "reasons",
    "evidence_note",
    "evidence",
    "dongs",
    "budget_consequence",
    "budget_amount",
    "decided_at",
)
_DECISION_EVIDENCE = _DECISION_COLUMNS.index("evidence")
_DECISION_DONGS = _DECISION_COLUMNS.index("dongs")


def _decision_rows():
    """Decisions of public challenges; the evidence is the ids of the pilots it names that are still public.

    A decision is one per challenge, so the neighbourhoods and the public pilots of all of them fit one query
    each; the evidence's pilot titles and metrics stay in the API, which keeps their nesting.
    """
    decisions = queries.decisions().order_by("pk")
    dongs: dict[int, list[str]] = {}
    through = decisions.model.dongs.through
    links = through.objects.filter(challengedecision__in=decisions.values("pk")).order_by("area__slug")
    for decision_id, slug in links.values_list("challengedecision_id", "area__slug"):
        dongs.setdefault(decision_id, []).append(slug)
    columns = [name for name in _DECISION_COLUMNS if name != "dongs"]
    rows = list(decisions.values_list(*columns))
    public = queries.public_pilot_ids(p["id"] for row in rows for p in queries.evidence_pilots(row[_DECISION_EVIDENCE]))
    for row in rows:
        pilots = [p["id"] for p in queries.evidence_pilots(row[_DECISION_EVIDENCE]) if p["id"] in public]
        cells = list(row)
        cells[_DECISION_EVIDENCE] = " ".join(str(pk) for pk in pilots)
        cells.insert(_DECISION_DONGS, " ".join(dongs.get(row[0], [])))
        yield tuple(cells)


def _decision_state():
    # Few rows, edited in place and without a modification time: the rows themselves are the state.
    return tuple(_decision_rows())


PROPOSALS = Dataset(
    slug="proposals",
    title=_("Proposals"),
    description=_("Every public proposal: not hidden by a moderator and not withdrawn by its author."),
    columns=(
        Column("id", "integer", _("The proposal's number; its page is /proposals/<id>/.")),
        Column("title", "text", _("Title, as the resident wrote it.")),
        Column("description", "text", _("Description: plain text or simple Markdown.")),
        Column("status", "text", _("published, under_review, accepted, rejected, piloting or completed.")),
        Column("category", "text", _("Category slug (see /api/v1/categories/).")),
        Column("area", "text", _("Neighbourhood (dong) or district slug (see /api/v1/areas/).")),
        Column("district", "text", _("District slug when the area is a neighbourhood.")),
        Column("latitude", "decimal", _("Map point latitude, when the resident set one."), "degrees (WGS 84)"),
        Column("longitude", "decimal", _("Map point longitude, when the resident set one."), "degrees (WGS 84)"),
        Column("author", "text", _("The author's display name.")),
        Column("author_role", "text", _("The author's role badge: resident, expert or administrator.")),
        Column("channel", "text", _("How it arrived: online, in_person or phone.")),
        Column("vote_count", "integer", _("Supporters."), "votes"),
        Column("comment_count", "integer", _("Comments in the discussion."), "comments"),
        Column("created_at", "datetime", _("When it was filed (ISO 8601, with time zone).")),
        Column("updated_at", "datetime", _("When it last changed.")),
    ),
    read_rows=_proposal_rows,
    read_state=_proposal_state,
    geo=True,
)

STATUS_HISTORY = Dataset(
    slug="status-history",
    title=_("Status history"),
    description=_("Each step of a public proposal's timeline with the district's official response."),
    columns=(
        Column("id", "integer", _("The step's number.")),
        Column("proposal_id", "integer", _("The proposal (see the proposals dataset).")),
        Column("from_status", "text", _("Status before; empty for the first step.")),
        Column("to_status", "text", _("Status after.")),
        Column("official_response", "text", _("The district's official response, if any.")),
        Column("pilot_id", "integer", _("The published pilot this step refers to, if any.")),
        Column("created_at", "datetime", _("When the step happened.")),
    ),
    read_rows=_status_rows,
    read_state=_status_state,
)

ASSESSMENTS = Dataset(
    slug="assessments",
    title=_("Expert assessments"),
    description=_("Experts' structured reviews of public proposals."),
    columns=(
        Column("id", "integer", _("The assessment's number.")),
        Column("proposal_id", "integer", _("The proposal assessed.")),
        Column("expert", "text", _("The expert's display name.")),
        Column("feasibility", "integer", _("1 (hard) to 5 (easy)."), "score 1-5"),
        Column("cost_range", "text", _("under_10m, 10m_50m, 50m_200m or over_200m (Korean won).")),
        Column("recommendation", "text", _("pilot, adopt, reject or research.")),
        Column("risks", "text", _("Risks the expert sees.")),
        Column("text", "text", _("The assessment.")),
        Column("created_at", "datetime", _("When it was written.")),
        Column("updated_at", "datetime", _("When it last changed.")),
    ),
    read_rows=_assessment_rows,
    read_state=_assessment_state,
)

PILOT_METRICS = Dataset(
    slug="pilot-metrics",
    title=_("Pilot metrics"),
    description=_("Measured results of published pilots with baseline, target and actual value."),
    columns=(
        Column("id", "integer", _("The metric's number.")),
        Column("pilot_id", "integer", _("The pilot (see /api/v1/pilots/).")),
        Column("pilot", "text", _("The pilot's title.")),
        Column("name", "text", _("What is measured.")),
        Column("unit", "text", _("Unit of baseline, target and actual.")),
        Column("baseline", "decimal", _("Value before the pilot."), _("the metric's unit")),
        Column("target", "decimal", _("Value the pilot aims for."), _("the metric's unit")),
        Column("actual", "decimal", _("Measured value; empty until measured."), _("the metric's unit")),
        Column("higher_is_better", "boolean", _("Whether a higher value is better.")),
        Column("note", "text", _("Editor's note.")),
    ),
    read_rows=_metric_rows,
    read_state=_pilot_state,
)

SERIES = Dataset(
    slug="pilot-series",
    title=_("Pilot time series"),
    description=_("Dated values of published pilots' time series (e.g. monthly shelter users)."),
    columns=(
        Column("pilot_id", "integer", _("The pilot.")),
        Column("pilot", "text", _("The pilot's title.")),
        Column("series_id", "integer", _("The series' number.")),
        Column("series", "text", _("The series' name.")),
        Column("unit", "text", _("Unit of the values.")),
        Column("date", "date", _("The day the value stands for (ISO 8601).")),
        Column("value", "decimal", _("The value."), _("the series' unit")),
    ),
    read_rows=_series_rows,
    read_state=_series_state,
)

SENSOR_DAILY = Dataset(
    slug="sensor-daily",
    title=_("Sensor daily rollups"),
    description=_(
        "Per day, site and measured quantity at published pilots: readings received and their summary. "
        "Flagged readings are kept out of the clean figures, never deleted."
    ),
    columns=(
        Column("id", "integer", _("The rollup's number.")),
        Column("pilot_id", "integer", _("The pilot (see /api/v1/pilots/).")),
        Column("pilot", "text", _("The pilot's title.")),
        Column("site", "text", _("The sensor site's code.")),
        Column("site_role", "text", _("pilot (gets the intervention) or control (comparable, does not).")),
        Column("latitude", "decimal", _("The site's latitude."), "degrees (WGS 84)"),
        Column("longitude", "decimal", _("The site's longitude."), "degrees (WGS 84)"),
        Column("property", "text", _("What is measured, e.g. pm25, noise, footfall.")),
        Column("unit", "text", _("Unit of the values.")),
        Column("day", "date", _("The day (Asia/Seoul) the row summarises (ISO 8601).")),
        Column("count", "integer", _("Readings received that day."), "readings"),
        Column("clean_count", "integer", _("Readings without a quality flag."), "readings"),
        Column("mean", "decimal", _("Mean of the clean readings; empty when none."), _("the row's unit")),
        Column("mean_all", "decimal", _("Mean of all readings, flagged ones included."), _("the row's unit")),
        Column("minimum", "decimal", _("Lowest clean reading."), _("the row's unit")),
        Column("maximum", "decimal", _("Highest clean reading."), _("the row's unit")),
        Column("p10", "decimal", _("10th percentile of the clean readings."), _("the row's unit")),
        Column("p50", "decimal", _("Median of the clean readings."), _("the row's unit")),
        Column("p90", "decimal", _("90th percentile of the clean readings."), _("the row's unit")),
    ),
    read_rows=_rollup_rows,
    read_state=_rollup_state,
    geo=True,
)

SESSION_ATTENDANCE = Dataset(
    slug="session-attendance",
    title=_("Co-design session attendance"),
    description=_(
        "Published co-design sessions that are over, with their capacity and how many people came. "
        "Counts only: no names."
    ),
    columns=(
        Column("id", "integer", _("The session's number; its page is /codesign/sessions/<id>/.")),
        Column("title", "text", _("The session's title.")),
        Column("page_id", "integer", _("The challenge or pilot page it worked on.")),
        Column("page", "text", _("That page's title.")),
        Column("format", "text", _("offline (in person) or online.")),
        Column("place", "text", _("Where it was held, for a session in person.")),
        Column("latitude", "decimal", _("Map point latitude, when set."), "degrees (WGS 84)"),
        Column("longitude", "decimal", _("Map point longitude, when set."), "degrees (WGS 84)"),
        Column("starts_at", "datetime", _("When it started (ISO 8601, with time zone).")),
        Column("ends_at", "datetime", _("When it ended.")),
        Column("capacity", "integer", _("Seats offered."), "seats"),
        Column("registered", "integer", _("Seats taken by registration."), "people"),
        Column("checked_in", "integer", _("Registered people checked in on the day."), "people"),
        Column("walk_ins", "integer", _("People who came without registering."), "people"),
        Column("attended", "integer", _("checked_in plus walk_ins."), "people"),
    ),
    read_rows=_attendance_rows,
    read_state=_attendance_state,
    geo=True,
)

DECISIONS = Dataset(
    slug="decisions",
    title=_("Challenge decisions"),
    description=_(
        "The district's recorded decision at the end of each published challenge: scale, adapt or stop, "
        "with its reasons, evidence and budget consequence."
    ),
    columns=(
        Column("id", "integer", _("The decision's number (see /api/v1/decisions/<id>/).")),
        Column("challenge_id", "integer", _("The challenge it closed (see /api/v1/challenges/).")),
        Column("challenge", "text", _("The challenge's title.")),
        Column("outcome", "text", _("scale_district, scale_dongs, adapt or stop.")),
        Column("reasons", "text", _("Why the district decided so.")),
        Column("evidence_note", "text", _("Other evidence the district named.")),
        Column("evidence_pilot_ids", "text", _("Published pilots whose results were the evidence, space-separated.")),
        Column("dongs", "text", _("For scale_dongs: the neighbourhoods to scale to, as area slugs, space-separated.")),
        Column("budget_consequence", "text", _("What the decision means for the budget.")),
        Column("budget_amount", "decimal", _("The budget named, if any."), "KRW"),
        Column("decided_at", "datetime", _("When it was decided (ISO 8601, with time zone).")),
    ),
    read_rows=_decision_rows,
    read_state=_decision_state,
)

DATASETS: dict[str, Dataset] = {
    d.slug: d
    for d in (
        PROPOSALS,
        STATUS_HISTORY,
        ASSESSMENTS,
        PILOT_METRICS,
        SERIES,
        SENSOR_DAILY,
        SESSION_ATTENDANCE,
        DECISIONS,
    )
}
