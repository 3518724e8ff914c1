"""A visitor reads the statistics and the open-data page; a resident downloads their own data.

Both on a 390px phone, checked with axe-core (WCAG 2.2 A/AA) in Debian's Chromium.
"""

import json
import re
import zipfile

import pytest

from opendata.build import refresh
from proposals.models import ProposalStatus, StatusChange
from tests.factories import PASSWORD, ProposalFactory, ResidentFactory, VoteFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_visitor_reads_statistics_and_open_data(live_server, page, assert_accessible, screenshot, settings, tmp_path):
    settings.OPENDATA_ROOT = str(tmp_path / "opendata")
    answered = ProposalFactory(title="Dark alley behind the market needs a light", status=ProposalStatus.UNDER_REVIEW)
    StatusChange.objects.create(
        proposal=answered, from_status="published", to_status="under_review", official_response="We are on it."
    )
    ProposalFactory.create_batch(3, area=answered.area, category=answered.category)
    VoteFactory(proposal=answered)
    refresh()

    page.goto(f"{live_server.url}/stats/")
    page.get_by_role("heading", name="Statistics", level=1).wait_for()
    # Chart.js draws each chart: its box is shown once the canvas is rendered.
    page.locator(".chart-box:not([hidden]) canvas").first.wait_for()
    assert page.locator(".chart-box:not([hidden]) canvas").count() == 5
    assert page.get_by_text("1 of 4 proposals have an official answer").is_visible()
    assert page.get_by_role("table", name="Proposals per status").is_visible()
    assert page.get_by_role("table", name="Proposals per challenge stage").is_visible()
    screenshot("stats-page")
    assert_accessible("statistics page")

    page.get_by_role("link", name="Open data").first.click()
    page.get_by_role("heading", name="Open data", level=1).wait_for()
    page.get_by_text("Data dictionary").first.click()
    assert page.get_by_role("table", name="Columns of “Proposals”").is_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").first.click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        assert handle.read(3) == b"\xef\xbb\xbf"
    assert_accessible("open data page")


def test_resident_downloads_their_data_and_nobody_else_can(live_server, browser, page, assert_accessible, screenshot):
    resident = ResidentFactory(email="lee@example.org", display_name="Lee Resident")
    ProposalFactory(author=resident, title="Broken bench at the riverside park")
    base = live_server.url

    log_in(page, base, resident.email)
    page.goto(f"{base}/account/profile/")
    page.get_by_role("link", name="Download my data").click()
    page.get_by_role("heading", name="Download my data", level=1).wait_for()
    assert_accessible("download my data, before")
    page.get_by_role("button", name="Prepare my data").click()
    link = page.get_by_role("link", name="Download the ZIP file")
    link.wait_for()
    screenshot("my-data-ready")
    assert_accessible("download my data, ready")
    href = link.get_attribute("href")
    with page.expect_download() as download_info:
        link.click()
    with zipfile.ZipFile(download_info.value.path()) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["account"][0]["email"] == "lee@example.org"
    assert [p["title"] for p in data["proposals"]] == ["Broken bench at the riverside park"]

    other = ResidentFactory(email="park@example.org")
    stranger = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB").new_page()
    log_in(stranger, base, other.email)
    response = stranger.goto(f"{base}{href}")
    assert response.status == 403
    assert stranger.get_by_text("belongs to another account").is_visible()
