"""Issue 13: a desk registers a resident, enters their paper forms (the general call's and a challenge's own),
registers them for a co-design session and hands the account over; the resident claims it with the letter's
code and then signs in themselves; a resident claims by a texted code with the phone alone; the inclusion
dashboard, with figures in its charts and tables.
The desk runs in Korean on a phone (390) and in English on a desktop (1366); axe on every page."""

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from challenges.models import ChallengeIndexPage, ChallengePage, ChallengeStage
from challenges.stages import STAGE_ORDER
from codesign.models import Registration, Session
from desk import services
from desk.models import Centre, DeskResident
from home import demo
from livinglab import sms
from proposals.models import Proposal
from tests.factories import (
    AdministratorFactory,
    CategoryFactory,
    CommentFactory,
    DongFactory,
    ProposalFactory,
    ResidentFactory,
    UserFactory,
    VoteFactory,
)

from .test_everyday_journeys import log_in

RESIDENT_EMAIL = "soonja.kim@example.org"
RESIDENT_PASSWORD = "seongsu-bench-2026"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# What the desk staff member reads on the screen, in each language.
WORDS = {
    "ko": {
        "name": "이름",
        "phone": "휴대전화 (선택)",
        "consent": "주민이 종이 동의서에 서명했습니다.",
        "consent number": "동의서 번호",
        "register": "등록",
        "which form": "어느 종이 양식인가요",
        "reference": "종이 양식 접수 번호",
        "save and next": "저장하고 다음 양식",
        "entered": "종이 양식 P-0042을\\(를\\) 제안",
        "entered in challenge": "종이 양식 P-0043을\\(를\\) “안전한 밤길” 과제의 제안",
        "to a session": "공동 설계 모임에 등록",
        "session": "모임",
        "save": "저장",
        "has a seat": "주민이 “밤길 함께 걷기 모임”에 자리를 얻었습니다.",
        "print letter": "계정 인계 안내문 인쇄",
    },
    "en": {
        "name": "Name",
        "phone": "Mobile phone (optional)",
        "consent": "The resident signed the paper consent form.",
        "consent number": "Consent form number",
        "register": "Register",
        "which form": "Which paper form",
        "reference": "Paper reference number",
        "save and next": "Save and next form",
        "entered": "Paper form P-0042 is entered as proposal no\\.",
        "entered in challenge": "Paper form P-0043 is entered as proposal no\\. \\d+ in the challenge “안전한 밤길”",
        "to a session": "Register for a co-design session",
        "session": "Session",
        "save": "Save",
        "has a seat": "The resident has a seat at “밤길 함께 걷기 모임”.",
        "print letter": "Print a hand-over letter",
    },
}


def korean(page, base):
    in_language(page, base, "ko")


def in_language(page, base, lang):
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": base}])


def open_a_challenge(home, dong, category) -> ChallengePage:
    """A challenge whose call for problems is open in the dong, with a co-design session to register for."""
    index = ChallengeIndexPage(title="리빙랩 과제", slug="challenges", intro="구청이 묻고 주민이 답합니다.")
    home.add_child(instance=index)
    index.save_revision().publish()
    today = timezone.localdate()
    challenge = ChallengePage(
        title="안전한 밤길",
        slug="safer-nights",
        theme="안전",
        question="밤길이 무서운 곳은 어디인가요?",
        live=False,
    )
    challenge.stages = [
        ChallengeStage(
            stage=stage,
            start=today + datetime.timedelta(days=-5 + 30 * n),
            end=today + datetime.timedelta(days=24 + 30 * n),
        )
        for n, stage in enumerate(STAGE_ORDER)
    ]
    challenge.areas = [dong.parent]
    challenge.categories = [category]
    index.add_child(instance=challenge)
    challenge.save_revision().publish()
    start = timezone.now() + datetime.timedelta(days=7)
    Session.objects.create(
        page=challenge,
        title="밤길 함께 걷기 모임",
        place="성수1가1동 주민센터 2층",
        capacity=12,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    return ChallengePage.objects.get(pk=challenge.pk)


def fill_paper_form(page, words, *, reference, dong, title):
    page.get_by_label(words["reference"]).fill(reference)
    page.locator("select[name=resident]").select_option(label="김순자 · C-2026-0153")
    page.locator("input[name=title]").fill(title)
    page.locator("textarea[name=description]").fill("버스 정류장에 의자가 없어 오래 서 있기 힘든 어르신들이 많습니다.")
    page.locator("select[name=category]").select_option(label="안전" if words is WORDS["ko"] else "Safety")
    page.locator("select[name=area]").select_option(value=str(dong.pk))
    page.get_by_role("button", name=words["save and next"]).click()


@pytest.mark.parametrize("lang, width", [("ko", 390), ("en", 1366)])
def test_desk_registers_a_resident_and_enters_their_paper_forms(
    lang, width, live_server, page, screenshot, assert_accessible
):
    """Korean on a phone, English on a desktop: the same desk, every step checked by axe and photographed
    (test-artifacts/screenshots/desk-<step>-<lang>-<width>.png). The resident's own claim at home follows in
    Korean on a phone after the Korean run."""
    home = demo.build_pages()
    dong = DongFactory(name="성수1가1동", name_en="Seongsu 1-ga 1-dong", slug="seongsu-1ga-1")
    category = CategoryFactory(name="안전", name_en="Safety", slug="safety")
    challenge = open_a_challenge(home, dong, category)
    centre = Centre.objects.create(
        name="성수1가1동 주민센터", name_en="Seongsu 1-ga 1-dong Community Centre", area=dong
    )
    staff = UserFactory(display_name="창구 담당자")
    services.appoint_desk_staff(staff, centre=centre)
    words = WORDS[lang]
    base = live_server.url
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, base, staff)
    in_language(page, base, lang)

    def shoot(step: str):
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, step  # never sideways
        assert_accessible(f"{step} {lang} {width}")
        screenshot(f"desk-{step}-{lang}-{width}")

    page.goto(f"{base}/desk/residents/new/")
    page.get_by_label(words["name"], exact=True).fill("김순자")
    page.get_by_label(words["phone"]).fill("010-2345-6789")
    page.get_by_label(words["consent"]).check()
    page.get_by_label(words["consent number"]).fill("C-2026-0153")
    shoot("register")
    page.get_by_role("button", name=words["register"], exact=True).click()
    expect(page.get_by_role("heading", name="김순자")).to_be_visible()

    # A general-call paper form: the batch screen comes back empty, the cursor in the reference.
    page.goto(f"{base}/desk/paper/")
    expect(page.get_by_label(words["which form"])).to_have_value("")
    fill_paper_form(page, words, reference="P-0042", dong=dong, title="버스 정류장에 의자가 필요해요")
    expect(page.get_by_text(re.compile(words["entered"]))).to_be_visible()
    expect(page.get_by_label(words["reference"])).to_be_focused()
    shoot("paper-batch")

    # The challenge's own paper form, from the desk's list of open challenges; then its forms typed in.
    page.goto(f"{base}/desk/")
    page.locator(f"a[href='/desk/paper/form/challenge/{challenge.pk}/']").click()
    expect(page.get_by_role("heading", name="안전한 밤길", level=1)).to_be_visible()
    expect(page.locator(".paper-question")).to_have_text("밤길이 무서운 곳은 어디인가요?")
    expect(page.locator(".paper-form .qr svg")).to_be_visible()
    shoot("challenge-paper-form")
    page.goto(f"{base}/desk/")
    page.locator(f"a[href='/desk/paper/?challenge={challenge.pk}']").click()
    expect(page.get_by_label(words["which form"])).to_have_value(str(challenge.pk))
    fill_paper_form(page, words, reference="P-0043", dong=dong, title="시장 뒤 골목 가로등이 꺼져 있어요")
    expect(page.get_by_text(re.compile(words["entered in challenge"]))).to_be_visible()
    expect(page.get_by_label(words["which form"])).to_have_value(str(challenge.pk))  # the next form, same kind
    shoot("paper-batch-challenge")
    assert Proposal.objects.get(paper_entry__reference="P-0043").challenge_id == challenge.pk
    assert Proposal.objects.get(paper_entry__reference="P-0042").challenge_id is None

    # The resident asked, on the phone, for a seat at the challenge's co-design session.
    resident = DeskResident.objects.get(consent_reference="C-2026-0153")
    page.goto(f"{base}/desk/residents/{resident.pk}/")
    page.get_by_role("link", name=words["to a session"]).click()
    page.get_by_label(words["session"], exact=True).select_option(index=1)
    page.locator("input[name=channel][value=phone]").check()
    shoot("session-form")
    page.get_by_role("button", name=words["save"], exact=True).click()
    expect(page.get_by_text(words["has a seat"])).to_be_visible()
    expect(page.get_by_test_id("resident-sessions")).to_contain_text("밤길 함께 걷기 모임")
    shoot("resident")
    registration = Registration.objects.get(user=resident.user)
    assert (registration.channel, registration.filed_by_id, registration.helped_at) == (
        "phone",
        staff.pk,
        "성수1가1동 주민센터",
    )

    number, code = print_claim_letter(page, base, resident, words)
    shoot("claim-letter")
    if lang == "ko":
        resident_claims_and_signs_in(page, base, number, code, screenshot, assert_accessible)


def confirmation_path(address: str) -> str:
    """The link's path in the last e-mail to ``address`` (the test settings keep e-mail in ``mail.outbox``;
    its host is the configured site's, not the live server's)."""
    message = [m for m in mail.outbox if address in m.to][-1]
    return re.search(r"/accounts/confirm-email/\S+/", message.body).group(0)


def print_claim_letter(page, base, resident, words=WORDS["ko"]) -> tuple[str, str]:
    """The staff member prints the hand-over letter; returns the letter's number and one-time code."""
    page.goto(f"{base}/desk/residents/{resident.pk}/")
    page.get_by_role("button", name=words["print letter"]).click()
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


def seed_participation(admin) -> dict:
    """Who took part, for the dashboard to show figures: 59 people in four dongs over six months, online and
    at a desk (on paper, in person, by phone), 20 of them with an age band; and the dongs' population.

    Dongs: 50 of 12 000, 6 of 9 000, 3 of 6 000 (fewer than 5: hidden) and none of 3 000 residents.
    Channels: 39 online, 8 on paper, 7 in person, 5 by phone. Age bands: 8 aged 75 and over, 7 aged 60–74,
    5 aged 40–59, against 1 000, 2 000 and 3 000 residents of 12 000 with bands.
    """
    dongs = [
        DongFactory(name="성수1가1동", name_en="Seongsu 1-ga 1-dong", slug="seongsu-1ga-1"),
        DongFactory(name="왕십리도선동", name_en="Wangsimni Doseon-dong", slug="wangsimni-doseon"),
        DongFactory(name="행당1동", name_en="Haengdang 1-dong", slug="haengdang-1"),
        DongFactory(name="성수2가1동", name_en="Seongsu 2-ga 1-dong", slug="seongsu-2ga-1"),
    ]
    busy = dongs[0]
    safety = CategoryFactory(name="안전", name_en="Safety", slug="safety")
    centre = Centre.objects.create(name="성수1가1동 주민센터", area=busy)
    staff = UserFactory(display_name="창구 담당자")
    services.appoint_desk_staff(staff, centre=centre)
    now = timezone.now()
    months = [now - datetime.timedelta(days=30 * back) for back in range(6)]
    number = 0

    def took_part(area, **proposal):
        nonlocal number
        number += 1
        author = proposal.pop("author", None) or ResidentFactory(home_area=area)
        when = months[number % len(months)]
        ProposalFactory(author=author, area=area, category=safety, created_at=when, **proposal)
        return author

    online = [took_part(area) for area, people in zip(dongs, (30, 6, 3, 0), strict=True) for _i in range(people)]
    for channel, band, people in (("paper", "75_plus", 8), ("in_person", "60_74", 7), ("phone", "40_59", 5)):
        for _i in range(people):
            resident = DeskResident.objects.create(
                user=ResidentFactory(home_area=busy), centre=centre, age_band=band, consent_reference=f"C-{number}"
            )
            took_part(busy, author=resident.user, channel=channel, filed_by=staff, helped_at=centre.name)
    # Supporting and commenting count too, here for people who took part online already (no one new).
    first = Proposal.objects.get(author=online[0])
    for voter in online[1:11]:
        VoteFactory(user=voter, proposal=first)
    CommentFactory(proposal=first, author=online[0])
    bands = {"under_20": 2000, "20_39": 4000, "40_59": 3000, "60_74": 2000, "75_plus": 1000}
    for area, population in zip(dongs, (12000, 9000, 6000, 3000), strict=True):
        services.set_population(area, by=admin, total=population, bands=bands if area is busy else None)
    return {"dongs": dongs}


def test_inclusion_dashboard(live_server, page, screenshot, assert_accessible):
    """The dashboard with figures: bars and tables by dong, channel, age band and month, the callouts, and
    the hidden small figures; Korean, phone and desktop."""
    demo.build_pages()
    admin = AdministratorFactory()
    seed_participation(admin)
    base = live_server.url
    log_in(page, base, admin)
    korean(page, base)
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/desk/inclusion/")
        expect(page.locator("body[data-charts-drawn]")).to_have_count(1)
        expect(page.get_by_role("heading", name="누가 빠져 있나: 참여 현황")).to_be_visible()
        expect(page.locator("canvas[data-inclusion-chart]")).to_have_count(4)
        expect(page.locator(".lead")).to_contain_text("59")
        tables = page.locator("table.inclusion-table")
        for table, label, figure in (
            (0, "성수1가1동", "50"),
            (0, "행당1동", "5명 미만"),
            (1, "온라인", "39"),
            (1, "종이", "8"),
            (2, "75세 이상", "8"),
        ):
            row = tables.nth(table).locator("tbody tr").filter(has=page.locator("th", has_text=label))
            expect(row.locator("td").first).to_have_text(figure)
        expect(page.get_by_test_id("least-taking-part")).to_contain_text("성수2가1동")
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
