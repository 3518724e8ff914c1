"""Issue 3, point 13: a problem goes from a resident's phone to an accepted proposal, through the real pages.

A resident reports it with a photo, a neighbour supports it, an expert assesses it and an administrator
answers officially and accepts it. Each step is screenshotted on a 390 px wide phone viewport.
"""

import re

import pytest
from PIL import Image

from home import demo
from proposals.models import Assessment, Proposal, ProposalStatus, Vote
from tests.browser.conftest import ARTIFACTS, LIVENESS_MS
from tests.factories import PASSWORD, AdministratorFactory, ExpertFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def log_in(page, base, user):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{base}/")


def test_resident_reports_neighbour_supports_expert_assesses_administrator_accepts(
    live_server, page, screenshot, assert_accessible, settings, tmp_path
):
    demo.build_pages()
    demo.build_areas()
    demo.build_categories()
    # No tile server is reachable from the test machine: tiles fail fast and the page must stay usable.
    settings.MAP_TILE_URL = f"{live_server.url}/static/no-such-tiles/{{z}}/{{x}}/{{y}}.png"
    author = ResidentFactory(display_name="Ji-woo")
    neighbour = ResidentFactory(display_name="Min-jun")
    expert = ExpertFactory(display_name="Dr. Seo", organisation="Seoul Institute")
    administrator = AdministratorFactory(display_name="District office")
    base = live_server.url

    photo = tmp_path / "dark-alley.jpg"
    Image.new("RGB", (1200, 900), (40, 50, 70)).save(photo, format="JPEG")

    # 1. A resident reports a problem with a photo and a map point.
    log_in(page, base, author)
    page.goto(f"{base}/proposals/")
    page.get_by_role("link", name="Report a problem").click()
    page.wait_for_url(f"{base}/proposals/new/")
    page.get_by_label("Title").fill("Dark alley behind Seongsu market")
    page.get_by_label("Description").fill(
        "The alley behind the market has no working light since March.\n\nChildren walk here after academy."
    )
    page.get_by_label("Category").select_option(label="Safety")
    page.get_by_label("Neighbourhood").select_option(label="Seongdong-gu Seongsu 1-ga 1-dong")
    # Tapping the map fills in the coordinates; typing them stays possible (and decides here).
    page.locator("#point-picker").click()
    assert page.get_by_label("Latitude").input_value().startswith("37.5")
    assert page.get_by_label("Longitude").input_value().startswith("127.0")
    page.get_by_label("Latitude").fill("37.5446")
    page.get_by_label("Longitude").fill("127.0557")
    page.get_by_label("Photos", exact=True).set_input_files(str(photo))
    assert_accessible("submission form")
    screenshot("proposal-01-submission-form")
    page.get_by_role("button", name="Publish proposal").click()
    page.wait_for_url(re.compile(r"/proposals/\d+/$"))
    proposal = Proposal.objects.get()
    assert page.get_by_text("Thank you. Your proposal is published.").is_visible()
    assert page.get_by_role("heading", name="Dark alley behind Seongsu market").is_visible()
    thumbnail = page.locator(".photo-list img")
    assert thumbnail.count() == 1
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    page.locator(".map-fallback").wait_for()  # tiles failed: the fallback note says so
    assert page.get_by_role("link", name=re.compile("Open the spot")).is_visible()
    assert_accessible("detail page, just published")
    screenshot("proposal-02-published")

    # 2. A second resident supports it (htmx swaps the vote panel in place).
    log_in(page, base, neighbour)
    page.goto(f"{base}{proposal.get_absolute_url()}")
    page.get_by_role("button", name="Support this proposal").click()
    page.get_by_role("button", name="Withdraw my support").wait_for()
    assert page.locator(f"#vote-count-{proposal.pk}").inner_text() == "1"
    assert Vote.objects.filter(user=neighbour, proposal=proposal).exists()
    # htmx swapped the panel in place: no reload, so no flash message
    assert page.get_by_text("Thank you for your support.").count() == 0
    page.get_by_label("Your comment").fill("I walk my dog there every night. It is pitch dark.")
    page.get_by_role("button", name="Post comment").click()
    page.locator(f"#comments-{proposal.pk} .comment-body", has_text="pitch dark").wait_for()
    assert page.get_by_label("Your comment").input_value() == ""
    screenshot("proposal-03-supported")

    # 3. An expert writes a structured assessment.
    log_in(page, base, expert)
    page.goto(f"{base}{proposal.get_absolute_url()}")
    page.get_by_text("Write an assessment").click()
    page.get_by_label("4", exact=True).check()
    page.get_by_label("Estimated cost").select_option("under_10m")
    page.get_by_label("Recommendation").select_option("pilot")
    page.get_by_label("Risks").fill("The wall belongs to a private building; the owner must agree.")
    page.get_by_label("Assessment", exact=True).fill(
        "Two solar lights on the market wall would light the whole alley for under ten million won."
    )
    screenshot("proposal-04-assessment-form")
    page.get_by_role("button", name="Publish assessment").click()
    page.wait_for_url(re.compile(rf"/proposals/{proposal.pk}/#assessments-{proposal.pk}$"))
    assessments = page.locator(f"#assessments-{proposal.pk}")
    assert "Dr. Seo" in assessments.inner_text() and "4 of 5" in assessments.inner_text()
    assert Assessment.objects.filter(expert=expert, proposal=proposal, feasibility=4).exists()
    assert_accessible("detail page with an assessment")
    screenshot("proposal-05-assessed")

    # 4. An administrator takes it under review, then answers officially and accepts it.
    log_in(page, base, administrator)
    page.goto(f"{base}{proposal.get_absolute_url()}")
    page.get_by_label("New status").select_option("under_review")
    page.get_by_label("Official answer").fill("The district office is checking the wall with its owner.")
    page.get_by_role("button", name="Save status and answer").click()
    page.get_by_text("The proposal is now “Under review”.").wait_for()
    page.get_by_label("New status").select_option("accepted")
    page.get_by_label("Official answer").fill("We will install **two solar lights** in May.")
    screenshot("proposal-06-status-form")
    page.get_by_role("button", name="Save status and answer").click()
    page.get_by_text("The proposal is now “Accepted”.").wait_for()
    timeline = page.locator(f"#status-timeline-{proposal.pk}")
    assert "Accepted" in timeline.inner_text()
    assert timeline.locator("strong", has_text="two solar lights").count() == 1
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert_accessible("accepted proposal")
    screenshot("proposal-07-accepted")

    # Everyone sees the outcome in the list.
    page.context.clear_cookies()
    page.goto(f"{base}/proposals/?status=accepted")
    card = page.locator(f"#proposal-card-{proposal.pk}")
    assert "Accepted" in card.inner_text()
    assert page.locator(f"#card-votes-{proposal.pk}").inner_text() == "1"
    assert_accessible("list of accepted proposals")
    screenshot("proposal-08-list")


def test_everything_works_without_javascript(live_server, browser, settings):
    """Plain forms, POST then redirect: support, comment and reply with scripts switched off."""
    demo.build_pages()
    proposal = ProposalFactory(title="Broken bench in the small park")
    neighbour = ResidentFactory()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(LIVENESS_MS)
    base = live_server.url
    try:
        log_in(page, base, neighbour)
        page.goto(f"{base}{proposal.get_absolute_url()}")
        page.get_by_role("button", name="Support this proposal").click()
        page.get_by_text("Thank you for your support.").wait_for()
        assert page.locator(f"#vote-count-{proposal.pk}").inner_text() == "1"
        page.get_by_label("Your comment").fill("The bench has a sharp broken slat.")
        page.get_by_role("button", name="Post comment").click()
        page.get_by_text("Your comment is posted.").wait_for()
        page.locator("details.reply summary").first.click()
        page.get_by_label(re.compile("Your reply to")).fill("Children sit there after school, too.")
        page.get_by_role("button", name="Post reply").click()
        page.get_by_text("Your comment is posted.").wait_for()
        assert page.locator(".comment-replies .comment-body").inner_text().strip() == (
            "Children sit there after school, too."
        )
        screenshot_path = ARTIFACTS / "proposal-09-no-javascript.png"
        page.screenshot(path=str(screenshot_path), full_page=True)
    finally:
        context.close()


def test_form_errors_are_announced_and_accessible(live_server, page, screenshot, assert_accessible):
    demo.build_pages()
    demo.build_areas()
    demo.build_categories()
    resident = ResidentFactory()
    log_in(page, live_server.url, resident)
    page.goto(f"{live_server.url}/proposals/new/")
    page.get_by_label("Title").fill("Hi")
    page.get_by_label("Description").fill("<b>too short</b>")
    page.get_by_label("Latitude").fill("NaN")
    page.get_by_role("button", name="Publish proposal").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert summary.get_attribute("role") == "alert"
    assert page.get_by_label("Title").get_attribute("aria-invalid") == "true"
    assert "Title: Ensure this value has at least 5 characters" in summary.inner_text()
    assert page.locator("b", has_text="too short").count() == 0
    assert not Proposal.objects.exists()
    assert_accessible("submission form with errors")
    screenshot("proposal-10-form-errors")


def test_htmx_refusal_is_shown_in_the_alert_region(live_server, page):
    """Voting closes while the page is open: the click gets a 409 and the page says why, without reloading."""
    demo.build_pages()
    proposal = ProposalFactory(title="Pothole in front of the library")
    resident = ResidentFactory()
    log_in(page, live_server.url, resident)
    page.goto(f"{live_server.url}{proposal.get_absolute_url()}")
    Proposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.ACCEPTED)
    page.get_by_role("button", name="Support this proposal").click()
    alert = page.locator("#proposal-alerts .message-error")
    alert.wait_for()
    assert "Voting is closed" in alert.inner_text()
    assert not Vote.objects.exists()
