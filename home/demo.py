"""Demo content for the foundation: the page tree, areas, categories and one account per role."""

from allauth.account.models import EmailAddress
from django.conf import settings
from wagtail.models import Page, Site

from accounts.consent import record_consent
from accounts.models import User
from accounts.services import set_role
from livinglab.demo import load
from proposals.models import Area, Category

from .models import HomePage, StandardPage

DEMO_PASSWORD = "livinglab-demo-2026"  # noqa: S105 - a known demo password, refused in production

DATA = load(__file__, "site")
# email, display name, role, expertise, organisation: what the command prints for development.
DEMO_USERS = [
    (user["email"], user["display_name"], user["role"], user["expertise"], user["organisation"])
    for user in DATA["users"]
]


class DemoDataRefused(Exception):
    pass


def build_site() -> dict[str, User]:
    """The foundation every app's demo builds on: pages, areas, categories and one account per role."""
    build_pages()
    build_areas()
    build_categories()
    return build_users()


def build_pages() -> HomePage:
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    if home is None:
        # Wagtail's starter "Welcome" page holds the slug "home"; ours replaces it.
        Page.objects.filter(depth=2, content_type__app_label="wagtailcore", content_type__model="page").delete()
        home = HomePage(slug="home", **DATA["home_page"])
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Living Lab")
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = "Living Lab"
        site.save()
    for spec in [DATA["how_it_works"], *DATA.get("legal_pages", [])]:
        if not StandardPage.objects.child_of(home).filter(slug=spec["slug"]).exists():
            page = StandardPage(**{**spec, "body": [tuple(block) for block in spec["body"]]})
            home.add_child(instance=page)
            page.save_revision().publish()
    return home


def build_areas() -> list[Area]:
    areas = []
    for district in DATA["areas"]:
        fields = {key: value for key, value in district.items() if key != "dongs"}
        gu, _ = Area.objects.update_or_create(slug=fields.pop("slug"), defaults={**fields, "parent": None})
        areas.append(gu)
        for dong in district["dongs"]:
            fields = dict(dong)
            areas.append(Area.objects.update_or_create(slug=fields.pop("slug"), defaults={**fields, "parent": gu})[0])
    return areas


def build_categories() -> list[Category]:
    return [
        Category.objects.update_or_create(slug=c["slug"], defaults={k: v for k, v in c.items() if k != "slug"})[0]
        for c in DATA["categories"]
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
        if role == "expert":
            # The demo expert assesses safety proposals: their work queue and field notifications have content.
            user.expert_categories.set(Category.objects.filter(slug="safety"))
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        record_consent(user)
        users[role] = user
    return users
