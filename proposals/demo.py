"""Demo proposals: about 200 local problems across the demo neighbourhoods, in Korean and English.

Each proposal comes from a template of a realistic local problem placed at a landmark of its dong, with
votes from generated demo residents, a discussion with replies, expert assessments and a status history
that matches its state. Rows are written with ``bulk_create`` (fast, and no notifications go out for
made-up activity); the few moderation steps go through the services so they reach the audit log.

``build`` is idempotent: demo residents are looked up before they are created, and proposals are only
generated when no demo resident has filed one yet.
"""

import random
from datetime import timedelta
from decimal import Decimal
from itertools import product

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import ROLE_GROUPS, Role, User

from . import services
from .models import (
    Area,
    Assessment,
    Category,
    Comment,
    CostRange,
    Proposal,
    ProposalStatus,
    Recommendation,
    StatusChange,
    Vote,
)

SEED = 20261126
PROPOSAL_COUNT = 200
RESIDENT_COUNT = 60
RESIDENT_EMAIL = "resident{:02d}@demo.livinglab.example"
EXPERT_EMAIL = "expert{:02d}@demo.livinglab.example"

SURNAMES = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황"]
GIVEN_NAMES = ["민준", "서연", "지호", "하은", "도윤", "수아", "예준", "지우", "시우", "서윤", "영숙", "정희", "순자"]
ENGLISH_NAMES = ["Alex Kim", "Jamie Park", "Sam Lee", "Chris Choi", "Dana Jung", "Robin Kang", "Taylor Yoon"]

EXPERTS = [
    ("기후환경 연구원 한지수", "Air quality and climate adaptation", "Seoul Institute of Technology"),
    ("교통공학 박사 오민석", "Traffic engineering", "Korea Transport Institute"),
    ("사회복지사 윤미래", "Community care and ageing", "Seongdong Welfare Foundation"),
]

# Landmarks per dong: (Korean, English).
PLACES = {
    "seongsu-1ga-1-dong": [
        ("성수역 3번 출구", "Seongsu Station exit 3"),
        ("서울숲 남쪽 입구", "the south gate of Seoul Forest"),
        ("성수동 수제화 거리", "the Seongsu handmade-shoe street"),
    ],
    "wangsimni-2-dong": [
        ("왕십리역 6번 출구", "Wangsimni Station exit 6"),
        ("도선동 주택가 골목", "the Doseon-dong residential alleys"),
        ("무학초등학교 정문", "the front gate of Muhak Elementary"),
    ],
    "geumho-2-3ga-dong": [
        ("금호역 1번 출구", "Geumho Station exit 1"),
        ("금호산 산책로", "the Geumhosan walking trail"),
        ("금호초등학교 후문", "the back gate of Geumho Elementary"),
    ],
    "haengdang-1-dong": [
        ("행당역 사거리", "the Haengdang Station crossroads"),
        ("행당동 언덕길 옹벽", "the hillside retaining wall in Haengdang-dong"),
        ("행당1동 경로당", "the Haengdang 1-dong senior centre"),
    ],
    "guro-3-dong": [
        ("구로디지털단지역 2번 출구", "Guro Digital Complex Station exit 2"),
        ("구로3동 주민센터", "the Guro 3-dong community centre"),
        ("도림천 산책로", "the Dorimcheon riverside path"),
    ],
    "gaebong-1-dong": [
        ("개봉역 북쪽 광장", "the north plaza of Gaebong Station"),
        ("개봉1동 빗물펌프장", "the Gaebong 1-dong rainwater pumping station"),
        ("개봉초등학교 앞", "the front of Gaebong Elementary"),
    ],
    "sindorim-dong": [
        ("신도림역 1번 출구", "Sindorim Station exit 1"),
        ("도림천 징검다리", "the Dorimcheon stepping stones"),
        ("신도림 공원 놀이터", "the Sindorim park playground"),
    ],
    "oryu-2-dong": [
        ("오류동역 앞 버스정류장", "the bus stop at Oryu-dong Station"),
        ("오류시장 골목", "the Oryu market alley"),
        ("항동 철길 입구", "the Hangdong railway-path entrance"),
    ],
}

# category slug, Korean title, Korean description, English title, English description.
PROBLEMS = [
    (
        "safety",
        "{place} 골목이 밤에 너무 어두워요",
        "{place} 뒤쪽 골목은 가로등이 두 개뿐이고 그중 하나는 몇 주째 꺼져 있습니다. "
        "밤늦게 귀가하는 학생과 어르신들이 **불안해합니다**. 보안등을 늘려 주세요.",
        "The alley behind {place} is too dark at night",
        "There are only two street lights behind {place} and one has been out for weeks. "
        "Students and older residents coming home late feel **unsafe**. Please add security lights.",
    ),
    (
        "mobility",
        "{place} 불법 주정차 때문에 보행이 위험해요",
        "출퇴근 시간마다 {place} 앞 보도와 횡단보도 위에 차량이 서 있습니다.\n\n"
        "- 유모차와 휠체어가 차도로 내려가야 합니다\n- 아이들이 차 사이로 갑자기 나옵니다\n\n단속이나 볼라드 설치가 필요합니다.",
        "Illegal parking at {place} puts pedestrians at risk",
        "At rush hour cars park on the pavement and crossing at {place}.\n\n"
        "- Prams and wheelchairs have to use the road\n- Children step out between parked cars\n\n"
        "We need enforcement or bollards.",
    ),
    (
        "environment",
        "{place} 통학로에 미세먼지 측정기가 필요해요",
        "{place} 주변은 큰길과 공사장이 가까워 미세먼지가 심한 날이 많습니다. "
        "아이들이 걷는 통학로의 실제 농도를 알 수 있도록 측정기와 안내 전광판을 설치해 주세요.",
        "We need a fine-dust monitor on the school route near {place}",
        "The school route near {place} runs beside a main road and a building site. "
        "A monitor with a display would show parents the real fine-dust levels where children walk.",
    ),
    (
        "mobility",
        "{place} 버스정류장 지붕이 부서졌어요",
        "지난 태풍 이후 {place} 버스정류장 지붕 유리가 깨진 채로 있습니다. "
        "비 오는 날 어르신들이 우산 없이 기다리십니다. 스마트 쉘터로 교체하면 좋겠습니다.",
        "The bus shelter roof at {place} is broken",
        "Since the last typhoon the glass roof of the bus shelter at {place} has been broken. "
        "Older people wait in the rain. A smart shelter with heating and seats would help.",
    ),
    (
        "safety",
        "{place} 옹벽에 금이 점점 커지고 있어요",
        "{place}의 오래된 옹벽에 가로로 긴 균열이 생겼고, 비가 온 뒤에는 물이 배어 나옵니다. "
        "붕괴가 걱정됩니다. **IoT 기울기 센서**로 상시 점검해 주세요.",
        "Cracks are spreading in the retaining wall at {place}",
        "A long horizontal crack has opened in the old retaining wall at {place}, and water seeps out "
        "after rain. Residents fear a collapse. Please monitor it with **IoT tilt sensors**.",
    ),
    (
        "safety",
        "비가 많이 오면 {place} 일대가 침수돼요",
        "집중호우 때마다 {place} 주변 도로와 반지하 주택에 물이 찹니다. "
        "빗물펌프장 용량이 부족한 것 같습니다. 침수 경보 알림도 함께 필요합니다.",
        "Streets around {place} flood in every heavy rain",
        "Every downpour floods the roads and basement homes around {place}. The rainwater pumping "
        "station seems too small. We also need flood alerts sent to residents' phones.",
    ),
    (
        "digital-inclusion",
        "{place} 무인 키오스크를 어르신도 쓸 수 있게 해 주세요",
        "{place} 근처 가게와 민원 창구가 키오스크로 바뀌면서 어르신들이 주문과 발급을 못 하고 돌아가십니다. "
        "큰 글씨·음성 안내 모드와 도우미 배치를 제안합니다.",
        "Make the self-service kiosks at {place} usable for older residents",
        "Shops and service counters near {place} switched to kiosks, and many older residents leave "
        "without being served. We suggest a large-text and voice mode, and a helper at busy times.",
    ),
    (
        "care",
        "{place} 주변 홀몸 어르신 안부 확인이 필요해요",
        "{place} 주변에는 혼자 사시는 어르신이 많습니다. "
        "전력 사용량이나 문 열림 센서로 이상을 알려 주는 돌봄 서비스를 도입해 주세요.",
        "A check-in service for older people living alone around {place}",
        "Many older people live alone around {place}. A care service using power-use or door sensors "
        "could alert a care worker when something seems wrong.",
    ),
    (
        "public-space",
        "{place}에 쉬어 갈 벤치와 그늘이 없어요",
        "{place}는 오르막이 길어 어르신들이 중간에 쉬어야 하는데 앉을 곳이 없습니다. "
        "벤치와 그늘막, 가능하다면 쿨링포그를 설치해 주세요.",
        "No benches or shade to rest at {place}",
        "The climb at {place} is long and older people need to stop, but there is nowhere to sit. "
        "Please add benches and shade, and a cooling mist in summer if possible.",
    ),
    (
        "mobility",
        "{place} 횡단보도 신호가 너무 짧아요",
        "{place} 횡단보도는 보행 신호가 짧아 어르신과 아이들이 다 건너기 전에 빨간불이 됩니다. "
        "보행자 감지형 스마트 신호등을 제안합니다.",
        "The pedestrian light at {place} is too short",
        "The green light at {place} ends before older people and children reach the other side. "
        "A smart signal that detects people still crossing would fix this.",
    ),
    (
        "environment",
        "{place} 쓰레기 무단투기가 계속돼요",
        "{place} 전봇대 아래에 매일 쓰레기 봉투와 대형 폐기물이 쌓입니다. "
        "냄새와 벌레 때문에 여름이 힘듭니다. 스마트 CCTV나 수거함 설치가 필요합니다.",
        "Rubbish keeps being dumped at {place}",
        "Bags and bulky waste pile up every day under the pole at {place}. The smell and insects make "
        "summer miserable. A smart camera or proper collection bins would help.",
    ),
    (
        "safety",
        "{place}에 스마트 보안등을 설치해 주세요",
        "{place}는 인적이 드물어 밤에 지나가기 무섭습니다. "
        "사람이 지나가면 밝아지고 비상벨이 달린 스마트 보안등을 요청합니다.",
        "Install smart security lights at {place}",
        "Few people pass {place} at night and it feels unsafe. Smart lights that brighten when someone "
        "walks by, with an emergency bell, would make a big difference.",
    ),
    (
        "mobility",
        "{place} 주변에 거주자 공유주차를 도입해 주세요",
        "{place} 주변은 주차 공간이 부족해 골목마다 이중 주차가 생깁니다. "
        "낮에 비는 건물 주차장을 주민과 나눠 쓰는 공유주차를 제안합니다.",
        "Shared resident parking around {place}",
        "There is too little parking around {place}, so cars double-park in every alley. Office car "
        "parks that stand empty at night could be shared with residents.",
    ),
    (
        "digital-inclusion",
        "{place} 공공 와이파이가 자꾸 끊겨요",
        "{place}의 공공 와이파이가 자주 끊겨 휴대폰 요금이 부담되는 주민들이 불편합니다. "
        "접속 장비 점검과 증설을 부탁드립니다.",
        "Public Wi-Fi at {place} keeps dropping",
        "The free public Wi-Fi at {place} drops every few minutes, which hurts residents who cannot "
        "afford large data plans. Please check and add access points.",
    ),
    (
        "care",
        "{place} 근처에 방과후 돌봄 공간이 부족해요",
        "맞벌이 가정이 많은 {place} 주변에 방과후 돌봄 교실 대기가 깁니다. "
        "유휴 공공공간을 활용한 돌봄 공간을 만들어 주세요.",
        "Not enough after-school care near {place}",
        "Many working families live near {place} and the waiting list for after-school care is long. "
        "Unused public rooms could become a care space.",
    ),
    (
        "public-space",
        "{place} 놀이터 시설이 낡고 위험해요",
        "{place} 놀이터 미끄럼틀이 녹슬고 바닥 고무가 떨어져 나갔습니다. "
        "아이들이 다칠까 걱정됩니다. 주민 의견을 들어 새로 꾸며 주세요.",
        "The playground at {place} is worn out and unsafe",
        "The slide at {place} is rusty and the rubber floor is coming apart. Parents worry children "
        "will get hurt. Please redesign it with residents' input.",
    ),
    (
        "environment",
        "{place} 야간 공사 소음이 너무 심해요",
        "{place} 인근 공사장이 밤 10시 넘어서까지 작업해 잠을 잘 수 없습니다. "
        "소음 측정기를 설치하고 결과를 공개해 주세요.",
        "Night-time construction noise at {place}",
        "The building site near {place} works past 10 pm and people cannot sleep. Please install a "
        "noise meter and publish its readings.",
    ),
    (
        "mobility",
        "{place} 공유 킥보드가 보도를 막아요",
        "{place} 보도 곳곳에 공유 킥보드가 쓰러져 있어 시각장애인과 어르신이 걸려 넘어질 뻔했습니다. "
        "지정 주차구역을 만들어 주세요.",
        "Shared e-scooters block the pavement at {place}",
        "E-scooters lie across the pavement at {place}; blind and older residents have nearly tripped. "
        "Please mark dedicated parking bays.",
    ),
    (
        "safety",
        "겨울마다 {place} 경사로가 얼어 미끄러워요",
        "{place} 경사로는 그늘이 져서 눈이 오면 며칠씩 얼어 있습니다. 열선 설치나 자동 제설함을 요청합니다.",
        "The slope at {place} freezes every winter",
        "The slope at {place} stays in shade and is icy for days after snow. Heating cables or an "
        "automatic de-icing box would prevent falls.",
    ),
    (
        "digital-inclusion",
        "{place}에서 어르신 스마트폰 교실을 열어 주세요",
        "{place}를 이용하는 어르신들이 병원 예약, 모바일 신분증, 키오스크 사용을 배우고 싶어 하십니다. "
        "주 1회 디지털 배움터를 제안합니다.",
        "Smartphone classes for seniors at {place}",
        "Older residents at {place} want to learn hospital bookings, mobile ID and kiosks. A weekly "
        "digital learning session with volunteers would help.",
    ),
]

COMMENTS_KO = [
    "저도 매일 지나가는데 정말 필요합니다.",
    "아이 키우는 입장에서 꼭 해결됐으면 좋겠어요.",
    "지난달에 구청에 전화했는데 아직 그대로예요.",
    "어르신들이 특히 불편해하세요. 공감합니다.",
    "비슷한 문제가 옆 동네에도 있어요.",
    "사진 찍어서 추가로 올려 볼게요.",
]
COMMENTS_EN = [
    "I walk past here every day, this really is needed.",
    "As a parent I hope this gets fixed soon.",
    "I phoned the office last month and nothing changed.",
    "My neighbours have the same problem one street over.",
    "Agreed, it is worst on rainy evenings.",
]
REPLIES_KO = ["맞아요, 저도 같은 생각입니다.", "구청 답변 기다려 봐요.", "좋은 의견 감사합니다!"]
REPLIES_EN = ["Exactly my experience too.", "Let's see what the district says.", "Thanks for adding this!"]
EXPERT_COMMENTS = [
    "현장 조건상 비교적 적은 비용으로 시범 적용이 가능해 보입니다.",
    "From an engineering view this is feasible; the main risk is maintenance after the pilot.",
    "유사 사례(성동구 스마트 쉼터)에서 효과가 확인되었습니다.",
]
OFFICIAL_ANSWERS = {
    ProposalStatus.ACCEPTED: "구청 리빙랩팀입니다. 검토 결과 제안을 채택하여 내년 시범사업 후보로 올렸습니다. "
    "The district has accepted this proposal as a candidate for next year's pilots.",
    ProposalStatus.REJECTED: "구청 리빙랩팀입니다. 해당 구간은 이미 재개발 계획에 포함되어 있어 별도 사업은 어렵습니다. "
    "This section is part of an approved redevelopment, so a separate project is not possible.",
    ProposalStatus.PILOTING: "시범사업을 시작했습니다. 진행 상황은 시범사업 페이지에서 확인하세요. "
    "The pilot has started; follow its progress on the pilot page.",
    ProposalStatus.COMPLETED: "시범사업이 끝났습니다. 결과와 측정값을 공개했습니다. "
    "The pilot is complete and its measured results are published.",
}
ASSESSMENT_TEXTS = [
    (
        "현장 조사 결과 설치 공간과 전원 확보가 가능합니다. 기존 시설과 연계하면 비용을 줄일 수 있습니다.",
        "유지보수 주체가 불분명하면 시범사업 이후 방치될 수 있습니다.",
    ),
    (
        "A site visit confirms power and space are available. Linking to existing district systems keeps "
        "costs down and lets results be measured from the first month.",
        "Maintenance after the pilot must be budgeted; sensors need yearly calibration.",
    ),
    (
        "The problem is real but needs a traffic count and resident survey before the district commits "
        "money. A three-month study would settle the design.",
        "Private land owners' consent may delay installation.",
    ),
]

# Share of proposals in each state, in order.
STATUS_MIX = [
    (ProposalStatus.PUBLISHED, 0.55),
    (ProposalStatus.UNDER_REVIEW, 0.14),
    (ProposalStatus.ACCEPTED, 0.10),
    (ProposalStatus.REJECTED, 0.06),
    (ProposalStatus.PILOTING, 0.05),
    (ProposalStatus.COMPLETED, 0.04),
    (ProposalStatus.WITHDRAWN, 0.06),
]
PATHS = {
    ProposalStatus.PUBLISHED: [],
    ProposalStatus.UNDER_REVIEW: [ProposalStatus.UNDER_REVIEW],
    ProposalStatus.ACCEPTED: [ProposalStatus.UNDER_REVIEW, ProposalStatus.ACCEPTED],
    ProposalStatus.REJECTED: [ProposalStatus.UNDER_REVIEW, ProposalStatus.REJECTED],
    ProposalStatus.PILOTING: [ProposalStatus.UNDER_REVIEW, ProposalStatus.ACCEPTED, ProposalStatus.PILOTING],
    ProposalStatus.COMPLETED: [
        ProposalStatus.UNDER_REVIEW,
        ProposalStatus.ACCEPTED,
        ProposalStatus.PILOTING,
        ProposalStatus.COMPLETED,
    ],
    ProposalStatus.WITHDRAWN: [ProposalStatus.WITHDRAWN],
}


def _statuses(rng: random.Random, count: int) -> list[str]:
    statuses = []
    for status, share in STATUS_MIX:
        statuses += [status] * round(share * count)
    statuses = (statuses + [ProposalStatus.PUBLISHED] * count)[:count]
    rng.shuffle(statuses)
    return statuses


def _demo_residents(rng: random.Random) -> list[User]:
    emails = [RESIDENT_EMAIL.format(n) for n in range(1, RESIDENT_COUNT + 1)]
    existing = {u.email: u for u in User.objects.filter(email__in=emails)}
    areas = list(Area.objects.filter(parent__isnull=False).order_by("slug"))
    # One unusable password hash for all: these accounts exist to vote and comment, not to sign in.
    unusable = make_password(None)
    missing = []
    for n, email in enumerate(emails, start=1):
        if email in existing:
            continue
        name = (
            ENGLISH_NAMES[n % len(ENGLISH_NAMES)] + f" {n}"
            if n % 6 == 0
            else f"{rng.choice(SURNAMES)}{rng.choice(GIVEN_NAMES)}"
        )
        missing.append(
            User(
                email=email,
                display_name=name,
                role=Role.RESIDENT,
                password=unusable,
                home_area=areas[n % len(areas)] if areas else None,
            )
        )
    created = User.objects.bulk_create(missing)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in created]
    )
    existing.update({u.email: u for u in created})
    return [existing[email] for email in emails]


def _demo_experts(main_expert: User | None) -> list[User]:
    experts = [main_expert] if main_expert else []
    group = Group.objects.filter(name=ROLE_GROUPS[Role.EXPERT]).first()
    unusable = make_password(None)
    for n, (name, expertise, organisation) in enumerate(EXPERTS, start=1):
        expert, created = User.objects.get_or_create(
            email=EXPERT_EMAIL.format(n),
            defaults={
                "display_name": name,
                "role": Role.EXPERT,
                "expertise": expertise,
                "organisation": organisation,
                "password": unusable,
            },
        )
        if created:
            EmailAddress.objects.create(user=expert, email=expert.email, verified=True, primary=True)
            if group:
                expert.groups.add(group)
        experts.append(expert)
    return experts


def _point(rng: random.Random, area: Area) -> tuple[Decimal | None, Decimal | None]:
    if rng.random() < 0.2:
        return None, None
    bounds = settings.PROPOSAL_MAP_BOUNDS
    lat = min(max(float(area.latitude) + rng.uniform(-0.004, 0.004), bounds["south"]), bounds["north"])
    lng = min(max(float(area.longitude) + rng.uniform(-0.005, 0.005), bounds["west"]), bounds["east"])
    return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")


def build(*, users: dict, stdout) -> None:
    """Create the demo proposals and everything around them, unless they already exist."""
    rng = random.Random(SEED)
    with transaction.atomic():
        residents = _demo_residents(rng)
        administrator = users.get(Role.ADMINISTRATOR)
        experts = _demo_experts(users.get(Role.EXPERT))
        if Proposal.objects.filter(author__email__in=[r.email for r in residents]).exists():
            stdout.write("Demo proposals already exist; nothing added.")
            return
        dongs = {a.slug: a for a in Area.objects.filter(slug__in=PLACES)}
        categories = {c.slug: c for c in Category.objects.all()}
        if not dongs or not categories:
            stdout.write("No demo areas or categories; skipping demo proposals.")
            return
        _build_proposals(
            rng, residents=residents, experts=experts, administrator=administrator, users=users, dongs=dongs,
            categories=categories, stdout=stdout,
        )  # fmt: skip


def _build_proposals(rng, *, residents, experts, administrator, users, dongs, categories, stdout) -> None:
    now = timezone.now()
    threshold = max(1, settings.PROPOSAL_REVIEW_THRESHOLD)
    main_resident = users.get(Role.RESIDENT)
    voters_pool = residents + [u for u in (main_resident, *experts) if u is not None]
    combos = [
        (problem, slug, place)
        for problem, slug, place in product(PROBLEMS, dongs, range(3))
        if problem[0] in categories and place < len(PLACES[slug])
    ]
    rng.shuffle(combos)
    combos = combos[:PROPOSAL_COUNT]
    statuses = _statuses(rng, len(combos))

    proposals, plans = [], []
    for index, ((category_slug, ko_title, ko_text, en_title, en_text), slug, place_index) in enumerate(combos):
        area = dongs[slug]
        place_ko, place_en = PLACES[slug][place_index]
        korean = rng.random() < 0.6
        author = main_resident if (main_resident and index % 40 == 0) else rng.choice(residents)
        status = statuses[index]
        created_at = now - timedelta(days=rng.uniform(2, 150), minutes=rng.randint(0, 600))
        candidates = [u for u in voters_pool if u.pk != author.pk]
        if status == ProposalStatus.PUBLISHED:
            vote_total = min(int(rng.paretovariate(1.3) * 3) - 3, threshold - 1, len(candidates))
        elif status == ProposalStatus.WITHDRAWN:
            vote_total = rng.randint(0, 4)
        else:
            vote_total = rng.randint(min(threshold, len(candidates)), len(candidates))
        voters = rng.sample(candidates, max(0, vote_total))
        latitude, longitude = _point(rng, area)
        proposals.append(
            Proposal(
                title=(ko_title if korean else en_title).format(place=place_ko if korean else place_en),
                description=(ko_text if korean else en_text).format(place=place_ko if korean else place_en),
                category=categories[category_slug],
                area=area,
                latitude=latitude,
                longitude=longitude,
                author=author,
                status=status,
                vote_count=len(voters),
                created_at=created_at,
            )
        )
        plans.append({"korean": korean, "voters": voters, "created_at": created_at})
    Proposal.objects.bulk_create(proposals)

    votes, changes, comments, assessments = [], [], [], []
    for proposal, plan in zip(proposals, plans, strict=True):
        created_at = plan["created_at"]
        span = max((now - created_at).total_seconds(), 3600)
        for voter in plan["voters"]:
            votes.append(
                Vote(user=voter, proposal=proposal, created_at=created_at + timedelta(seconds=rng.uniform(60, span)))
            )
        changes.append(
            StatusChange(
                proposal=proposal,
                from_status="",
                to_status=ProposalStatus.PUBLISHED,
                changed_by=proposal.author,
                created_at=created_at,
            )
        )
        step_at, previous = created_at, ProposalStatus.PUBLISHED
        for to_status in PATHS[proposal.status]:
            step_at = step_at + timedelta(seconds=rng.uniform(0.1, 0.3) * (now - step_at).total_seconds())
            if to_status == ProposalStatus.WITHDRAWN:
                by, response = proposal.author, "이미 해결되어 제안을 철회합니다. / Already fixed, withdrawing."
            elif to_status == ProposalStatus.UNDER_REVIEW and proposal.vote_count >= threshold:
                by, response = None, str(services.THRESHOLD_RESPONSE % {"threshold": threshold})
            else:
                by, response = administrator, OFFICIAL_ANSWERS.get(to_status, "검토를 시작합니다. Review started.")
            changes.append(
                StatusChange(
                    proposal=proposal,
                    from_status=previous,
                    to_status=to_status,
                    changed_by=by,
                    official_response=response,
                    created_at=step_at,
                )
            )
            previous = to_status
        comments += _comments_for(rng, proposal, plan, residents, experts, administrator, now)
        if proposal.status != ProposalStatus.WITHDRAWN and rng.random() < 0.4:
            for expert in rng.sample(experts, rng.randint(1, min(2, len(experts)))):
                text, risks = rng.choice(ASSESSMENT_TEXTS)
                assessments.append(
                    Assessment(
                        proposal=proposal,
                        expert=expert,
                        feasibility=rng.randint(2, 5),
                        cost_range=rng.choice(CostRange.values),
                        risks=risks,
                        recommendation=rng.choice(Recommendation.values),
                        text=text,
                        created_at=created_at + timedelta(seconds=rng.uniform(0.2, 0.9) * span),
                    )
                )

    Vote.objects.bulk_create(votes)
    StatusChange.objects.bulk_create(changes)
    top_level = [c for c in comments if c.parent is None]
    Comment.objects.bulk_create(top_level)
    replies = [c for c in comments if c.parent is not None]
    for reply in replies:
        reply.parent_id = reply.parent.pk
    Comment.objects.bulk_create(replies)
    Assessment.objects.bulk_create(assessments)
    counts = {}
    for comment in comments:
        counts[comment.proposal_id] = counts.get(comment.proposal_id, 0) + 1
    for proposal in proposals:
        proposal.comment_count = counts.get(proposal.pk, 0)
    Proposal.objects.bulk_update(proposals, ["comment_count"])

    hidden = _moderate(rng, proposals, comments, administrator)
    stdout.write(
        f"Demo proposals: {len(proposals)} proposals, {len(votes)} votes, {len(comments)} comments, "
        f"{len(assessments)} assessments, {len(changes)} status changes, {hidden} moderated items."
    )


def _comments_for(rng, proposal, plan, residents, experts, administrator, now) -> list[Comment]:
    if proposal.status == ProposalStatus.WITHDRAWN:
        return []
    korean = plan["korean"]
    created_at = plan["created_at"]
    span = max((now - created_at).total_seconds(), 3600)
    comments = []
    for _ in range(rng.choice([0, 0, 1, 2, 2, 3, 4, 6])):
        author = rng.choice(residents)
        top = Comment(
            proposal=proposal,
            author=author,
            author_role=Role.RESIDENT,
            body=rng.choice(COMMENTS_KO if korean else COMMENTS_EN),
            created_at=created_at + timedelta(seconds=rng.uniform(0.05, 0.6) * span),
        )
        comments.append(top)
        if rng.random() < 0.35:
            comments.append(
                Comment(
                    proposal=proposal,
                    parent=top,
                    author=rng.choice(residents),
                    author_role=Role.RESIDENT,
                    body=rng.choice(REPLIES_KO if korean else REPLIES_EN),
                    created_at=top.created_at + timedelta(minutes=rng.randint(5, 600)),
                )
            )
    if experts and rng.random() < 0.25:
        comments.append(
            Comment(
                proposal=proposal,
                author=rng.choice(experts),
                author_role=Role.EXPERT,
                body=rng.choice(EXPERT_COMMENTS),
                created_at=created_at + timedelta(seconds=rng.uniform(0.3, 0.8) * span),
            )
        )
    if administrator and proposal.status in OFFICIAL_ANSWERS:
        comments.append(
            Comment(
                proposal=proposal,
                author=administrator,
                author_role=Role.ADMINISTRATOR,
                body=OFFICIAL_ANSWERS[proposal.status],
                is_official_answer=True,
                created_at=now - timedelta(days=1, seconds=rng.uniform(0, 3600)),
            )
        )
    return comments


def _moderate(rng, proposals, comments, administrator) -> int:
    """A few hidden items, through the services so the admin history shows them."""
    if administrator is None:
        return 0
    published = [p for p in proposals if p.status == ProposalStatus.PUBLISHED]
    hidden = 0
    for proposal in rng.sample(published, min(2, len(published))):
        services.hide_proposal(proposal, by=administrator, reason="광고성 게시물 / Advertising, not a local problem")
        hidden += 1
    resident_comments = [c for c in comments if c.author_role == Role.RESIDENT and c.parent is None]
    for comment in rng.sample(resident_comments, min(3, len(resident_comments))):
        services.hide_comment(comment, by=administrator, reason="욕설 / Insulting language")
        hidden += 1
    return hidden
