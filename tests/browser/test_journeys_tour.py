"""Issue 9 points 12-15 in Chromium: every role, in Korean and English, on a phone (390) and a desktop (1366).
Desk staff (issue 13) tour their desk: residents, registering one, acting for one, paper forms.

Each role opens the pages this work added for it (the resident also the core pages: the proposal list, their own
proposal and the new-proposal form); axe checks each page and a screenshot of each goes to
test-artifacts/screenshots/tour-<role>-<lang>-<width>-<page>.png.
"""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from accounts.models import Role
from codesign.models import Session
from desk import services as desk_services
from desk.models import Centre
from home import demo
from notifications.models import Follow
from proposals import services
from proposals.models import ProposalStatus
from tests.factories import (
    AdministratorFactory,
    CategoryFactory,
    CommentFactory,
    ExpertFactory,
    ProposalFactory,
    ResidentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LANGS = ("ko", "en")
WIDTHS = (390, 1366)


@pytest.fixture
def world():
    home = demo.build_pages()
    safety = CategoryFactory(name="안전", name_en="Safety", slug="safety")
    resident = ResidentFactory(display_name="이웃주민")
    expert = ExpertFactory(display_name="김전문가")
    expert.expert_categories.set([safety])
    moderator = UserFactory(role=Role.MODERATOR, display_name="모더레이터")
    administrator = AdministratorFactory(display_name="구청관리자")
    mine = ProposalFactory(author=resident, category=safety, title="시장 옆 가로등이 꺼져 있어요")
    waiting = ProposalFactory(category=safety, status=ProposalStatus.UNDER_REVIEW, title="옹벽에 금이 갔어요")
    Follow.objects.create(user=resident, proposal=waiting)
    services.post_comment(waiting, author=resident, body="저도 매일 지나가는 길이에요. 위험합니다.")
    rude = CommentFactory(proposal=mine, body="이건 정말 쓸데없는 제안이네요 바보들")
    services.report_content(reporter=resident, reason="모욕적인 표현", comment=rude)
    services.report_content(reporter=ResidentFactory(), reason="욕설", comment=rude)
    dong = mine.area
    desk_staff = UserFactory(display_name="창구 담당자")
    desk_services.appoint_desk_staff(desk_staff, centre=Centre.objects.create(name="성수1가1동 주민센터", area=dong))
    desk_resident = desk_services.register_resident(
        staff=desk_staff, display_name="김순자", area=dong, consent_reference="C-2026-0153", phone="010-2345-6789"
    )
    start = timezone.now() + datetime.timedelta(days=7)
    Session.objects.create(
        page=home,
        title="밤길 함께 걷기 모임",
        place="주민센터 2층",
        capacity=12,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    return {
        "resident": resident,
        "mine": mine,
        "expert": expert,
        "moderator": moderator,
        "administrator": administrator,
        "desk": desk_staff,
        "desk_resident": desk_resident,
        "person": resident,
    }


def sign_in(page, base, user, lang):
    page.context.clear_cookies()
    cookies = [{"name": "django_language", "value": lang, "url": base}]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append({"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base})
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = lang
        profile.save()
    page.context.add_cookies(cookies)


def pages_for(role, world):
    person = world["person"].pk
    public = [("home", "/", ".lab-at-work"), ("profile", f"/proposals/people/{person}/", "h1")]
    return {
        "anonymous": public,
        "resident": [
            ("proposals", "/proposals/", ".proposal-card"),
            ("my-proposal", f"/proposals/{world['mine'].pk}/", "#proposal-title"),
            ("new-proposal", "/proposals/new/", "#id_title"),
            ("activity", "/my-data/activity/", "h1"),
            ("settings", "/notifications/preferences/", "h1"),
            ("notifications", "/notifications/", "h1"),
            ("consent", "/account/consent/", "h1"),
            *public,
        ],
        "expert": [
            ("queue", "/proposals/expert/queue/", "#queue-count"),
            ("dashboard", "/admin/", ".livinglab-work-queue"),
        ],
        "moderator": [
            ("moderation", "/admin/livinglab/moderation/", ".moderation-queue"),
            ("dashboard", "/admin/", ".livinglab-work-queue"),
        ],
        "administrator": [
            ("moderation", "/admin/livinglab/moderation/", ".moderation-queue"),
            ("dashboard", "/admin/", ".livinglab-work-queue"),
        ],
        "desk": [
            ("desk", "/desk/", ".desk-table"),
            ("register", "/desk/residents/new/", "form.stacked-form"),
            ("resident", f"/desk/residents/{world['desk_resident'].pk}/", ".desk-facts"),
            ("session", f"/desk/residents/{world['desk_resident'].pk}/session/", "select[name=session]"),
            ("paper", "/desk/paper/", "[data-testid=paper-batch]"),
        ],
    }[role]


@pytest.mark.parametrize("role", ["anonymous", "resident", "expert", "moderator", "administrator", "desk"])
def test_tour(role, world, live_server, page, screenshot, assert_accessible):
    base = live_server.url
    user = None if role == "anonymous" else world[role]
    for lang in LANGS:
        sign_in(page, base, user, lang)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for name, path, mark in pages_for(role, world):
                response = page.goto(f"{base}{path}")
                assert response.status == 200, (role, lang, path, response.status)
                expect(page.locator(mark).first).to_be_visible()
                assert page.locator("html").get_attribute("lang") == lang
                # No page is wider than the screen (a phone never scrolls sideways).
                assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (role, lang, width, path)
                assert_accessible(f"{role} {lang} {width} {path}")
                screenshot(f"tour-{role}-{lang}-{width}-{name}")
