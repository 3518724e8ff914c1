"""Query parameters of the list endpoints. Anything not declared here is refused with a 400."""

import math
import re
from datetime import date
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import field_validator, model_validator

from challenges.stages import DecisionOutcome, Stage
from codesign.models import SessionFormat
from pilots.models import PilotStatus
from proposals.models import ProposalStatus, Recommendation
from sensors.models import SiteRole
from sensors.units import ObservedProperty

from .errors import ApiError
from .pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

PublicStatus = Literal[tuple(s for s in ProposalStatus.values if s != ProposalStatus.WITHDRAWN)]
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
# A row id in a path: the range of a database primary key (SQLite refuses larger integers with an error).
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class NoParams(Schema):
    pass


class ListParams(Schema):
    cursor: str | None = Field(None, description="The `next_cursor` of the previous page.", max_length=500)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page (1-100).")


ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso_day(value):
    # Pydantic would also read a number as a Unix time; the API only speaks ISO days.
    if value is not None and not (isinstance(value, str) and ISO_DAY.match(value)):
        raise ValueError(_("Dates are written YYYY-MM-DD."))
    return value


def range_in_order(params, after: str, before: str):
    first, last = getattr(params, after), getattr(params, before)
    if first and last and first > last:
        raise ValueError(_("%(after)s must not be later than %(before)s.") % {"after": after, "before": before})
    return params


class DateRangeParams(ListParams):
    created_after: date | None = Field(None, description="Only rows created on or after this day (YYYY-MM-DD).")
    created_before: date | None = Field(None, description="Only rows created on or before this day (YYYY-MM-DD).")

    iso_days = field_validator("created_after", "created_before", mode="before")(iso_day)

    @model_validator(mode="after")
    def _range_in_order(self):
        return range_in_order(self, "created_after", "created_before")


class BoundingBox(Schema):
    west: float
    south: float
    east: float
    north: float


def parse_bbox(text: str) -> BoundingBox:
    parts = text.split(",")
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError as exc:
        raise ValueError(_("bbox is four numbers: west,south,east,north.")) from exc
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ValueError(_("bbox numbers must be finite (no NaN or infinity)."))
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError(_("bbox must be west,south,east,north with west ≤ east and south ≤ north, in degrees."))
    return BoundingBox(west=west, south=south, east=east, north=north)


class ProposalParams(DateRangeParams):
    area: str | None = Field(
        None, pattern=SLUG_PATTERN, max_length=80, description="Area slug; a district includes its neighbourhoods."
    )
    category: str | None = Field(None, pattern=SLUG_PATTERN, max_length=60, description="Category slug.")
    status: PublicStatus | None = None
    bbox: str | None = Field(None, max_length=200, description="west,south,east,north in degrees (WGS 84).")
    challenge: int | None = Field(
        None, ge=1, le=2**63 - 1, description="Only proposals submitted into this published challenge (its id)."
    )
    challenge_stage: Literal[tuple(Stage.values)] | None = Field(
        None, description="Only proposals of published challenges now in this stage."
    )
    ordering: Literal[
        "-created_at",
        "created_at",
        "-updated_at",
        "updated_at",
        "-vote_count",
        "vote_count",
        "-comment_count",
        "comment_count",
        "id",
        "-id",
    ] = "-created_at"

    @field_validator("bbox")
    @classmethod
    def _bbox(cls, value):
        if value is not None:
            parse_bbox(value)
        return value


class StatusChangeParams(DateRangeParams):
    proposal: int | None = Field(None, ge=1)
    to_status: PublicStatus | None = None
    ordering: Literal["created_at", "-created_at"] = "created_at"


class AssessmentParams(DateRangeParams):
    proposal: int | None = Field(None, ge=1)
    recommendation: Literal[tuple(Recommendation.values)] | None = None
    ordering: Literal["created_at", "-created_at"] = "created_at"


class PilotParams(ListParams):
    area: str | None = Field(None, pattern=SLUG_PATTERN, max_length=80)
    category: str | None = Field(None, pattern=SLUG_PATTERN, max_length=60)
    status: Literal[tuple(PilotStatus.values)] | None = None
    ordering: Literal["-id", "id"] = "-id"


class ChallengeParams(ListParams):
    area: str | None = Field(
        None, pattern=SLUG_PATTERN, max_length=80, description="Area slug; a neighbourhood finds its district's too."
    )
    category: str | None = Field(None, pattern=SLUG_PATTERN, max_length=60, description="Category slug.")
    stage: Literal[tuple(Stage.values)] | None = Field(None, description="The challenge's current stage.")
    ordering: Literal["-id", "id"] = "-id"


class DecisionParams(ListParams):
    challenge: int | None = Field(
        None, ge=1, le=2**63 - 1, description="The decision of this published challenge (its id)."
    )
    outcome: Literal[(*DecisionOutcome.values, "scale")] | None = Field(
        None, description="scale_district, scale_dongs, adapt or stop; scale is either scale outcome."
    )
    area: str | None = Field(
        None,
        pattern=SLUG_PATTERN,
        max_length=80,
        description="Area slug: decisions of challenges on this area (a neighbourhood finds its district's too) "
        "or scaling to it (a district finds decisions scaling to its neighbourhoods).",
    )
    decided_after: date | None = Field(None, description="Decisions taken on or after this day (YYYY-MM-DD).")
    decided_before: date | None = Field(None, description="Decisions taken on or before this day (YYYY-MM-DD).")
    ordering: Literal["-decided_at", "decided_at", "-id", "id"] = "-decided_at"

    iso_days = field_validator("decided_after", "decided_before", mode="before")(iso_day)

    @model_validator(mode="after")
    def _range_in_order(self):
        return range_in_order(self, "decided_after", "decided_before")


class SessionParams(ListParams):
    challenge: int | None = Field(None, ge=1, le=2**63 - 1, description="Sessions of this challenge (its id).")
    pilot: int | None = Field(None, ge=1, le=2**63 - 1, description="Sessions of this pilot (its id).")
    format: Literal[tuple(SessionFormat.values)] | None = Field(None, description="online or offline.")
    starts_after: date | None = Field(None, description="Sessions starting on or after this day (YYYY-MM-DD).")
    starts_before: date | None = Field(None, description="Sessions starting on or before this day (YYYY-MM-DD).")
    bbox: str | None = Field(None, max_length=200, description="west,south,east,north in degrees (WGS 84).")
    ordering: Literal["starts_at", "-starts_at", "id", "-id"] = "starts_at"

    iso_days = field_validator("starts_after", "starts_before", mode="before")(iso_day)

    @field_validator("bbox")
    @classmethod
    def _bbox(cls, value):
        if value is not None:
            parse_bbox(value)
        return value

    @model_validator(mode="after")
    def _range_in_order(self):
        return range_in_order(self, "starts_after", "starts_before")


class SensorDailyParams(ListParams):
    site: str | None = Field(None, pattern=SLUG_PATTERN, max_length=60, description="A sensor site's code.")
    property: Literal[tuple(ObservedProperty.values)] | None = Field(None, description="The observed property.")
    role: Literal[tuple(SiteRole.values)] | None = Field(None, description="pilot or control sites.")
    day_after: date | None = Field(None, description="Days on or after this one (YYYY-MM-DD, Seoul days).")
    day_before: date | None = Field(None, description="Days on or before this one (YYYY-MM-DD, Seoul days).")
    ordering: Literal["start", "-start"] = "start"

    iso_days = field_validator("day_after", "day_before", mode="before")(iso_day)

    @model_validator(mode="after")
    def _range_in_order(self):
        return range_in_order(self, "day_after", "day_before")


class ReferenceParams(ListParams):
    ordering: Literal["id", "-id"] = "id"


def reject_unknown(request, params: type[Schema]) -> None:
    """A misspelt filter must not silently return everything: name the parameters we do not know."""
    known = set(params.model_fields)
    unknown = sorted(set(request.GET) - known)
    if unknown:
        raise ApiError(
            _("Unknown query parameter(s): %(names)s. Known: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(sorted(known))}
        )
