"""Demo co-design: sessions (one full, with a waiting list), lab participants and a before/after survey.

Runs after the pilots and the challenges (``order=35``). Sessions, participants and surveys go on the
Seongdong smart-shelter pilot; when a challenges app is installed, each challenge page gets a session too. That app is looked up by
name (``apps.is_installed``/``apps.get_model``), never imported. Idempotent: every object is matched by a
natural key and created once.
"""

import datetime
import random
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from home.models import HomePage
from livinglab.demo import builder
from pilots.models import PilotPage

from .models import (
    ConsentText,
    LabParticipant,
    Registration,
    RegistrationStatus,
    Session,
    SessionFormat,
    SurveyAnswer,
    SurveyAudience,
    SurveyField,
    SurveyPage,
)

SHELTER_SLUG = "smart-bus-shelter-seongsu"
DEMO_RESIDENTS = [(f"codesign-resident-{n}@demo.livinglab.example", f"성동 주민 {n}") for n in range(1, 9)]

CONSENT_TEXT = (
    "성수동 스마트 버스 쉼터 시범사업에 테스트 사용자로 참여합니다.\n\n"
    "• 쉼터를 이용한 뒤 짧은 설문(사전·사후)에 답합니다.\n"
    "• 설문 답변은 시범사업 평가에만 쓰이며, 결과는 개인을 알아볼 수 없는 통계로만 공개됩니다.\n"
    "• 언제든지 참여를 그만둘 수 있으며, 그만두어도 불이익이 없습니다.\n\n"
    "I take part as a test user of the smart bus shelter pilot; I can withdraw at any time."
)

COMFORT = ["매우 불편 · Very uncomfortable", "불편 · Uncomfortable", "보통 · So-so", "편안 · Comfortable"]
QUESTIONS = [
    ("radio", "버스를 기다리는 동안 얼마나 편안한가요? · How comfortable is waiting for the bus?", "\n".join(COMFORT)),
    ("scale", "쉼터의 여름철 더위 대책 만족도 · Satisfaction with heat relief in summer", ""),
    ("checkboxes", "자주 쓰는 기능 · Features you use", "냉난방 의자\n휴대폰 충전\n실시간 버스 정보\n공기청정기"),
    ("multiline", "하고 싶은 말 · Anything else?", ""),
]


def _residents() -> list:
    User = get_user_model()
    people = []
    for email, name in DEMO_RESIDENTS:
        user, created = User.objects.get_or_create(email=email, defaults={"display_name": name, "role": Role.RESIDENT})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        people.append(user)
    return people


def _session(page, *, title: str, days: int, capacity: int, online: bool = False) -> tuple[Session, bool]:
    existing = Session.objects.filter(page_id=page.pk, title=title).first()
    if existing is not None:
        return existing, False
    start = (timezone.localtime() + datetime.timedelta(days=days)).replace(hour=19, minute=0, second=0, microsecond=0)
    session = Session(
        page_id=page.pk,
        title=title,
        description="주민, 전문가, 구청이 함께 쉼터를 어떻게 바꿀지 이야기합니다. · Residents, experts and the district "
        "work out together what to change.",
        format=SessionFormat.ONLINE if online else SessionFormat.OFFLINE,
        online_url="https://meet.example.org/seongdong-shelter" if online else "",
        place="" if online else "성동구 주민회관 2층 · Seongdong Residents' Hall, 2F",
        address="" if online else "서울 성동구 고산자로 270",
        latitude=None if online else Decimal("37.563456"),
        longitude=None if online else Decimal("127.036821"),
        capacity=capacity,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    session.full_clean()
    session.save()
    return session, True


def _fill(session: Session, people: list, count: int) -> None:
    """Register ``count`` people in order: past the capacity they join the waiting list, as on the site."""
    for person in people[:count]:
        seated = session.registered_count < session.capacity
        Registration.objects.create(
            session=session,
            user=person,
            status=RegistrationStatus.REGISTERED if seated else RegistrationStatus.WAITING,
        )
        if seated:
            session.registered_count += 1
    Session.objects.filter(pk=session.pk).update(registered_count=session.registered_count)


def build_sessions(page, people: list) -> int:
    created = 0
    full, new = _session(page, title="쉼터 개선 워크숍 · Shelter improvement workshop", days=5, capacity=5)
    if new:
        _fill(full, people, 7)  # five seats taken, two people waiting
        created += 1
    online, new = _session(
        page, title="온라인 중간 점검 회의 · Online check-in meeting", days=12, capacity=30, online=True
    )
    if new:
        _fill(online, people, 3)
        created += 1
    return created


def build_participants(page, people: list) -> ConsentText:
    consent, _created = ConsentText.objects.get_or_create(page_id=page.pk, version=1, defaults={"text": CONSENT_TEXT})
    for person in people[:6]:
        if not LabParticipant.objects.filter(page_id=page.pk, user=person).exists():
            LabParticipant.objects.create(page_id=page.pk, user=person, consent=consent)
    return consent


def _survey(home, page, phase: str) -> SurveyPage:
    slug = f"{page.slug}-survey-{phase}"
    existing = SurveyPage.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    title = {"before": "시범사업 전 설문 · Before the pilot", "after": "시범사업 후 설문 · After the pilot"}[phase]
    survey = SurveyPage(
        title=title,
        slug=slug,
        subject_page=page,
        phase=phase,
        audience=SurveyAudience.PARTICIPANTS,
        intro="2분이면 끝나요. · It takes two minutes.",
        thank_you_text="답해 주셔서 고맙습니다. · Thank you for answering.",
    )
    survey.form_fields = [
        SurveyField(field_type=kind, label=label, choices=choices, required=kind != "multiline")
        for kind, label, choices in QUESTIONS
    ]
    home.add_child(instance=survey)
    survey.save_revision().publish()
    return survey


def build_surveys(home, page, people: list) -> None:
    rng = random.Random(7)  # the same demo answers every time
    for phase, comfort_weights, scale_low in (("before", (3, 4, 2, 1), 1), ("after", (0, 1, 3, 6), 3)):
        survey = _survey(home, page, phase)
        fields = {f.field_type: f.clean_name for f in survey.form_fields.all()}
        for person in people[:6]:
            if SurveyAnswer.objects.filter(page=survey, user=person).exists():
                continue
            data = {
                fields["radio"]: rng.choices(COMFORT, weights=comfort_weights)[0],
                fields["scale"]: str(rng.randint(scale_low, min(scale_low + 2, 5))),
                fields["checkboxes"]: rng.sample(["냉난방 의자", "휴대폰 충전", "실시간 버스 정보", "공기청정기"], 2),
                fields["multiline"]: "",
            }
            SurveyAnswer.objects.create(page=survey, user=person, form_data=data)


def challenge_page_model():
    """``challenges.ChallengePage`` when that app is installed, else None (looked up by name, never imported)."""
    if not apps.is_installed("challenges"):
        return None
    try:
        return apps.get_model("challenges", "ChallengePage")
    except LookupError:
        return None


def challenge_pages() -> list:
    model = challenge_page_model()
    return list(model.objects.all()) if model is not None else []


@builder(order=35)
def build(*, users: dict, stdout=None) -> int:
    home = HomePage.objects.first()
    shelter = PilotPage.objects.filter(slug=SHELTER_SLUG).first()
    if home is None or shelter is None:
        return 0
    with transaction.atomic():
        people = _residents()
        if users.get(Role.RESIDENT) is not None:
            people = [*people[:4], users[Role.RESIDENT], *people[4:]]
        created = build_sessions(shelter, people)
        build_participants(shelter, people)
        build_surveys(home, shelter, people)
        for challenge in challenge_pages():
            _session_obj, new = _session(challenge, title="공동설계 워크숍 · Co-design workshop", days=8, capacity=20)
            created += new
    if stdout is not None:
        stdout.write(f"Co-design: {created} sessions created.")
    return created
