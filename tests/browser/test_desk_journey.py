"""Issue 13: a desk registers a resident, enters their paper form and hands the account over; the resident
claims it with the letter's code and then signs in themselves; a resident claims by a texted code with the
phone alone; the inclusion dashboard.
Korean, phone (390) and desktop (1366), axe on every page."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from desk import services
from desk.models import Centre, DeskResident
from home import demo
from livinglab import sms
from tests.factories import AdministratorFactory, CategoryFactory, DongFactory, UserFactory

from .test_everyday_journeys import log_in

RESIDENT_EMAIL = "soonja.kim@example.org"
RESIDENT_PASSWORD = "seongsu-bench-2026"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def korean(page, base):
    page.context.add_cookies([{"name": "django_language", "value": "ko", "url": base}])


def test_desk_registers_a_resident_and_enters_their_paper_form(live_server, page, screenshot, assert_accessible):
    demo.build_pages()
    dong = DongFactory(name="성수1가1동", name_en="Seongsu 1-ga 1-dong", slug="seongsu-1ga-1")
    CategoryFactory(name="안전", name_en="Safety", slug="safety")
    centre = Centre.objects.create(name="성수1가1동 주민센터", area=dong)
    staff = UserFactory(display_name="창구 담당자")
    services.appoint_desk_staff(staff, centre=centre)
    base = live_server.url
    log_in(page, base, staff)
    korean(page, base)

    page.goto(f"{base}/desk/residents/new/")
    page.get_by_label("이름", exact=True).fill("김순자")
    page.get_by_label("휴대전화 (선택)").fill("010-2345-6789")
    page.get_by_label("주민이 종이 동의서에 서명했습니다.").check()
    page.get_by_label("동의서 번호").fill("C-2026-0153")
    assert_accessible("register resident")
    screenshot("desk-register-390")
    page.get_by_role("button", name="등록", exact=True).click()
    expect(page.get_by_role("heading", name="김순자")).to_be_visible()

    page.goto(f"{base}/desk/paper/")
    page.get_by_label("종이 양식 접수 번호").fill("P-0042")
    page.locator("select[name=resident]").select_option(label="김순자 · C-2026-0153")
    page.locator("input[name=title]").fill("버스 정류장에 의자가 필요해요")
    page.locator("textarea[name=description]").fill("버스 정류장에 의자가 없어 오래 서 있기 힘든 어르신들이 많습니다.")
    page.locator("select[name=category]").select_option(label="안전")
    page.locator("select[name=area]").select_option(value=str(dong.pk))
    page.get_by_role("button", name="저장하고 다음 양식").click()
    expect(page.get_by_text(re.compile("종이 양식 P-0042을\\(를\\) 제안"))).to_be_visible()
    expect(page.get_by_label("종이 양식 접수 번호")).to_be_focused()
    assert_accessible("paper batch")
    screenshot("desk-paper-batch-390")

    number, code = print_claim_letter(page, base, DeskResident.objects.get(consent_reference="C-2026-0153"))
    assert_accessible("claim letter")
    screenshot("desk-claim-letter-390")
    resident_claims_and_signs_in(page, base, number, code, screenshot, assert_accessible)


def confirmation_path(address: str) -> str:
    """The link's path in the last e-mail to ``address`` (the test settings keep e-mail in ``mail.outbox``;
    its host is the configured site's, not the live server's)."""
    message = [m for m in mail.outbox if address in m.to][-1]
    return re.search(r"/accounts/confirm-email/\S+/", message.body).group(0)


def print_claim_letter(page, base, resident) -> tuple[str, str]:
    """The staff member prints the hand-over letter; returns the letter's number and one-time code."""
    page.goto(f"{base}/desk/residents/{resident.pk}/")
    page.get_by_role("button", name="계정 인계 안내문 인쇄").click()
    number = page.get_by_test_id("claim-number")
    expect(number).to_be_visible()
    return number.inner_text().strip(), page.get_by_test_id("claim-code").inner_text().strip()


def resident_claims_and_signs_in(page, base, number, code, screenshot, assert_accessible):
    """At home, on their own phone: the resident takes the account over with the letter, then signs in."""
    page.context.clear_cookies()
    korean(page, base)
    page.goto(f"{base}/desk/claim/?number={number}")
    expect(page.get_by_role("heading", name="내 계정 넘겨받기")).to_be_visible()
    expect(page.get_by_label("안내문 번호")).to_have_value(number)
    page.get_by_label("확인 코드").fill(code)
    page.get_by_label("내 이메일 주소").fill(RESIDENT_EMAIL)
    page.get_by_label("비밀번호 정하기").fill(RESIDENT_PASSWORD)
    page.get_by_label("비밀번호 다시 입력").fill(RESIDENT_PASSWORD)
    assert_accessible("claim form")
    screenshot("desk-claim-390")
    page.get_by_role("button", name="계정 넘겨받기").click()
    expect(page.get_by_role("link", name="김순자")).to_be_visible()

    # Signed out, the resident signs in with what they chose: the account is theirs now.
    page.get_by_role("button", name="로그아웃").click()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(re.compile("^이메일 또는 휴대전화 번호")).fill(RESIDENT_EMAIL)
    page.get_by_label(re.compile("^비밀번호")).fill(RESIDENT_PASSWORD)
    page.get_by_role("button", name="로그인", exact=True).click()
    # The address they chose is confirmed once, from the e-mail, before the first sign-in with it.
    expect(page.get_by_role("heading", name="이메일을 인증하세요")).to_be_visible()
    page.goto(base + confirmation_path(RESIDENT_EMAIL))
    page.locator("main form").get_by_role("button").first.click()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(re.compile("^이메일 또는 휴대전화 번호")).fill(RESIDENT_EMAIL)
    page.get_by_label(re.compile("^비밀번호")).fill(RESIDENT_PASSWORD)
    page.get_by_role("button", name="로그인", exact=True).click()
    expect(page.get_by_role("link", name="김순자")).to_be_visible()
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/accounts/profile/")
        assert_accessible(f"claimed profile {width}")
        screenshot(f"desk-claimed-signed-in-{width}")


def test_inclusion_dashboard(live_server, page, screenshot, assert_accessible):
    demo.build_pages()
    dong = DongFactory(name="성수1가1동", slug="seongsu-1ga-1")
    admin = AdministratorFactory()
    services.set_population(dong, by=admin, total=12000)
    base = live_server.url
    log_in(page, base, admin)
    korean(page, base)
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/desk/inclusion/")
        expect(page.locator("body[data-charts-drawn]")).to_have_count(1)
        expect(page.get_by_role("heading", name="누가 빠져 있나: 참여 현황")).to_be_visible()
        assert_accessible(f"dashboard {width}")
        screenshot(f"inclusion-dashboard-{width}")


def test_a_resident_claims_by_texted_code_with_the_phone_alone(live_server, page, screenshot, assert_accessible):
    """The desk texts the code to the number it recorded; the resident claims with it, gives no e-mail, and
    signs in later with a code sent to that phone."""
    demo.build_pages()
    dong = DongFactory(name="성수1가1동", name_en="Seongsu 1-ga 1-dong", slug="seongsu-1ga-1")
    centre = Centre.objects.create(name="성수1가1동 주민센터", area=dong)
    staff = UserFactory(display_name="창구 담당자")
    services.appoint_desk_staff(staff, centre=centre)
    resident = services.register_resident(
        staff=staff, display_name="김순자", area=dong, consent_reference="C-2026-0154", phone="010-2345-6789"
    )
    base = live_server.url
    log_in(page, base, staff)
    korean(page, base)
    sms.outbox.clear()
    page.goto(f"{base}/desk/residents/{resident.pk}/")
    page.locator("form[action$='/text-code/'] button[type=submit]").click()
    expect(page.get_by_role("heading", name="김순자")).to_be_visible()
    (text,) = sms.outbox
    # The text is in Korean: the letter number is its one run of 8 digits, the code its XXXX-XXXX.
    number = re.search(r"(?<!\d)(\d{8})(?!\d)", text.body).group(1)
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", text.body).group(1)

    # At home, on their own phone: number and code from the text, no e-mail, no password.
    page.context.clear_cookies()
    korean(page, base)
    page.goto(f"{base}/desk/claim/?number={number}")
    page.get_by_label("확인 코드").fill(code)
    assert_accessible("phone claim form")
    screenshot("desk-phone-claim-390")
    page.get_by_role("button", name="계정 넘겨받기").click()
    expect(page.locator(".message-success")).to_contain_text("010-2345-6789")
    assert_accessible("phone claimed profile")
    screenshot("desk-phone-claimed-390")
    expect(page.locator("main")).not_to_contain_text("residents.invalid")

    # Later, signed out: a code to that phone signs them in.
    page.get_by_role("button", name="로그아웃").click()
    cache.clear()
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="로그인 코드 받기").click()
    page.get_by_label(re.compile("^휴대전화")).fill("010-2345-6789")
    page.get_by_role("button", name="코드 요청").click()
    code_box = page.locator("input[name=code]")
    code_box.fill(re.search(r"(?<!\d)(\d{6})(?!\d)", sms.outbox[-1].body).group(1))
    page.locator("main form").filter(has=code_box).get_by_role("button").first.click()
    expect(page.get_by_role("link", name="김순자")).to_be_visible()
