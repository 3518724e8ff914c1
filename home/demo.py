"""Demo content for the foundation: the page tree, areas, categories and one account per role."""

from allauth.account.models import EmailAddress
from django.conf import settings
from wagtail.models import Page, Site

from accounts.models import Role, User
from accounts.services import set_role
from proposals.models import Area, Category

from .models import HomePage, StandardPage

DEMO_PASSWORD = "livinglab-demo-2026"  # noqa: S105 - a known demo password, refused in production

DEMO_USERS = [
    # email, display name, role, expertise, organisation
    ("admin@livinglab.example", "성동구청 리빙랩팀", Role.ADMINISTRATOR, "", ""),
    ("expert@livinglab.example", "김도시 박사", Role.EXPERT, "Urban safety engineering", "Seoul Institute"),
    ("resident@livinglab.example", "이웃 주민", Role.RESIDENT, "", ""),
]

# gu -> dongs, with map centres (latitude, longitude).
AREAS = {
    ("seongdong-gu", "성동구", "Seongdong-gu", "37.563341", "127.036930"): [
        ("seongsu-1ga-1-dong", "성수1가1동", "Seongsu 1-ga 1-dong", "37.547380", "127.041800"),
        ("wangsimni-2-dong", "왕십리2동", "Wangsimni 2-dong", "37.566570", "127.030360"),
        ("geumho-2-3ga-dong", "금호2·3가동", "Geumho 2·3-ga-dong", "37.554920", "127.021530"),
        ("haengdang-1-dong", "행당1동", "Haengdang 1-dong", "37.559890", "127.036300"),
    ],
    ("guro-gu", "구로구", "Guro-gu", "37.495472", "126.887536"): [
        ("guro-3-dong", "구로3동", "Guro 3-dong", "37.484240", "126.891520"),
        ("gaebong-1-dong", "개봉1동", "Gaebong 1-dong", "37.496870", "126.852940"),
        ("sindorim-dong", "신도림동", "Sindorim-dong", "37.508820", "126.883890"),
        ("oryu-2-dong", "오류2동", "Oryu 2-dong", "37.489640", "126.836020"),
    ],
}

CATEGORIES = [
    ("safety", "안전", "Safety", "🦺"),
    ("environment", "환경", "Environment", "🌿"),
    ("mobility", "교통·이동", "Mobility", "🚌"),
    ("care", "돌봄·복지", "Care", "🤝"),
    ("digital-inclusion", "디지털 포용", "Digital inclusion", "📱"),
    ("public-space", "공공공간", "Public space", "🏞"),
]


class DemoDataRefused(Exception):
    pass


def build_pages() -> HomePage:
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    if home is None:
        # Wagtail's starter "Welcome" page holds the slug "home"; ours replaces it.
        Page.objects.filter(depth=2, content_type__app_label="wagtailcore", content_type__model="page").delete()
        home = HomePage(
            title="성동·구로 리빙랩",
            slug="home",
            intro="우리 동네 문제를 알리고, 함께 고르고, 시범사업의 결과를 직접 평가하세요. "
            "Report local problems, support your neighbours and judge the pilots' results.",
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Living Lab")
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = "Living Lab"
        site.save()
    if not StandardPage.objects.child_of(home).filter(slug="how-it-works").exists():
        page = StandardPage(
            title="리빙랩은 이렇게 운영됩니다 · How the living lab works",
            slug="how-it-works",
            intro="문제 제안 → 공감 → 전문가 검토 → 시범사업 → 결과 평가",
            body=[
                ("heading", {"text": "1. 문제를 알려 주세요 · Report a problem", "level": "h2"}),
                ("paragraph", "<p>사진과 위치를 함께 올리면 이웃과 구청이 더 쉽게 이해합니다.</p>"),
                ("heading", {"text": "2. 공감하고 토론해요 · Support and discuss", "level": "h2"}),
                ("paragraph", "<p>공감이 50개를 넘으면 구청이 검토를 시작합니다.</p>"),
            ],
        )
        home.add_child(instance=page)
        page.save_revision().publish()
    return home


def build_areas() -> list[Area]:
    areas = []
    for (slug, name, name_en, lat, lng), dongs in AREAS.items():
        gu, _ = Area.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "latitude": lat, "longitude": lng, "parent": None}
        )
        areas.append(gu)
        for dong_slug, dong_name, dong_en, dong_lat, dong_lng in dongs:
            dong, _ = Area.objects.update_or_create(
                slug=dong_slug,
                defaults={
                    "name": dong_name,
                    "name_en": dong_en,
                    "latitude": dong_lat,
                    "longitude": dong_lng,
                    "parent": gu,
                },
            )
            areas.append(dong)
    return areas


def build_categories() -> list[Category]:
    return [
        Category.objects.update_or_create(slug=slug, defaults={"name": name, "name_en": name_en, "icon": icon})[0]
        for slug, name, name_en, icon in CATEGORIES
    ]


def build_users() -> dict[str, User]:
    if settings.LIVINGLAB_ENVIRONMENT == "production":
        raise DemoDataRefused("Refusing to create demo accounts with known passwords under production settings.")
    users = {}
    home_area = Area.objects.filter(slug="seongsu-1ga-1-dong").first()
    for email, display_name, role, expertise, organisation in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"display_name": display_name, "home_area": home_area}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        set_role(user, role, expertise=expertise, organisation=organisation)
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        users[role] = user
    return users
