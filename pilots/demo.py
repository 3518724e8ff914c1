"""Demo pilots modelled on Seoul's district living labs, with phases, partners, metrics and a year of data.

Idempotent: the index and each pilot are created once (matched by slug); running again changes nothing.
"""

import datetime
import math
from decimal import Decimal

from accounts.models import Role
from home.models import HomePage
from livinglab.demo import build_index_and_children, builder, load
from livinglab.errors import ActionRefused
from proposals.models import OPEN_STATUSES, Area, Category, Proposal, ProposalStatus, transition_path
from proposals.services import change_status

from .models import (
    PilotIndexPage,
    PilotMetric,
    PilotPage,
    PilotPartner,
    PilotPhase,
    PilotProposal,
    ResultDataPoint,
    ResultSeries,
)
from .services import set_up_pilot_index


def _month_ends(count: int = 12) -> list[datetime.date]:
    ends = []
    first = datetime.date.fromisoformat(DATA["first_month"])
    year, month = first.year, first.month
    for _ in range(count):
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        ends.append(datetime.date(next_year, next_month, 1) - datetime.timedelta(days=1))
        year, month = next_year, next_month
    return ends


def _shelter_users(i: int) -> Decimal:
    # Growing use with a summer and winter peak, when shade and heating matter most.
    return Decimal(round(900 + 140 * i + 350 * abs(math.sin((i + 1) * math.pi / 6))))


def _shelter_temperature(i: int) -> Decimal:
    return Decimal(str(round(18 + 9 * math.sin((i - 3) * math.pi / 6), 1)))


def _wall_tilt(i: int) -> Decimal:
    return Decimal(str(round(1.2 + 0.15 * i + (0.9 if i in (7, 8) else 0), 2)))  # the monsoon months


def _alerts(i: int) -> Decimal:
    return Decimal([0, 0, 1, 0, 0, 2, 0, 5, 3, 1, 0, 0][i])


def _response_hours(i: int) -> Decimal:
    return Decimal(str(round(70 - 4.5 * i, 1))) if i < 6 else Decimal(str(round(26 - 1.5 * (i - 6), 1)))


def _faults(i: int) -> Decimal:
    return Decimal([14, 12, 11, 15, 9, 8, 10, 13, 7, 6, 6, 5][i])


DATA = load(__file__, "pilots")
PILOTS = DATA["pilots"]
# The monthly values of each demo series, named in the data file.
SERIES_VALUES = {
    "shelter_users": _shelter_users,
    "shelter_temperature": _shelter_temperature,
    "wall_tilt": _wall_tilt,
    "alerts": _alerts,
    "response_hours": _response_hours,
    "faults": _faults,
}


def build_index(home: HomePage) -> PilotIndexPage:
    index = PilotIndexPage.objects.child_of(home).first()
    if index is None:
        index = PilotIndexPage(
            title="시범사업 · Pilots",
            slug="pilots",
            intro="주민 제안에서 시작한 시범사업과 그 결과입니다. The pilots that grew from residents' proposals, "
            "and what they achieved.",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    set_up_pilot_index(index)
    return index


def _proposals_for(category_slug: str, *, admin, count: int = 2) -> list:
    """Demo proposals in the category that no pilot answers yet; accepted through the services if needed."""
    candidates = (
        Proposal.objects.public()
        .filter(category__slug=category_slug, pilot_links__isnull=True)
        .filter(status__in=[s for s in OPEN_STATUSES if transition_path(s, ProposalStatus.ACCEPTED) is not None])
        .order_by("-vote_count", "pk")
    )
    # Accepted first: the district already decided on them.
    chosen = sorted(candidates[:10], key=lambda p: p.status != ProposalStatus.ACCEPTED)[:count]
    for proposal in chosen:
        for to_status in transition_path(proposal.status, ProposalStatus.ACCEPTED):
            try:
                change_status(proposal, to_status=to_status, by=admin, response=DATA["acceptance_response"])
            except ActionRefused:
                break
    return [p for p in chosen if p.status == ProposalStatus.ACCEPTED]


def _month_points(pilot: PilotPage, spec: dict) -> list[ResultDataPoint]:
    months = _month_ends()
    points = []
    for series, series_spec in zip(pilot.series.all(), spec["series"], strict=True):
        values = SERIES_VALUES[series_spec["values"]]
        points.extend(ResultDataPoint(series=series, date=day, value=values(i)) for i, day in enumerate(months))
    return points


def build_pilot(index: PilotIndexPage, spec: dict, *, admin) -> PilotPage | None:
    if PilotPage.objects.child_of(index).filter(slug=spec["slug"]).exists():
        return None
    pilot = PilotPage(
        title=spec["title"],
        slug=spec["slug"],
        summary=spec["summary"],
        area=Area.objects.filter(slug=spec["area"]).first(),
        category=Category.objects.filter(slug=spec["category"]).first(),
        status=spec["status"],
        budget=spec["budget"],
        body=[("heading", DATA["body_heading"]), ("paragraph", f"<p>{spec['summary']}</p>")],
    )
    pilot.partners = [PilotPartner(**partner) for partner in spec["partners"]]
    pilot.phases = [
        PilotPhase(
            title=phase["title"],
            start=datetime.date.fromisoformat(phase["start"]),
            end=datetime.date.fromisoformat(phase["end"]) if phase["end"] else None,
            status=phase["status"],
        )
        for phase in spec["phases"]
    ]
    pilot.metrics = [
        PilotMetric(**{**metric, **{key: Decimal(str(metric[key])) for key in ("baseline", "target", "actual")}})
        for metric in spec["metrics"]
    ]
    pilot.series = [ResultSeries(name=s["name"], unit=s["unit"], description=s["description"]) for s in spec["series"]]
    pilot.pilot_proposals = [PilotProposal(proposal=p) for p in _proposals_for(spec["category"], admin=admin)]
    index.add_child(instance=pilot)
    ResultDataPoint.objects.bulk_create(_month_points(pilot, spec))
    # Publishing moves the linked proposals to "piloting" (and "completed" for a finished pilot).
    pilot.save_revision(user=admin).publish(user=admin)
    return pilot


@builder(order=20)
def build(*, users: dict, stdout=None) -> PilotIndexPage | None:
    return build_index_and_children(
        HomePage.objects.first(),
        build_index=build_index,
        build_child=build_pilot,
        specs=PILOTS,
        admin=users.get(Role.ADMINISTRATOR),
        label="Pilots",
        stdout=stdout,
    )
