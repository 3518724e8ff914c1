"""Issue 13: desk staff write a proposal's easy-read summary (saved in place with htmx), and a resident who
turned on larger text sees it first. Korean, phone (390) and desktop (1366), axe on every page."""

import pytest
from playwright.sync_api import expect

from desk import services as desk_services
from desk.models import Centre
from home import demo
from proposals.models import Proposal
from tests.factories import DongFactory, ProposalFactory, ResidentFactory, UserFactory

from .test_everyday_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SUMMARY = "골목 가로등이 2주째 꺼져 있어요.\n밤에 길이 어두워서 위험해요.\n구청에 고쳐 달라고 부탁해요."


def korean(page, base):
    page.context.add_cookies([{"name": "django_language", "value": "ko", "url": base}])


def test_staff_write_the_summary_and_a_resident_reading_larger_text_sees_it_first(
    live_server, page, screenshot, assert_accessible
):
    demo.build_pages()
    proposal = ProposalFactory(title="성수로 골목 가로등이 고장 났어요")
    staff = UserFactory(display_name="창구 담당자")
    desk_services.appoint_desk_staff(
        staff, centre=Centre.objects.create(name="성수1가1동 주민센터", area=DongFactory())
    )
    base = live_server.url

    log_in(page, base, staff)
    korean(page, base)
    page.goto(f"{base}{proposal.get_absolute_url()}")
    page.get_by_role("link", name="쉬운 요약 쓰기").click()
    box = page.get_by_role("textbox", name="쉬운 요약")
    box.fill("<b>굵게</b>")
    page.get_by_role("button", name="쉬운 요약 저장").click()
    expect(page.get_by_role("alert")).to_contain_text("HTML을 쓸 수 없습니다")
    box.fill(SUMMARY)
    page.get_by_role("button", name="쉬운 요약 저장").click()
    # Saved in place (htmx): the status region says so, and the page did not leave the form.
    expect(page.get_by_role("status").filter(has_text="쉬운 요약을 저장했습니다.")).to_be_visible()
    assert page.url.endswith("/easy-read/")
    assert Proposal.objects.get(pk=proposal.pk).easy_read_summary == SUMMARY
    assert_accessible("easy-read form")
    screenshot("easy-read-form-390")

    log_in(page, base, ResidentFactory())
    korean(page, base)
    page.goto(f"{base}{proposal.get_absolute_url()}")
    summary = page.locator("details.easy-read")
    expect(summary).to_be_visible()
    expect(page.get_by_text("밤에 길이 어두워서 위험해요.")).to_be_hidden()
    page.get_by_role("button", name="큰 글자", exact=True).click()
    section = page.get_by_role("region", name="쉬운 요약")
    expect(section).to_contain_text("밤에 길이 어두워서 위험해요.")
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(f"easy reading on {width}")
        screenshot(f"easy-read-first-{width}")
