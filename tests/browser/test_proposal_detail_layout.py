"""Issue 9, point 18 and issue 16: the proposal page uses its width, and a long discussion loads in pages.

On a 1366 px screen the vote panel, the place and the timeline sit in a column beside the text, starting
level with the title (they used to start below the whole text, 650-830 px down); on a 390 px phone they
follow the text in one column. An administrator's status panel, with the timeline it writes to, comes near
the top of that column, above the place and its map. "Show more comments" adds the next threads in place
(htmx), keeping each reply under its comment.
"""

import pytest
from playwright.sync_api import expect

from proposals.templatetags.proposal_tags import COMMENTS_PAGE
from tests.browser.steps import log_in
from tests.factories import AdministratorFactory, CommentFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def discussed_proposal():
    proposal = ProposalFactory(
        title="Broken street light by the school gate",
        description="\n\n".join(["The light at the gate has been out for two weeks."] * 6),
        latitude="37.550000",
        longitude="127.040000",
    )
    tops = [
        CommentFactory(proposal=proposal, author=ResidentFactory(), body=f"Comment number {n}")
        for n in range(COMMENTS_PAGE + 3)
    ]
    CommentFactory(proposal=proposal, parent=tops[-1], author=ResidentFactory(), body="A reply to the last one")
    return proposal


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_wide_screens_put_the_vote_panel_and_timeline_beside_the_text(
    live_server, page, screenshot, assert_accessible, discussed_proposal
):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}{discussed_proposal.get_absolute_url()}")
    expect(page.locator(f"#vote-panel-{discussed_proposal.pk}")).to_be_visible()
    title, description = box(page, "#proposal-title"), box(page, ".proposal-description")
    vote, timeline = (
        box(page, f"#vote-panel-{discussed_proposal.pk}"),
        box(page, f"#status-timeline-{discussed_proposal.pk}"),
    )
    assert vote["x"] > description["x"] + description["width"]  # a column of its own, to the right
    assert vote["y"] < title["y"] + 200  # level with the title, not below the text
    assert timeline["x"] == pytest.approx(vote["x"], abs=2)
    assert_accessible("proposal page at 1366 px")
    screenshot("proposal-detail-1366")


def test_phones_show_one_column_with_the_vote_panel_after_the_text(
    live_server, page, screenshot, assert_accessible, discussed_proposal
):
    page.goto(f"{live_server.url}{discussed_proposal.get_absolute_url()}")
    expect(page.locator(f"#vote-panel-{discussed_proposal.pk}")).to_be_visible()
    description, vote = box(page, ".proposal-description"), box(page, f"#vote-panel-{discussed_proposal.pk}")
    assert vote["y"] > description["y"] + description["height"]
    assert vote["x"] == pytest.approx(description["x"], abs=24)
    side = box(page, ".proposal-side")
    assert side["x"] >= 0 and side["x"] + side["width"] <= 390  # nothing sticks out sideways
    assert_accessible("proposal page at 390 px")
    screenshot("proposal-detail-390")


# The administrator's panel starts this close to the text's top (a vote count and a follow button above it);
# below the place and its map it started about 600 px down.
ADMIN_PANEL_REACH = 400


def test_wide_screens_put_the_administrators_status_panel_beside_the_text_near_its_top(
    live_server, page, screenshot, assert_accessible, discussed_proposal
):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server.url, AdministratorFactory())
    page.goto(f"{live_server.url}{discussed_proposal.get_absolute_url()}")
    panel = page.locator(".admin-panel")
    expect(panel.get_by_role("button", name="Save status and answer")).to_be_visible()
    title, description = box(page, "#proposal-title"), box(page, ".proposal-description")
    admin, timeline = box(page, ".admin-panel"), box(page, f"#status-timeline-{discussed_proposal.pk}")
    assert admin["x"] > description["x"] + description["width"]  # beside the text, not under it
    assert admin["y"] < title["y"] + ADMIN_PANEL_REACH, admin["y"] - title["y"]
    assert timeline["x"] == pytest.approx(admin["x"], abs=2)
    assert admin["y"] + admin["height"] <= timeline["y"]  # the answer, then the history it joins
    assert timeline["y"] < box(page, ".proposal-location")["y"]
    assert_accessible("proposal page as an administrator at 1366 px")
    screenshot("proposal-detail-administrator-1366")


def test_phones_stack_the_administrators_status_panel_after_the_text(
    live_server, page, screenshot, assert_accessible, discussed_proposal
):
    log_in(page, live_server.url, AdministratorFactory())
    page.goto(f"{live_server.url}{discussed_proposal.get_absolute_url()}")
    expect(page.locator(".admin-panel")).to_be_visible()
    description, admin = box(page, ".proposal-description"), box(page, ".admin-panel")
    assert admin["y"] > description["y"] + description["height"]
    assert admin["x"] == pytest.approx(description["x"], abs=24)
    assert admin["x"] >= 0 and admin["x"] + admin["width"] <= 390
    timeline = box(page, f"#status-timeline-{discussed_proposal.pk}")
    assert timeline["y"] >= admin["y"] + admin["height"]
    assert_accessible("proposal page as an administrator at 390 px")
    screenshot("proposal-detail-administrator-390")


def test_show_more_comments_adds_the_next_threads_in_place(live_server, page, discussed_proposal):
    page.goto(f"{live_server.url}{discussed_proposal.get_absolute_url()}")
    comments = page.locator(f"#comments-{discussed_proposal.pk} > .comment-list > li")
    expect(comments).to_have_count(COMMENTS_PAGE)
    expect(page.get_by_text("A reply to the last one")).to_have_count(0)
    page.get_by_role("link", name="Show more comments").click()
    expect(comments).to_have_count(COMMENTS_PAGE + 3)
    reply = page.locator(f"#comments-{discussed_proposal.pk} .comment-replies").get_by_text("A reply to the last one")
    expect(reply).to_be_visible()
    expect(page.get_by_role("link", name="Show more comments")).to_have_count(0)
    assert page.url.endswith(discussed_proposal.get_absolute_url())  # htmx swapped it in; no page load
