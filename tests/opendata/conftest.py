"""Public data with hidden, withdrawn and unpublished data next to it, marked so no response may contain them."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from wagtail.models import Page

from accounts.models import Role
from challenges.models import (
    ChallengeDecision,
    ChallengeIndexPage,
    ChallengePage,
    ChallengePartner,
    ChallengePilot,
    ChallengeStage,
    ChallengeStageChange,
    Shortlisting,
)
from codesign.models import Registration, Session, WalkIn
from pilots.models import PilotIndexPage, PilotMetric, PilotPage, PilotProposal, ResultDataPoint, ResultSeries
from proposals.models import Assessment, Comment, ProposalStatus, StatusChange
from sensors.models import DailyRollup, DataStream, SensorSite
from tests.factories import (
    AdministratorFactory,
    CategoryFactory,
    DongFactory,
    ExpertFactory,
    ProposalFactory,
    ResidentFactory,
)

SECRET = "SECRET-HIDDEN"


def _pilot(index, *, title, area, category, live=True, proposal=None):
    pilot = PilotPage(
        title=title, summary="Smart shelters at bus stops.", status="running", live=live, area=area, category=category
    )
    index.add_child(instance=pilot)
    if live:
        pilot.save_revision().publish()
    else:
        pilot.live = False
        pilot.save()
    PilotMetric.objects.create(page=pilot, name=f"{title} users", unit="people", baseline=10, target=20, actual=25)
    series = ResultSeries.objects.create(page=pilot, name=f"{title} monthly", unit="people")
    ResultDataPoint.objects.create(series=series, date=date(2026, 1, 1), value=12)
    if proposal is not None:
        PilotProposal.objects.create(page=pilot, proposal=proposal)
    return pilot


def _challenge(index, *, title, area, category, live=True, stage="discovery", pilot=None):
    challenge = ChallengePage(
        title=title, theme="Safer nights", question="Where is it dark?", live=False, current_stage=stage
    )
    challenge.areas = [area]
    challenge.categories = [category]
    challenge.stages = [
        ChallengeStage(stage="discovery", start=date(2026, 1, 1), end=date(2026, 1, 31), description="Call"),
        ChallengeStage(stage="codesign", start=date(2026, 2, 1), end=date(2026, 2, 28)),
    ]
    challenge.partners = [ChallengePartner(name=f"{title} university", kind="university", role="Measures")]
    challenge.pilot_links = [ChallengePilot(pilot=pilot)] if pilot is not None else []
    index.add_child(instance=challenge)
    if live:
        challenge.save_revision().publish()
    else:
        challenge.save_revision()
    return ChallengePage.objects.get(pk=challenge.pk)


def _sensors(pilot, *, code, name):
    site = SensorSite.objects.create(pilot=pilot, code=code, name=name, role="pilot", latitude=37.54, longitude=127.05)
    control = SensorSite.objects.create(
        pilot=pilot, code=f"{code}-c", name=f"{name} control", role="control", latitude=37.6, longitude=127.1
    )
    for where in (site, control):
        stream = DataStream.objects.create(site=where, observed_property="pm25")
        for day in (1, 2, 3):
            DailyRollup.objects.create(
                stream=stream,
                start=datetime(2026, 3, day, tzinfo=UTC) - timedelta(hours=9),
                count=144,
                clean_count=140,
                mean_all=20.5,
                mean=20.0 + day,
                minimum=5,
                maximum=60,
                p10=8,
                p50=19,
                p90=40,
            )
    return site


def _session(page, *, title, ended=False, **fields):
    start = timezone.now() + (timedelta(days=-2) if ended else timedelta(days=3))
    fields.setdefault("place", "Residents' Hall")
    return Session.objects.create(
        page=page, title=title, capacity=10, starts_at=start, ends_at=start + timedelta(hours=2), **fields
    )


def _codesign(data):
    """Sessions: a past one with attendance and published minutes, an online one whose link must never show,
    and three that must not appear (unpublished, on a draft challenge, minutes not yet published)."""
    past = _session(
        data["pilot"],
        title="Shelter workshop",
        ended=True,
        latitude="37.544000",
        longitude="127.056000",
        minutes="<p>We agreed on two shelters.</p>",
        minutes_published_at=timezone.now() - timedelta(days=1),
        registered_count=2,
    )
    past.proposals.set([data["visible"], data["hidden"]])
    for checked in (True, False):
        Registration.objects.create(
            session=past,
            user=ResidentFactory(),
            status="registered",
            checked_in_at=timezone.now() - timedelta(days=2) if checked else None,
        )
    WalkIn.objects.create(session=past, count=3, channel="paper", names=f"{SECRET} walk-in names")
    online = _session(
        data["challenge"],
        title="Online night walk",
        format="online",
        place="",
        online_url=f"https://meet.example/{SECRET}",
    )
    unpublished = _session(data["pilot"], title=f"{SECRET} unpublished session", is_published=False)
    on_draft = _session(data["draft_challenge"], title=f"{SECRET} session of a draft challenge", ended=True)
    _session(
        data["pilot"],
        title="Minutes to come",
        ended=True,
        minutes=f"<p>{SECRET} minutes</p>",
        minutes_published_at=timezone.now() + timedelta(days=5),
    )
    return {"session": past, "online_session": online, "unpublished_session": unpublished, "draft_session": on_draft}


@pytest.fixture
def public_data(db):
    dong = DongFactory(slug="seongsu-1", name="성수1가1동", latitude="37.544", longitude="127.056")
    category = CategoryFactory(slug="safety", name="안전")
    author = ResidentFactory(display_name="Kim Resident", email="kim-private@example.org")
    visible = ProposalFactory(
        area=dong,
        category=category,
        author=author,
        latitude="37.544000",
        longitude="127.056000",
        title='=HYPERLINK("http://evil") dark alley',
        status=ProposalStatus.UNDER_REVIEW,
    )
    other = ProposalFactory(area=dong, category=category, title="Bench in the park is broken again")
    hidden = ProposalFactory(
        area=dong,
        category=category,
        title=f"{SECRET} hidden one",
        is_hidden=True,
        latitude="37.545000",
        longitude="127.057000",
    )
    withdrawn = ProposalFactory(
        area=dong, category=category, title=f"{SECRET} withdrawn one", status=ProposalStatus.WITHDRAWN
    )
    admin = AdministratorFactory(display_name="District Office")
    expert = ExpertFactory(display_name="Dr Park")
    StatusChange.objects.create(
        proposal=visible,
        from_status="published",
        to_status="under_review",
        official_response="We are looking at it.",
        changed_by=admin,
    )
    StatusChange.objects.create(
        proposal=hidden,
        from_status="published",
        to_status="under_review",
        official_response=f"{SECRET} response",
        changed_by=admin,
    )
    StatusChange.objects.create(
        proposal=withdrawn, from_status="published", to_status="withdrawn", official_response=f"{SECRET} withdrawal"
    )
    Comment.objects.create(
        proposal=visible,
        author=admin,
        author_role=Role.ADMINISTRATOR,
        body="Official: a crew goes next week.",
        is_official_answer=True,
    )
    Comment.objects.create(
        proposal=hidden, author=admin, author_role=Role.ADMINISTRATOR, body=f"{SECRET} answer", is_official_answer=True
    )
    Assessment.objects.create(
        proposal=visible,
        expert=expert,
        feasibility=4,
        cost_range="under_10m",
        recommendation="pilot",
        text="Cheap to fix with a solar light, low risk.",
    )
    Assessment.objects.create(
        proposal=hidden,
        expert=expert,
        feasibility=2,
        cost_range="under_10m",
        recommendation="reject",
        text=f"{SECRET} assessment text here",
    )
    root = Page.objects.get(depth=1).get_children().first()
    index = PilotIndexPage(title="Pilots", slug="pilots-test")
    root.add_child(instance=index)
    live_pilot = _pilot(index, title="Shelter pilot", area=dong, category=category, proposal=visible)
    PilotProposal.objects.create(page=live_pilot, proposal=hidden)
    draft_pilot = _pilot(index, title=f"{SECRET} draft pilot", area=dong, category=category, live=False)
    challenges = ChallengeIndexPage(title="Challenges", slug="challenges-test")
    root.add_child(instance=challenges)
    challenge = _challenge(challenges, title="Dark alleys", area=dong, category=category, pilot=live_pilot)
    draft_challenge = _challenge(
        challenges, title=f"{SECRET} draft challenge", area=dong, category=category, live=False
    )
    ChallengeStageChange.objects.create(challenge=challenge, from_stage="discovery", to_stage="codesign", note="Go")
    challenge.current_stage = "codesign"
    challenge.save(update_fields=["current_stage"])
    decision = ChallengeDecision.objects.create(
        challenge=challenge,
        outcome="adapt",
        reasons="Brighter, but only at night.",
        budget_consequence="Another year from the smart-city fund.",
        evidence={
            "pilots": [
                {"id": live_pilot.pk, "title": "Shelter pilot", "metrics": []},
                {"id": draft_pilot.pk, "title": f"{SECRET} evidence of a draft pilot", "metrics": []},
            ]
        },
    )
    draft_decision = ChallengeDecision.objects.create(
        challenge=draft_challenge,
        outcome="stop",
        reasons=f"{SECRET} reasons of a draft challenge's decision",
        budget_consequence=f"{SECRET} budget",
    )
    draft_decision.dongs.set([dong])
    for proposal, where in ((visible, challenge), (hidden, challenge), (other, draft_challenge)):
        proposal.challenge = where
        proposal.save(update_fields=["challenge"])
    Shortlisting.objects.create(proposal=visible, challenge=challenge)
    Shortlisting.objects.create(proposal=hidden, challenge=challenge)
    _sensors(live_pilot, code="seongsu-pm-01", name="School gate")
    _sensors(draft_pilot, code="secret-pm-01", name=f"{SECRET} site")
    data = {
        "visible": visible,
        "other": other,
        "hidden": hidden,
        "pilot": live_pilot,
        "challenge": challenge,
        "draft_challenge": draft_challenge,
    }
    return {
        **_codesign(data),
        "challenge": challenge,
        "draft_challenge": draft_challenge,
        "decision": decision,
        "draft_decision": draft_decision,
        "visible": visible,
        "other": other,
        "hidden": hidden,
        "withdrawn": withdrawn,
        "pilot": live_pilot,
        "draft": draft_pilot,
        "author": author,
        "dong": dong,
        "category": category,
    }
