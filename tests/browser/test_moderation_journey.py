"""Issue 9, point 15: a moderator at work, from residents' reports to a block and its lifting.

1. Residents report a proposal (a phone, in Korean), a comment (the same phone) and a resident's comment on a
   pilot's results (a desktop, in English), each through the report form under the item.
2. The moderator opens the admin: the dashboard counts the pending reports and leads to the one moderation
   queue, where each reported text shows in its context with the reasons people gave.
3. The moderator hides the proposal with a reason, dismisses the unfair report on the pilot comment and warns
   the author of the rude comment.
4. The same author posts another rude comment; reported again, the moderator blocks them. They can still read,
   but the comment they send is refused with the reason, and their pages say why they cannot take part.
5. The moderator lifts the block from "Blocked people", and the author takes part again.

Residents' pages are checked with axe on a phone (390 px) and a desktop (1366 px), in Korean and English; the
moderator's queue is shot at both widths in both languages. Screenshots: test-artifacts/screenshots/moderation-*.
"""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from home import demo as home_demo
from notifications.models import Notification, NotificationKind
from pilots.models import PilotFeedback, PilotIndexPage, PilotPage, PilotStatus
from pilots.services import set_up_pilot_index, submit_feedback
from proposals import services as proposal_services
from proposals.models import Area, Category, Comment, Proposal, Report
from tests.browser.conftest import LIVENESS_MS
from tests.browser.steps import DESK, PHONE, check_accessible, korean_window, log_in
from tests.factories import ProposalFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

QUEUE = "/admin/livinglab/moderation/"
PRIVATE = "옆집 김철수 씨(010-1234-5678)가 밤마다 골목에 쓰레기를 버립니다."
RUDE = "여기 사는 사람들은 다 바보야."
RUDER = "바보들은 이사나 가라."
FAIR = "The lights are far too bright; I cannot sleep since they came."


def english_window(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    page.set_default_timeout(LIVENESS_MS)
    return page


@pytest.fixture
def world(db):
    home = home_demo.build_pages()
    home_demo.build_areas()
    home_demo.build_categories()
    dong = Area.objects.get(slug="seongsu-1ga-1-dong")
    safety = Category.objects.get(slug="safety")
    index = PilotIndexPage(title="시범사업", slug="pilots")
    home.add_child(instance=index)
    index.save_revision().publish()
    set_up_pilot_index(index)
    pilot = PilotPage(
        title="성수동 스마트 보안등",
        slug="smart-lights",
        summary="어두운 골목에 사람을 감지해 밝아지는 보안등.",
        status=PilotStatus.EVALUATING,
        area=dong,
        category=safety,
    )
    index.add_child(instance=pilot)
    pilot.save_revision().publish()
    people = {
        "minsu": ResidentFactory(display_name="민수", home_area=dong),
        "troll": ResidentFactory(display_name="악플러", home_area=dong),
        "sleepless": ResidentFactory(display_name="Chris", home_area=dong),
        "jisu": ResidentFactory(display_name="지수", home_area=dong),
        "sam": ResidentFactory(display_name="Sam", home_area=dong),
        "moderator": UserFactory(role=Role.MODERATOR, display_name="모더레이터"),
    }
    named = ProposalFactory(
        title="시장 뒤 골목 쓰레기", description=PRIVATE, author=people["minsu"], area=dong, category=safety
    )
    dark = ProposalFactory(
        title="공원 산책로가 너무 어두워요",
        description="공원 산책로 가로등이 자주 꺼집니다.",
        author=people["minsu"],
        area=dong,
        category=safety,
    )
    rude = proposal_services.post_comment(dark, author=people["troll"], body=RUDE)
    feedback, _created = submit_feedback(pilot, user=people["sleepless"], rating=2, comment=FAIR)
    return {
        "pilot": PilotPage.objects.get(pk=pilot.pk),
        "named": named,
        "dark": dark,
        "rude": rude,
        "feedback": feedback,
        **people,
    }


def send_report(window, reason: str) -> None:
    window.locator("#id_reason").fill(reason)
    window.locator("form.stacked-form button[type=submit]").click()
    window.locator(".messages .message-success").wait_for()


def shoot_both_widths(window, shoot, name: str, *, axe: bool = True) -> None:
    """The window as it is, then at the other width (same state, resized), then back; axe at each width."""
    own = dict(window.viewport_size)
    for viewport in (own, DESK if own["width"] < 800 else PHONE):
        window.set_viewport_size(viewport)
        size = "phone" if viewport["width"] < 800 else "desktop"
        shoot(f"moderation-{name}-{size}", target=window)
        if axe:
            check_accessible(window, f"{name} ({size})")
    window.set_viewport_size(own)


def moderate(window, item_id: str, action: str, reason: str = "") -> None:
    item = window.locator(f"#{item_id}")
    if reason:
        item.locator("input[name=reason]").fill(reason)
    with window.expect_navigation():  # the action posts, then comes back to the queue with a message
        item.locator(f"button[name=action][value={action}]").click()
    window.locator(".messages .success").first.wait_for()


def test_a_moderator_works_the_queue_from_reports_to_a_lifted_block(live_server, browser, screenshot, world):
    base = live_server.url
    named, dark, rude, feedback, pilot = world["named"], world["dark"], world["rude"], world["feedback"], world["pilot"]

    # 1. Residents report: a proposal and a comment from a Korean phone, a pilot comment from an English desktop.
    jisu = korean_window(browser, PHONE)
    log_in(jisu, base, world["jisu"])
    jisu.goto(f"{base}{named.get_absolute_url()}")
    jisu.locator(f"a[href='/proposals/{named.pk}/report/']").click()
    expect(jisu.get_by_role("heading", name="관리자에게 신고")).to_be_visible()
    shoot_both_widths(jisu, screenshot, "01-report-proposal-ko")
    send_report(jisu, "다른 사람의 이름과 전화번호가 적혀 있어요")
    jisu.goto(f"{base}{dark.get_absolute_url()}")
    jisu.locator(f"a[href='/proposals/comments/{rude.pk}/report/']").click()
    expect(jisu.locator("blockquote")).to_contain_text(RUDE)
    send_report(jisu, "욕설입니다")

    sam = english_window(browser, DESK)
    log_in(sam, base, world["sam"])
    sam.goto(f"{base}{pilot.url}")
    sam.locator(f"a[href='/pilots-data/feedback/{feedback.pk}/report/']").click()
    expect(sam.get_by_role("heading", name="Report to the moderators")).to_be_visible()
    shoot_both_widths(sam, screenshot, "02-report-pilot-comment-en")
    send_report(sam, "Looks like spam to me")
    assert Report.objects.filter(resolved_at__isnull=True).count() == 2
    assert feedback.reports.filter(resolved_at__isnull=True).count() == 1

    # 2. The moderator's dashboard counts the pending reports and leads to the queue.
    desk = korean_window(browser, DESK)
    log_in(desk, base, world["moderator"])
    desk.goto(f"{base}/admin/")
    counts = desk.locator(".livinglab-work-queue")
    expect(counts).to_contain_text("신고된 항목 3건이 처리를 기다립니다")
    screenshot("moderation-03-dashboard-ko-desktop", target=desk)
    counts.locator(f"a[href='{QUEUE}']").click()
    desk.wait_for_url(f"{base}{QUEUE}")
    queue = desk.locator(".moderation-queue")
    expect(queue.locator(".moderation-item")).to_have_count(3)
    proposal_item = queue.locator(f"#reported-proposal-{named.pk}")
    expect(proposal_item).to_contain_text(PRIVATE)
    expect(proposal_item).to_contain_text("다른 사람의 이름과 전화번호가 적혀 있어요")
    comment_item = queue.locator(f"#reported-comment-{rude.pk}")
    expect(comment_item).to_contain_text(RUDE)
    expect(comment_item).to_contain_text(dark.title)  # the comment in the context of its proposal
    expect(comment_item).to_contain_text("욕설입니다")
    feedback_item = queue.locator(f"#reported-pilot_feedback-{feedback.pk}")
    expect(feedback_item).to_contain_text(FAIR)
    expect(feedback_item).to_contain_text(pilot.title)
    expect(feedback_item).to_contain_text("Looks like spam to me")
    shoot_both_widths(desk, screenshot, "04-queue-ko", axe=False)
    desk_en = english_window(browser, PHONE)
    log_in(desk_en, base, world["moderator"])
    desk_en.goto(f"{base}{QUEUE}")
    expect(desk_en.locator(f"#reported-comment-{rude.pk}")).to_contain_text("Why people reported it")
    shoot_both_widths(desk_en, screenshot, "04-queue-en", axe=False)

    # 3. Hide the proposal with a reason, dismiss the unfair report, warn the rude comment's author.
    moderate(desk, f"reported-proposal-{named.pk}", "hide", "개인정보(전화번호)가 들어 있어 숨깁니다")
    named.refresh_from_db()
    assert named.is_hidden and named.hidden_reason == "개인정보(전화번호)가 들어 있어 숨깁니다"
    moderate(desk, f"reported-pilot_feedback-{feedback.pk}", "dismiss", "정당한 의견입니다")
    assert not PilotFeedback.objects.get(pk=feedback.pk).is_hidden
    moderate(desk, f"reported-comment-{rude.pk}", "warn", "다른 주민을 모욕하지 말아 주세요")
    expect(desk.locator(".moderation-item")).to_have_count(0)
    assert Notification.objects.filter(recipient=world["troll"], kind=NotificationKind.MODERATION_WARNING).exists()
    jisu.goto(f"{base}{named.get_absolute_url()}")
    expect(jisu.get_by_role("heading", name=named.title)).to_have_count(0)  # hidden from everyone else
    jisu.goto(f"{base}{pilot.url}")
    expect(jisu.locator("#pilot-feedback")).to_contain_text(FAIR)  # dismissed: it stays

    # 4. The warned author insults again; reported, they are blocked, and what they send next is refused.
    troll = korean_window(browser, PHONE)
    log_in(troll, base, world["troll"])
    troll.goto(f"{base}{dark.get_absolute_url()}")
    troll.locator("#id_body").fill(RUDER)
    troll.locator("form.comment-form button[type=submit]").click()
    expect(troll.locator(f"#comments-{dark.pk}")).to_contain_text(RUDER)
    ruder = Comment.objects.get(body=RUDER)
    jisu.goto(f"{base}{dark.get_absolute_url()}")
    jisu.locator(f"a[href='/proposals/comments/{ruder.pk}/report/']").click()
    send_report(jisu, "또 욕설입니다")
    desk.goto(f"{base}{QUEUE}")
    moderate(desk, f"reported-comment-{ruder.pk}", "block", "경고 후에도 욕설을 반복했습니다")
    # Blocking answers for the person; the comment itself waits for its own decision, marked "blocked".
    expect(desk.locator(f"#reported-comment-{ruder.pk} .moderation-item__meta")).to_contain_text("차단됨")
    expect(desk.locator(f"#reported-comment-{ruder.pk} button[value=block]")).to_have_count(0)
    moderate(desk, f"reported-comment-{ruder.pk}", "hide", "다른 주민을 모욕하는 글입니다")
    expect(desk.locator(".moderation-item")).to_have_count(0)
    desk.goto(f"{base}{QUEUE}?tab=blocked")
    expect(desk.locator("table.listing")).to_contain_text("악플러")
    shoot_both_widths(desk, screenshot, "05-blocked-people-ko", axe=False)

    # The author still has the page open: the comment they send now is refused, and they are told why.
    troll.locator("#id_body").fill("나는 아무 잘못 없어.")
    troll.locator("form.comment-form button[type=submit]").click()
    alert = troll.locator("#proposal-alerts .message-error")
    expect(alert).to_contain_text("계정의 참여가 차단되었습니다")
    expect(alert).to_contain_text("경고 후에도 욕설을 반복했습니다")
    assert not Comment.objects.filter(body="나는 아무 잘못 없어.").exists()
    # They can still read; the page says why they cannot take part instead of offering a form that fails.
    troll.reload()
    expect(troll.get_by_role("heading", name=dark.title)).to_be_visible()
    expect(troll.locator("form.comment-form")).to_have_count(0)
    notice = troll.locator(".blocked-notice")
    expect(notice).to_contain_text("경고 후에도 욕설을 반복했습니다")
    shoot_both_widths(troll, screenshot, "06-blocked-reads-ko")
    # Any other way to post says the same: a new proposal, a rating.
    response = troll.goto(f"{base}/proposals/new/")
    assert response.status == 403
    expect(troll.locator("main")).to_contain_text("경고 후에도 욕설을 반복했습니다")
    shoot_both_widths(troll, screenshot, "07-blocked-new-proposal-refused-ko")

    # 5. The moderator lifts the block; the author takes part again.
    desk.goto(f"{base}{QUEUE}?tab=blocked")
    with desk.expect_navigation():
        desk.locator(f"form[action$='/unblock/{world['troll'].pk}/'] button").click()
    expect(desk.locator(".messages")).to_contain_text("악플러")
    expect(desk.locator("table.listing")).to_have_count(0)
    troll.goto(f"{base}{dark.get_absolute_url()}")
    expect(troll.locator(".blocked-notice")).to_have_count(0)
    troll.locator("#id_body").fill("지난번 말은 사과드립니다. 가로등이 빨리 고쳐지면 좋겠어요.")
    troll.locator("form.comment-form button[type=submit]").click()
    expect(troll.locator(f"#comments-{dark.pk}")).to_contain_text("사과드립니다")
    desk.goto(f"{base}/admin/")
    expect(desk.locator(".livinglab-work-queue")).to_contain_text("신고된 항목 0건")
    assert Proposal.objects.get(pk=named.pk).is_hidden
