"""What the API returns. Users appear only as a display name and a role badge, never by e-mail, phone or id."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """The base of every response shape: a plain pydantic model.

    Writers hand the API dicts already shaped like these models (read with ``values()``), so ninja's own ``Schema``
    (which wraps every object, nested ones included, in an attribute getter before validating it) only cost time:
    a page of 100 proposals spent half of its CPU there. ``from_attributes`` still reads the few model objects
    and dataclasses some endpoints return.
    """

    model_config = ConfigDict(from_attributes=True)


class Error(Schema):
    detail: str
    errors: list[dict] | None = None


class Person(Schema):
    display_name: str
    role: str


class AreaOut(Schema):
    slug: str
    name: str
    name_en: str
    district: str | None
    latitude: float
    longitude: float
    proposal_count: int


class CategoryOut(Schema):
    slug: str
    name: str
    name_en: str
    icon: str
    proposal_count: int


class Location(Schema):
    latitude: float
    longitude: float


class PhotoOut(Schema):
    url: str
    thumbnail_url: str
    alt_text: str
    width: int
    height: int


class ProposalOut(Schema):
    id: int
    url: str
    title: str
    description: str
    status: str
    category: str
    area: str
    district: str | None
    location: Location | None
    author: Person
    channel: str
    vote_count: int
    comment_count: int
    created_at: datetime
    updated_at: datetime
    photos: list[PhotoOut]


class StatusChangeOut(Schema):
    id: int
    proposal: int
    from_status: str
    to_status: str
    official_response: str
    pilot: int | None
    created_at: datetime


class OfficialAnswerOut(Schema):
    body: str
    author: Person
    created_at: datetime


class HistoryOut(Schema):
    proposal: int
    status_changes: list[StatusChangeOut]
    official_answer: OfficialAnswerOut | None


class AssessmentOut(Schema):
    id: int
    proposal: int
    expert: Person
    feasibility: int
    cost_range: str
    recommendation: str
    risks: str
    text: str
    created_at: datetime
    updated_at: datetime


class PartnerOut(Schema):
    name: str
    role: str
    url: str


class PhaseOut(Schema):
    title: str
    start: date
    end: date | None
    status: str
    description: str


class MetricOut(Schema):
    id: int
    pilot: int
    name: str
    unit: str
    baseline: float
    target: float
    actual: float | None
    higher_is_better: bool
    target_met: bool | None
    note: str


class PointOut(Schema):
    date: date
    value: float


class SeriesOut(Schema):
    id: int
    pilot: int
    name: str
    unit: str
    description: str
    points: list[PointOut]


class PilotOut(Schema):
    id: int
    url: str
    title: str
    summary: str
    status: str
    area: str | None
    category: str | None
    budget: float | None
    first_published_at: datetime | None
    last_published_at: datetime | None
    partners: list[PartnerOut]
    phases: list[PhaseOut]
    proposals: list[int]
    metrics: list[MetricOut]


class ProposalPage(Schema):
    results: list[ProposalOut]
    next_cursor: str | None


class StatusChangePage(Schema):
    results: list[StatusChangeOut]
    next_cursor: str | None


class AssessmentPage(Schema):
    results: list[AssessmentOut]
    next_cursor: str | None


class PilotPage(Schema):
    results: list[PilotOut]
    next_cursor: str | None


class AreaPage(Schema):
    results: list[AreaOut]
    next_cursor: str | None


class CategoryPage(Schema):
    results: list[CategoryOut]
    next_cursor: str | None


class GeoPoint(Schema):
    type: str = "Point"
    coordinates: list[float]


class ProposalFeature(Schema):
    type: str = "Feature"
    id: int
    geometry: GeoPoint
    properties: dict


class ProposalFeatureCollection(Schema):
    type: str = "FeatureCollection"
    features: list[ProposalFeature]
    next_cursor: str | None


class MonthCount(Schema):
    month: str
    proposals: int
    supporters: int


class DongCount(Schema):
    area: str
    name: str
    name_en: str
    proposals: int
    authors: int
    supporters: int


class AnswerStats(Schema):
    proposals: int
    answered: int
    share_answered: float | None
    median_days_to_answer: float | None


class StatusCount(Schema):
    status: str
    label: str
    proposals: int


class PilotOutcome(Schema):
    status: str
    label: str
    pilots: int
    metrics_measured: int
    metrics_met: int


class StageOut(Schema):
    stage: str
    label: str
    start: date
    end: date
    description: str


class StageChangeOut(Schema):
    from_stage: str
    to_stage: str
    note: str
    created_at: datetime


class ChallengePartnerOut(Schema):
    name: str
    kind: str
    role: str
    url: str


class DecisionOut(Schema):
    outcome: str
    label: str
    reasons: str
    evidence_note: str
    evidence: dict
    budget_consequence: str
    budget_amount: float | None
    dongs: list[str]
    decided_at: datetime


class ChallengeOut(Schema):
    id: int
    url: str
    title: str
    theme: str
    question: str
    current_stage: str
    current_stage_label: str
    closed_at: datetime | None
    areas: list[str]
    categories: list[str]
    budget: float | None
    budget_line: str
    first_published_at: datetime | None
    last_published_at: datetime | None
    stages: list[StageOut]
    stage_changes: list[StageChangeOut]
    partners: list[ChallengePartnerOut]
    pilots: list[int]
    proposals: list[int]
    proposal_count: int
    shortlisted: list[int]
    decision: DecisionOut | None


class ChallengePage(Schema):
    results: list[ChallengeOut]
    next_cursor: str | None


class ChallengeDecisionOut(DecisionOut):
    """A decision on its own, with the challenge it closed: the ``/decisions/`` list."""

    id: int
    challenge: int
    challenge_title: str
    url: str
    areas: list[str]


class DecisionPage(Schema):
    results: list[ChallengeDecisionOut]
    next_cursor: str | None


class AttendanceOut(Schema):
    checked_in: int
    walk_ins: int
    total: int


class MinutesOut(Schema):
    published_at: datetime
    minutes: str
    outcomes: str
    proposals: list[int]


class SessionOut(Schema):
    id: int
    url: str
    page: int
    challenge: int | None
    pilot: int | None
    title: str
    description: str
    format: str
    place: str
    address: str
    location: Location | None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_left: int
    attendance: AttendanceOut | None
    minutes: MinutesOut | None


class SessionPage(Schema):
    results: list[SessionOut]
    next_cursor: str | None


class SessionFeature(Schema):
    type: str = "Feature"
    id: int
    geometry: GeoPoint
    properties: dict


class SessionFeatureCollection(Schema):
    type: str = "FeatureCollection"
    features: list[SessionFeature]
    next_cursor: str | None


class SensorSiteOut(Schema):
    code: str
    name: str
    role: str
    area: str | None
    latitude: float
    longitude: float
    properties: list[str]


class SensorSiteFeature(Schema):
    type: str = "Feature"
    id: str
    geometry: GeoPoint
    properties: dict


class SensorSiteFeatureCollection(Schema):
    type: str = "FeatureCollection"
    features: list[SensorSiteFeature]


class DailyRollupOut(Schema):
    id: int
    site: str
    role: str
    property: str
    unit: str
    day: date
    count: int
    clean_count: int
    mean: float | None
    mean_all: float
    minimum: float | None
    maximum: float | None
    p10: float | None
    p50: float | None
    p90: float | None


class DailyRollupPage(Schema):
    results: list[DailyRollupOut]
    next_cursor: str | None


class StageCount(Schema):
    stage: str
    label: str
    challenges: int
    proposals: int
