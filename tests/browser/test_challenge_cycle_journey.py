"""The living-lab cycle in Korean, in order, as the people who take part see it:

1. an administrator opens a challenge in the Wagtail admin (overlapping stage dates are refused first);
2. residents submit problems into it, one from a phone, one from a desktop; the administrator shortlists one
   and starts co-design early, which the page asks to confirm;
3. a co-design session of the challenge fills up, a resident cancels and the first one waiting is promoted,
   staff take attendance on the day, walk-ins from paper included;
4. the pilot runs: residents volunteer as test users with informed consent and answer its before and after
   surveys, which show side by side on the pilot page;
5. the administrator records the decision, whose evidence carries the survey results.

Each step is shot on a desktop (1366 px) and a phone (390 px) in Korean: a step one person takes on one screen
is shot again with that window resized, in the same state. axe checks each step's page at both widths.
A second test drives the challenge's own actions with JavaScript switched off. Every wait follows an element
or a navigation; nothing sleeps. Screenshots go to test-artifacts/screenshots/cycle-*.png.
"""

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from challenges.models import ChallengeDecision, ChallengeIndexPage, ChallengePage, ChallengePilot, ChallengeStage
from challenges.stages import STAGE_ORDER, Stage
from codesign import services as codesign_services
from codesign.models import ConsentText, LabParticipant, Registration, Session, SurveyField, SurveyPage
from home import demo as home_demo
from pilots.models import PilotIndexPage, PilotPage, PilotStatus
from pilots.services import set_up_pilot_index
from proposals.models import Area, Category, Proposal, ProposalStatus
from tests.browser.conftest import ARTIFACTS, WCAG_TAGS
from tests.browser.steps import DESK, PHONE, add_inline_form, check_accessible, korean_window, log_in
from tests.factories import AdministratorFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NO_LIVE_NOTE = ".live-status { visibility: hidden; }"
COMFORT = "밤에 골목을 걸을 때 얼마나 안심되나요?"
BRIGHTNESS = "골목 밝기 만족도"


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def survey(home, pilot, *, phase: str, title: str, slug: str) -> SurveyPage:
    page = SurveyPage(title=title, slug=slug, subject_page=pilot, phase=phase)
    page.form_fields = [
        SurveyField(field_type="radio", label=COMFORT, choices="불안\n보통\n안심"),
        SurveyField(field_type="scale", label=BRIGHTNESS),
        SurveyField(field_type="multiline", label="하고 싶은 말", required=False),
    ]
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def site(db):
    home = home_demo.build_pages()
    home_demo.build_areas()
    home_demo.build_categories()
    index = ChallengeIndexPage(title="리빙랩 과제", slug="challenges", intro="구청이 묻고 주민이 답합니다.")
    home.add_child(instance=index)
    index.save_revision().publish()
    pilots = PilotIndexPage(title="시범사업", slug="pilots")
    home.add_child(instance=pilots)
    pilots.save_revision().publish()
    set_up_pilot_index(pilots)
    dong = Area.objects.get(slug="seongsu-1ga-1-dong")
    pilot = PilotPage(
        title="성수동 스마트 보안등",
        slug="smart-lights",
        summary="어두운 골목에 사람을 감지해 밝아지는 보안등.",
        status=PilotStatus.RUNNING,
        area=dong,
        category=Category.objects.get(slug="safety"),
    )
    pilots.add_child(instance=pilot)
    pilot.save_revision().publish()
    ConsentText.objects.create(
        page=pilot, version=1, text="시범사업에 테스트 사용자로 참여하며 언제든 그만둘 수 있습니다."
    )
    return {
        "home": home,
        "index": index,
        "pilot": pilot,
        "dong": dong,
        "before": survey(home, pilot, phase="before", title="보안등 설치 전 설문", slug="lights-before"),
        "after": survey(home, pilot, phase="after", title="보안등 설치 후 설문", slug="lights-after"),
    }


@dataclass
class Cycle:
    """Who takes part, in which window, and what the journey has made so far."""

    base: str
    site: dict
    admin: Any = None
    phones: dict = field(default_factory=dict)  # resident display name -> their phone window
    people: dict = field(default_factory=dict)  # resident display name -> user
    reader: Any = None  # a resident reading on a desktop
    challenge: ChallengePage | None = None
    proposals: list = field(default_factory=list)

    @property
    def challenge_url(self) -> str:
        return f"{self.base}{self.challenge.url}"

    def record(self, name: str, *windows, axe: bool | dict = True) -> None:
        """Every step at both widths: a screenshot (and an axe run) of each window, named after the step and the
        window's size; a width none of the step's windows has is shot by resizing the first one in place (the
        same state, nothing reloads) and back."""
        shot = set()
        for window in windows:
            shot.add(self._shoot(name, window, axe=axe))
        first = windows[0]
        own = dict(first.viewport_size)
        for viewport in (DESK, PHONE):
            if size_name(viewport) not in shot:
                first.set_viewport_size(viewport)
                self._shoot(name, first, axe=axe)
                first.set_viewport_size(own)

    def _shoot(self, name: str, window, *, axe: bool) -> str:
        size = size_name(window.viewport_size)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        # pytest-django's live server speaks no WebSocket, so every page here shows the "live updates are
        # paused" note over what the step is about; the shot leaves it out (axe still checks it), and
        # test_live_status.py shows it against a real ASGI server.
        window.screenshot(path=str(ARTIFACTS / f"cycle-{name}-{size}.png"), full_page=True, style=NO_LIVE_NOTE)
        if axe is True:
            check_accessible(window, f"{name} ({size})")
        elif axe:
            check_accessible_in(window, axe, f"{name} ({size})")
        return size

    def move_on(self, stage: str, *, early: bool = False) -> None:
        """The administrator moves the challenge on from its page, confirming an early start when asked."""
        self.admin.goto(self.challenge_url)
        if early:
            self.admin.locator("#id_early").check()
        self.admin.locator("#challenge-stages form button[type=submit]").click()
        self.admin.locator(f"#challenge-stage-{self.challenge.pk} .stage-badge.stage-{stage}").wait_for()


# Wagtail's admin, checked like our pages except for Wagtail's own panel toggles: their 20 px buttons fail
# WCAG 2.2's target-size rule in Wagtail 8.0 (Wagtail's markup, not ours to change).
WAGTAIL_ADMIN_AXE = {"exclude": [[".w-panel__toggle"]]}


def check_accessible_in(window, context: dict, label: str) -> None:
    results = Axe().run(
        window,
        context=context,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    violations = results.response["violations"]
    summary = [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}" for v in violations]
    assert not violations, f"{label}: " + "; ".join(summary)


def size_name(viewport: dict) -> str:
    return "phone" if viewport["width"] < 800 else "desktop"


def fill_challenge_form(admin, *, codesign_from: int, codesign_to: int) -> None:
    admin.locator("#id_stages-1-start").fill(day(codesign_from).isoformat())
    admin.locator("#id_stages-1-end").fill(day(codesign_to).isoformat())
    admin.locator('button[name="action-publish"]').evaluate("button => button.click()")


def open_the_challenge(cycle: Cycle) -> None:
    """1. The administrator opens the challenge; overlapping stage dates are refused until they follow on."""
    admin = cycle.admin
    admin.goto(f"{cycle.base}/admin/pages/add/challenges/challengepage/{cycle.site['index'].pk}/")
    admin.locator("#id_title").fill("성동구 밤길 안전")
    admin.locator("#id_theme").fill("더 안전한 밤길")
    admin.locator("#id_question").fill("밤에 집에 걸어갈 때 불안한 곳은 어디인가요?")
    admin.get_by_label("성동구", exact=True).check()
    admin.locator("#id_budget").fill("300000000")
    admin.locator("#id_stages-0-stage").select_option(Stage.DISCOVERY)
    admin.locator("#id_stages-0-start").fill(day(-3).isoformat())
    admin.locator("#id_stages-0-end").fill(day(20).isoformat())
    assert add_inline_form(admin, "stages") == 1
    admin.locator("#id_stages-1-stage").select_option(Stage.CODESIGN)
    fill_challenge_form(admin, codesign_from=10, codesign_to=40)  # inside the call for problems
    refusal = admin.get_by_text(re.compile(r"끝난 뒤에 시작|must start after")).first
    refusal.wait_for()
    refusal.scroll_into_view_if_needed()  # the shot shows the refusal, not the top of a long admin form
    cycle.record("01-admin-overlapping-stages", admin, axe=WAGTAIL_ADMIN_AXE)
    assert not ChallengePage.objects.exists()
    fill_challenge_form(admin, codesign_from=21, codesign_to=50)
    admin.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    challenge = ChallengePage.objects.get()
    assert challenge.live and challenge.current_stage == Stage.DISCOVERY
    # The pilot that will try the shortlisted ideas out (Wagtail's page chooser is Wagtail's to test).
    challenge.pilot_links = [ChallengePilot(pilot=cycle.site["pilot"])]
    challenge.save_revision().publish()
    cycle.challenge = challenge
    for window in (admin, cycle.phones["김하나"]):
        window.goto(cycle.challenge_url)
        window.locator(f"#challenge-stage-{challenge.pk} .stage-badge.stage-{Stage.DISCOVERY}").wait_for()
    cycle.record("02-challenge-opened", admin, cycle.phones["김하나"])


def bring_problems(cycle: Cycle) -> None:
    """2. Residents bring problems into it, one from a phone, one from a desktop; one is shortlisted."""
    for window, name, title in (
        (cycle.phones["김하나"], "김하나", "시장 뒤 골목이 너무 어두워요"),
        (cycle.reader, "이두리", "공원 산책로 가로등이 자주 꺼져요"),
    ):
        if window is cycle.reader:
            log_in(window, cycle.base, cycle.people[name])
            window.goto(cycle.challenge_url)
        window.locator(f'a[href$="?challenge={cycle.challenge.pk}"]').click()
        window.locator("#id_challenge").wait_for()
        assert window.locator("#id_challenge").input_value() == str(cycle.challenge.pk)
        window.locator("#id_title").fill(title)
        window.locator("#id_description").fill(f"{title}. 밤 9시 이후 걸어가기 무섭습니다.")
        window.locator("#id_category").select_option(str(Category.objects.get(slug="safety").pk))
        window.locator("#id_area").select_option(str(cycle.site["dong"].pk))
        if not cycle.proposals:
            cycle.record("03-proposal-form", window)
        window.locator("form.proposal-form button[type=submit]").click()
        window.locator(".proposal-challenge").get_by_role("link", name="성동구 밤길 안전").wait_for()
        cycle.proposals.append(Proposal.objects.get(title=title))
    assert all(proposal.challenge_id == cycle.challenge.pk for proposal in cycle.proposals)
    first = cycle.proposals[0]
    cycle.admin.goto(cycle.challenge_url)
    card = cycle.admin.locator(f"#challenge-proposal-{first.pk}")
    card.locator("input[name=note]").fill("주민 지지가 많음")
    card.locator("button[type=submit]").click()
    cycle.admin.locator(f"#challenge-proposal-{first.pk} .shortlisted-badge").wait_for()
    phone = cycle.phones["김하나"]
    phone.goto(cycle.challenge_url)
    phone.locator(f"#challenge-proposal-{first.pk} .shortlisted-badge").wait_for()
    cycle.record("04-problems-shortlisted", cycle.admin, phone)


def start_co_design_early(cycle: Cycle) -> None:
    """Co-design is planned three weeks on: moving on now is refused until the early start is confirmed."""
    cycle.admin.locator("#challenge-stages form button[type=submit]").click()
    cycle.admin.get_by_text(re.compile("조기 시작을 확인")).first.wait_for()
    cycle.record("05-early-start-asked", cycle.admin)
    assert ChallengePage.objects.get(pk=cycle.challenge.pk).current_stage == Stage.DISCOVERY
    cycle.move_on(Stage.CODESIGN, early=True)


def fill_a_session(cycle: Cycle) -> Session:
    """3. A session of the challenge fills up; a cancellation promotes the first one waiting."""
    start = timezone.now() + datetime.timedelta(days=2)
    session = Session.objects.create(
        page=cycle.challenge,
        title="밤길 안전 워크숍",
        description="주민, 전문가, 기업, 구청이 함께 해결책을 설계합니다.",
        place="성동구 주민회관 2층",
        address="서울 성동구 고산자로 270",
        latitude=37.563456,
        longitude=127.036821,
        capacity=2,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    for name in ("김하나", "이두리", "박세나"):
        window = cycle.phones[name]
        window.goto(cycle.challenge_url)
        window.locator(f"#challenge-sessions a[href='{session.get_absolute_url()}']").first.click()
        window.locator("#registration button[type=submit]").click()
        window.locator("[data-registration]").wait_for()
    waiting = cycle.phones["박세나"]
    expect(waiting.locator("[data-registration]")).to_have_attribute("data-registration", "waiting")
    expect(waiting.locator(f"#seats-{session.pk}")).to_have_attribute("data-seats-left", "0")
    cycle.reader.goto(cycle.challenge_url)
    seats = cycle.reader.locator(f"#challenge-sessions #seats-{session.pk}")
    expect(seats).to_have_attribute("data-seats-left", "0")
    cycle.record("06-session-full-waiting-list", waiting, cycle.reader)
    cancelling = cycle.phones["김하나"]
    cancelling.locator("#registration form[action$='/cancel/'] button").click()
    expect(cancelling.locator(f"#seats-{session.pk}")).to_have_attribute("data-seats-left", "0")
    waiting.reload()
    expect(waiting.locator("[data-registration]")).to_have_attribute("data-registration", "registered")
    assert Registration.objects.get(user=cycle.people["박세나"]).promoted_at is not None
    cycle.record("07-promoted-from-the-waiting-list", waiting)
    return session


def take_attendance(cycle: Cycle, session: Session) -> None:
    """The day comes: staff take attendance at the desk, walk-ins from paper forms included."""
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=10), ends_at=timezone.now() + datetime.timedelta(hours=1)
    )
    admin = cycle.admin
    admin.goto(f"{cycle.base}{session.get_absolute_url()}")
    admin.locator(f"a[href$='/codesign/sessions/{session.pk}/attendance/']").click()
    admin.get_by_label("이두리").check()
    admin.get_by_label("박세나").check()
    admin.locator("form:has(input[value=attendance]) button[type=submit]").click()
    expect(admin.locator("[data-attendance-total]")).to_have_attribute("data-attendance-total", "2")
    admin.locator("#id_count").fill("3")
    admin.locator("#id_channel").select_option("paper")
    admin.locator("#id_names").fill("최씨, 정씨")
    admin.locator("form:has(input[value=walk_ins]) button[type=submit]").click()
    expect(admin.locator("[data-attendance-total]")).to_have_attribute("data-attendance-total", "5")
    cycle.record("08-attendance-taken", admin)


def answer_both_surveys(cycle: Cycle, tester) -> None:
    pilot_url = f"{cycle.base}{cycle.site['pilot'].url}"
    for phase, comfort, brightness in (("before", "불안", "2"), ("after", "안심", "5")):
        tester.goto(pilot_url)
        tester.locator(f"#codesign-participation a[href='{cycle.site[phase].url}']").click()
        tester.get_by_role("radio", name=comfort, exact=True).check()
        tester.get_by_label(brightness, exact=True).check()
        tester.locator("textarea").fill("골목이 훨씬 밝아졌어요." if phase == "after" else "너무 어두워요.")
        if phase == "before":
            cycle.record("10-before-survey", tester)
        tester.locator(".survey-form button[type=submit]").click()
        expect(tester.locator("[data-survey]")).to_have_attribute("data-survey", "answered")
        if phase == "before":
            # Answered once: no second form, the results so far as a chart (drawn) beside its table.
            expect(tester.locator(".survey-form")).to_have_count(0)
            tester.locator(".survey-results canvas[data-drawn]").first.wait_for()
            cycle.record("10b-before-survey-answered-results", tester)


def run_the_pilot(cycle: Cycle) -> None:
    """4. The pilot runs with residents as test users, who answer its before and after surveys."""
    pilot = cycle.site["pilot"]
    cycle.move_on(Stage.PILOT)  # the pilot stage has no planned dates here: nothing to confirm
    tester = cycle.phones["이두리"]
    tester.goto(cycle.challenge_url)
    tester.locator(f"#challenge-pilot a[href='{pilot.url}']").click()
    tester.locator(f"a[href$='/codesign/pages/{pilot.pk}/volunteer/']").first.click()
    tester.locator(".consent-text").wait_for()
    cycle.record("09-informed-consent", tester)
    tester.locator("#id_agree").check()
    tester.locator("form:has(#id_agree) button[type=submit]").click()
    participation = tester.locator("#codesign-participation [data-participant]")
    expect(participation).to_have_attribute("data-participant", "active")
    answer_both_surveys(cycle, tester)
    # A second test user volunteered and answered at the Residents' Hall desk (the same services).
    sena = cycle.people["박세나"]
    codesign_services.volunteer_for_pilot(pilot, user=sena, consent_version=1)
    for phase, comfort, brightness in (("before", "보통", "3"), ("after", "안심", "4")):
        keys = {question.label: question.clean_name for question in cycle.site[phase].form_fields.all()}
        codesign_services.answer_survey(
            cycle.site[phase], user=sena, data={keys[COMFORT]: comfort, keys[BRIGHTNESS]: brightness}
        )
    assert LabParticipant.objects.active().filter(page_id=pilot.pk).count() == 2
    for window in (tester, cycle.reader):
        window.goto(f"{cycle.base}{pilot.url}")
        window.locator("#codesign-participation .survey-comparison").first.wait_for()
    cycle.record("11-pilot-before-and-after", tester, cycle.reader)
    cycle.move_on(Stage.EVALUATION)


def record_the_decision(cycle: Cycle) -> None:
    """5. The decision, with the survey results among its evidence; a missing neighbourhood is refused first."""
    admin, phone = cycle.admin, cycle.phones["김하나"]
    admin.locator(f'a[href$="/challenges-actions/{cycle.challenge.pk}/decide/"]').click()
    admin.locator("table.survey-evidence").wait_for()
    cycle.record("12-decision-form-evidence", admin)
    admin.locator("input[name=outcome][value=scale_dongs]").check()
    admin.locator("#id_reasons").fill("설치 후 설문에서 안심된다는 응답이 늘었고 야간 보행자가 늘었습니다.")
    admin.locator("#id_budget_consequence").fill("내년 예산에 두 개 동 확대 설치비를 편성합니다.")
    admin.locator("form.stacked-form button[type=submit]").click()
    admin.locator("#error-summary").wait_for()
    assert not ChallengeDecision.objects.exists()
    admin.get_by_label("성동구 성수1가1동").check()
    admin.get_by_label("성동구 왕십리2동").check()
    admin.locator("form.stacked-form button[type=submit]").click()
    admin.locator("#challenge-decision .decision").wait_for()
    phone.goto(cycle.challenge_url)
    phone.locator("#challenge-decision .decision table.survey-evidence").wait_for()
    admin.locator("#challenge-decision").scroll_into_view_if_needed()
    cycle.record("13-decision-recorded", admin, phone)


def test_the_living_lab_cycle_from_opening_to_decision(live_server, browser, site):
    cycle = Cycle(base=live_server.url, site=site)
    admin_user = AdministratorFactory(email="staff@example.org", display_name="구청 담당자")
    cycle.admin = korean_window(browser, DESK)
    log_in(cycle.admin, cycle.base, admin_user)
    for name in ("김하나", "이두리", "박세나"):
        cycle.people[name] = ResidentFactory(display_name=name, home_area=site["dong"])
        cycle.phones[name] = korean_window(browser, PHONE)
        log_in(cycle.phones[name], cycle.base, cycle.people[name])
    cycle.reader = korean_window(browser, DESK)

    open_the_challenge(cycle)
    bring_problems(cycle)
    start_co_design_early(cycle)
    take_attendance(cycle, fill_a_session(cycle))
    run_the_pilot(cycle)
    record_the_decision(cycle)

    decision = ChallengeDecision.objects.get()
    comfort = decision.evidence["pilots"][0]["surveys"]["before_after"][0]
    assert comfort["question"] == COMFORT and dict(comfort["after"]["options"])["안심"] == 2
    challenge = ChallengePage.objects.get(pk=cycle.challenge.pk)
    assert challenge.is_closed and challenge.current_stage == Stage.DECISION
    cycle.proposals[0].refresh_from_db()
    assert cycle.proposals[0].status == ProposalStatus.COMPLETED


@pytest.fixture
def evaluated_later(site):
    """A challenge whose co-design is planned for later, with a proposal from a resident."""
    dong = site["dong"]
    challenge = ChallengePage(
        title="구로구 학교 앞 미세먼지",
        slug="fine-dust",
        theme="깨끗한 등굣길",
        question="학교 앞 공기가 걱정되는 곳은 어디인가요?",
    )
    offsets = [(-5, 20), (21, 50), (51, 120), (121, 150), (151, 160)]
    challenge.stages = [
        ChallengeStage(stage=stage, start=day(a), end=day(b))
        for stage, (a, b) in zip(STAGE_ORDER, offsets, strict=True)
    ]
    challenge.areas = [dong.parent]
    challenge.categories = [Category.objects.get(slug="safety")]
    site["index"].add_child(instance=challenge)
    challenge.save_revision().publish()
    proposal = ProposalFactory(challenge=challenge, area=dong, title="교문 앞 공회전 차량")
    return {"challenge": ChallengePage.objects.get(pk=challenge.pk), "proposal": proposal}


def test_the_challenge_actions_work_without_javascript(live_server, browser, site, evaluated_later):
    base = live_server.url
    challenge, proposal = evaluated_later["challenge"], evaluated_later["proposal"]
    url = f"{base}{challenge.url}"
    resident = korean_window(browser, PHONE, javascript=False)
    log_in(resident, base, ResidentFactory(home_area=site["dong"]))
    resident.goto(url)
    resident.locator("#challenge-follow button[type=submit]").click()
    resident.locator("#challenge-follow input[name=unfollow]").wait_for(state="attached")

    admin = korean_window(browser, DESK, javascript=False)
    log_in(admin, base, AdministratorFactory())
    admin.goto(url)
    admin.locator(f"#challenge-proposal-{proposal.pk} button[type=submit]").click()
    admin.locator(f"#challenge-proposal-{proposal.pk} .shortlisted-badge").wait_for()
    admin.locator("#challenge-stages form button[type=submit]").click()  # co-design starts later: refused
    admin.get_by_text(re.compile("조기 시작을 확인")).first.wait_for()
    assert ChallengePage.objects.get(pk=challenge.pk).current_stage == Stage.DISCOVERY
    for stage in (Stage.CODESIGN, Stage.PILOT, Stage.EVALUATION):
        admin.locator("#id_early").check()
        admin.locator("#challenge-stages form button[type=submit]").click()
        admin.locator(f"#challenge-stage-{challenge.pk} .stage-badge.stage-{stage}").wait_for()
    admin.locator(f'a[href$="/challenges-actions/{challenge.pk}/decide/"]').click()
    admin.locator("input[name=outcome][value=adapt]").check()
    admin.locator("#id_reasons").fill("측정 기간이 짧아 한 번 더 시범 운영합니다.")
    admin.locator("#id_budget_consequence").fill("추가 예산 없이 기존 장비로 운영합니다.")
    admin.locator("form.stacked-form button[type=submit]").click()
    admin.locator("#challenge-decision .decision").wait_for()
    assert ChallengePage.objects.get(pk=challenge.pk).is_closed
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
