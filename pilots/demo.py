"""Demo pilots modelled on Seoul's district living labs, with phases, partners, metrics and a year of data.

Idempotent: the index and each pilot are created once (matched by slug); running again changes nothing.
"""

import datetime
import math
from decimal import Decimal

from django.db import transaction

from home.models import HomePage

from .models import (
    PhaseStatus,
    PilotIndexPage,
    PilotMetric,
    PilotPage,
    PilotPartner,
    PilotPhase,
    PilotProposal,
    PilotStatus,
    ResultDataPoint,
    ResultSeries,
)
from .services import set_up_pilot_index

FIRST_MONTH = datetime.date(2025, 12, 1)


def _month_ends(count: int = 12) -> list[datetime.date]:
    ends = []
    year, month = FIRST_MONTH.year, FIRST_MONTH.month
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


PILOTS = [
    {
        "slug": "smart-bus-shelter-seongsu",
        "title": "성수동 스마트 버스 쉼터 · Smart bus shelter in Seongsu-dong",
        "summary": (
            "A heated and cooled bus shelter with a real-time arrival board, phone chargers and an emergency bell, "
            "tried at two stops in Seongdong-gu where residents asked for shelter from heat waves and cold."
        ),
        "area": "seongsu-1ga-1-dong",
        "category": "mobility",
        "status": PilotStatus.EVALUATING,
        "budget": 180_000_000,
        "partners": [
            ("성동구청 교통행정과", "Runs the pilot", "https://www.sd.go.kr"),
            ("Seongsu Residents' Association", "Residents' voice and survey", ""),
            ("Hanyang University", "Independent evaluation", "https://www.hanyang.ac.kr"),
        ],
        "phases": [
            ("Co-design with residents", "2025-09-01", "2025-10-31", PhaseStatus.DONE),
            ("Installation at two stops", "2025-11-01", "2025-11-30", PhaseStatus.DONE),
            ("Trial year", "2025-12-01", "2026-11-30", PhaseStatus.DONE),
            ("Evaluation and decision", "2026-12-01", "2027-01-31", PhaseStatus.IN_PROGRESS),
        ],
        "metrics": [
            ("Daily users per shelter", "people", 0, 400, 520, True, "Counted by the door sensor."),
            ("Peak summer temperature inside", "°C", 34, 28, Decimal("27.5"), False, "Measured at 3 p.m. in August."),
            ("Residents satisfied", "%", 52, 80, 84, True, "Survey of 412 users in October."),
        ],
        "series": [
            ("Shelter users", "people/month", "Users counted at both shelters each month.", _shelter_users),
            ("Temperature inside", "°C", "Monthly average at 3 p.m.", _shelter_temperature),
        ],
    },
    {
        "slug": "iot-safety-sensors-guro",
        "title": "구로 옹벽·빗물펌프장 IoT 안전센서 · IoT safety sensors on a retaining wall and pumping station",
        "summary": (
            "Tilt, crack and water-level sensors on an old retaining wall and a rain-water pumping station in "
            "Guro-gu send readings every ten minutes and alert the duty officer before a small problem grows."
        ),
        "area": "guro-3-dong",
        "category": "safety",
        "status": PilotStatus.RUNNING,
        "budget": 95_000_000,
        "partners": [
            ("구로구청 안전총괄과", "Runs the pilot", "https://www.guro.go.kr"),
            ("Seoul Institute of Technology", "Sensor network", ""),
            ("Guro 3-dong neighbourhood watch", "Reports and drills", ""),
        ],
        "phases": [
            ("Survey of the wall", "2025-10-01", "2025-11-15", PhaseStatus.DONE),
            ("Sensors installed", "2025-11-16", "2025-11-30", PhaseStatus.DONE),
            ("Monitoring through the monsoon", "2025-12-01", "2026-11-30", PhaseStatus.IN_PROGRESS),
            ("Evaluation", "2026-12-01", None, PhaseStatus.PLANNED),
        ],
        "metrics": [
            ("Time to detect abnormal tilt", "minutes", 720, 10, 4, False, "Before: a monthly manual inspection."),
            ("False alarms", "per month", 12, 2, 3, False, ""),
            ("Sensor uptime", "%", 0, 99, Decimal("98.7"), True, ""),
        ],
        "series": [
            ("Wall tilt", "mm", "Largest displacement measured each month.", _wall_tilt),
            ("Alerts", "alerts/month", "Alerts sent to the duty officer.", _alerts),
        ],
    },
    {
        "slug": "smart-security-lights-wangsimni",
        "title": "왕십리 고장 감지 스마트 보안등 · Smart security lights with fault detection",
        "summary": (
            "Alley lights in Wangsimni report their own faults, so repairs start before residents have to call; "
            "they also brighten when someone walks by late at night."
        ),
        "area": "wangsimni-2-dong",
        "category": "safety",
        "status": PilotStatus.COMPLETED,
        "budget": 62_000_000,
        "partners": [
            ("성동구청 스마트도시과", "Runs the pilot", "https://www.sd.go.kr"),
            ("Korea Electric Safety Corporation", "Maintenance", ""),
        ],
        "phases": [
            ("Lights replaced in 14 alleys", "2025-11-01", "2025-11-30", PhaseStatus.DONE),
            ("Trial year", "2025-12-01", "2026-11-30", PhaseStatus.DONE),
            ("Extended to the whole district", "2026-12-01", None, PhaseStatus.PLANNED),
        ],
        "metrics": [
            ("Time to repair a fault", "hours", 72, 24, 18, False, "From fault to light working again."),
            ("Lights working on an average night", "%", 91, 99, Decimal("99.4"), True, ""),
            ("Residents who feel safe at night", "%", 48, 70, 66, True, "Survey of 230 residents."),
        ],
        "series": [
            ("Fault response time", "hours", "Average time to repair, by month.", _response_hours),
            ("Faults detected", "faults/month", "Faults the lights reported themselves.", _faults),
        ],
    },
]


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
    from proposals.models import Proposal, ProposalStatus
    from proposals.services import ActionRefused, change_status

    candidates = (
        Proposal.objects.public()
        .filter(category__slug=category_slug, pilot_links__isnull=True)
        .filter(status__in=[ProposalStatus.ACCEPTED, ProposalStatus.UNDER_REVIEW, ProposalStatus.PUBLISHED])
        .order_by("-vote_count", "pk")
    )
    # Accepted first: the district already decided on them.
    chosen = sorted(candidates[:10], key=lambda p: p.status != ProposalStatus.ACCEPTED)[:count]
    for proposal in chosen:
        steps = {
            ProposalStatus.PUBLISHED: [ProposalStatus.UNDER_REVIEW, ProposalStatus.ACCEPTED],
            ProposalStatus.UNDER_REVIEW: [ProposalStatus.ACCEPTED],
        }.get(proposal.status, [])
        for to_status in steps:
            try:
                change_status(
                    proposal,
                    to_status=to_status,
                    by=admin,
                    response="구청이 이 제안을 시범사업으로 추진합니다. The district will try this out in a pilot.",
                )
            except ActionRefused:
                break
    return [p for p in chosen if p.status == ProposalStatus.ACCEPTED]


def build_pilot(index: PilotIndexPage, spec: dict, *, admin) -> PilotPage | None:
    from proposals.models import Area, Category

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
        body=[
            ("heading", {"text": "왜 이 시범사업인가 · Why this pilot", "level": "h2"}),
            ("paragraph", f"<p>{spec['summary']}</p>"),
        ],
    )
    pilot.partners = [PilotPartner(name=n, role=r, url=u) for n, r, u in spec["partners"]]
    pilot.phases = [
        PilotPhase(
            title=title,
            start=datetime.date.fromisoformat(start),
            end=datetime.date.fromisoformat(end) if end else None,
            status=status,
        )
        for title, start, end, status in spec["phases"]
    ]
    pilot.metrics = [
        PilotMetric(name=n, unit=u, baseline=b, target=t, actual=a, higher_is_better=h, note=note)
        for n, u, b, t, a, h, note in spec["metrics"]
    ]
    pilot.series = [ResultSeries(name=n, unit=u, description=d) for n, u, d, _values in spec["series"]]
    pilot.pilot_proposals = [PilotProposal(proposal=p) for p in _proposals_for(spec["category"], admin=admin)]
    index.add_child(instance=pilot)
    months = _month_ends()
    points = []
    for series, (_n, _u, _d, values) in zip(pilot.series.all(), spec["series"], strict=True):
        points.extend(ResultDataPoint(series=series, date=day, value=values(i)) for i, day in enumerate(months))
    ResultDataPoint.objects.bulk_create(points)
    # Publishing moves the linked proposals to "piloting" (and "completed" for a finished pilot).
    pilot.save_revision(user=admin).publish(user=admin)
    return pilot


def build(*, users: dict, stdout=None) -> PilotIndexPage | None:
    from accounts.models import Role

    home = HomePage.objects.first()
    if home is None:
        return None
    admin = users.get(Role.ADMINISTRATOR)
    with transaction.atomic():
        index = build_index(home)
        created = [pilot for spec in PILOTS if (pilot := build_pilot(index, spec, admin=admin))]
    if stdout is not None:
        stdout.write(f"Pilots: {len(created)} created, {len(PILOTS) - len(created)} already there.")
    return index
