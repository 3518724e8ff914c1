"""The values search passes around: what a backend is asked (``SearchRequest``) and what it answers.

Both backends and the interface share these; none of them depends on another search module.
"""

import math
from dataclasses import dataclass, field

from django.db import models
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from proposals.models import Proposal

DEFAULT_RADIUS_KM = 1.0
EARTH_RADIUS_KM = 6371.0088


class Sort(models.TextChoices):
    RELEVANCE = "relevance", _("Best match")
    VOTES = "votes", _("Most supported")
    NEWEST = "newest", _("Newest")
    DISTANCE = "distance", _("Nearest")


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float

    @classmethod
    def parse(cls, latitude, longitude) -> "Point | None":
        """A point from two strings (form or query values), or None when either is missing or out of range."""
        try:
            lat, lon = float(latitude), float(longitude)
        except (TypeError, ValueError):
            return None
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        return cls(lat, lon)


@dataclass(frozen=True)
class Near:
    """Proposals within `radius_km` of a point ("near me")."""

    point: Point
    radius_km: float = DEFAULT_RADIUS_KM


@dataclass
class ProposalHit:
    proposal: Proposal
    title_html: SafeString
    snippet_html: SafeString
    distance_km: float | None = None


@dataclass
class FacetValue:
    key: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResult:
    query: str
    hits: list[ProposalHit]
    total: int
    page: int
    page_size: int
    sort: str
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)
    near: Near | None = None
    # True when the configured cluster failed and the database answered instead.
    degraded: bool = False

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def end_index(self) -> int:
        return min(self.total, self.page * self.page_size)


@dataclass
class SimilarProposal:
    proposal: Proposal
    score: float
    distance_km: float | None = None


@dataclass(frozen=True)
class SearchRequest:
    """A search after normalisation: what a backend receives."""

    query: str
    terms: list[str]
    filters: dict[str, str]
    sort: str
    page: int
    page_size: int
    near: Near | None


def haversine_km(a: Point, b: Point) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def proposal_point(proposal: Proposal) -> Point | None:
    if proposal.latitude is None or proposal.longitude is None:
        return None
    return Point(float(proposal.latitude), float(proposal.longitude))
