"""Issue 11, point 5: a challenge's own survey in the browser, in Korean, on a phone and a desktop.

A resident finds the survey on the challenge page, answers it once, and is told so when they come back; a
survey whose time is up shows as closed and offers no form. The administrator reads the results on the survey
page and downloads them as CSV. Publishing in the Wagtail admin is tested through the admin's own view in
tests/challenges/test_challenge_surveys.py. Screenshots: test-artifacts/screenshots/challenge-survey-*.png.
"""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from challenges.models import ChallengeIndexPage, ChallengePage, ChallengeStage
from challenges.stages import Stage
from codesign.models import SurveyAnswer, SurveyField, SurveyPage
from home import demo as home_demo
from proposals.models import Area
from tests.browser.steps import DESK, PHONE, check_accessible, korean_window, log_in
from tests.factories import AdministratorFactory, ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WHERE = "밤에 가장 불안한 곳은 어디인가요?"
SAFE = "밤길 안심 정도"


def survey(home, challenge, *, title: str, slug: str, closes_at=None) -> SurveyPage:
    page = SurveyPage(
        title=title,
        slug=slug,
        subject_page=challenge,
        audience="residents",
        closes_at=closes_at,
        intro="1분이면 됩니다.",
    )
    page.form_fields = [
        SurveyField(field_type="radio", label=WHERE, choices="골목\n공원\n지하철역"),
        SurveyField(field_type="scale", label=SAFE),
        SurveyField(field_type="multiline", label="하고 싶은 말", required=False),
    ]
    home.add_child(instance=page)
    page.save_revision().publish()
    return SurveyPage.objects.get(pk=page.pk)


@pytest.fixture
def site(db):
    home = home_demo.build_pages()
    home_demo.build_areas()
    home_demo.build_categories()
    index = ChallengeIndexPage(title="리빙랩 과제", slug="challenges", intro="구청이 묻고 주민이 답합니다.")
    home.add_child(instance=index)
    index.save_revision().publish()
    today = timezone.localdate()
    challenge = ChallengePage(
        title="성동구 밤길 안전", slug="safer-nights", theme="더 안전한 밤길", question="밤길이 불안한 곳은 어디인가요?"
    )
    challenge.stages = [
        ChallengeStage(
            stage=Stage.DISCOVERY, start=today - datetime.timedelta(days=3), end=today + datetime.timedelta(days=20)
        )
    ]
    challenge.areas = [Area.objects.get(slug="seongdong-gu")]
    index.add_child(instance=challenge)
    challenge.save_revision().publish()
    challenge = ChallengePage.objects.get(pk=challenge.pk)
    return {
        "challenge": challenge,
        "open": survey(home, challenge, title="밤길 안전 설문", slug="night-survey"),
        "closed": survey(
            home,
            challenge,
            title="지난달 가로등 설문",
            slug="lamp-survey",
            closes_at=timezone.now() - datetime.timedelta(days=1),
        ),
    }


def both_widths(window, shoot, name: str) -> None:
    """The window as it is and resized to the other width (the same state), each shot and checked by axe."""
    own = dict(window.viewport_size)
    for viewport in (own, DESK if own["width"] < 800 else PHONE):
        window.set_viewport_size(viewport)
        size = "phone" if viewport["width"] < 800 else "desktop"
        shoot(f"challenge-survey-{name}-{size}", target=window)
        check_accessible(window, f"{name} ({size})")
    window.set_viewport_size(own)


def test_a_resident_answers_a_challenge_survey_once_and_the_administrator_exports_it(
    live_server, browser, screenshot, site
):
    base = live_server.url
    challenge, open_survey, closed = site["challenge"], site["open"], site["closed"]
    resident = korean_window(browser, PHONE)
    log_in(resident, base, ResidentFactory(display_name="김하나"))

    resident.goto(f"{base}{challenge.url}")
    surveys = resident.locator("#codesign-surveys")
    expect(surveys.get_by_role("heading", name="설문", exact=True)).to_be_visible()
    expect(resident.locator(f"#survey-{open_survey.pk}")).to_have_attribute("data-survey-state", "open")
    expect(resident.locator(f"#survey-{closed.pk}")).to_have_attribute("data-survey-state", "closed")
    expect(resident.locator(f"#survey-{closed.pk}")).to_contain_text("마감된 설문입니다")
    resident.locator(f"#survey-{open_survey.pk}").scroll_into_view_if_needed()
    both_widths(resident, screenshot, "01-on-the-challenge-page")

    resident.locator(f"#survey-{open_survey.pk} a.button").click()
    resident.get_by_role("radio", name="골목", exact=True).check()
    resident.get_by_label("2", exact=True).check()
    resident.locator("textarea").fill("시장 뒤 골목이 너무 어두워요.")
    both_widths(resident, screenshot, "02-answering")
    resident.locator(".survey-form button[type=submit]").click()
    expect(resident.locator("[data-survey]")).to_have_attribute("data-survey", "answered")
    expect(resident.locator(".survey-form")).to_have_count(0)  # one answer per person: no second form
    expect(resident.locator(".survey-results")).to_contain_text(WHERE)
    both_widths(resident, screenshot, "03-answered-with-results")
    resident.goto(f"{base}{challenge.url}")
    expect(resident.locator(f"#survey-{open_survey.pk}")).to_have_attribute("data-survey-state", "answered")

    resident.goto(f"{base}{closed.url}")
    expect(resident.locator("[data-survey]")).to_have_attribute("data-survey", "closed")
    expect(resident.locator(".survey-form")).to_have_count(0)
    both_widths(resident, screenshot, "04-closed")
    assert SurveyAnswer.objects.filter(page=open_survey).count() == 1
    assert not SurveyAnswer.objects.filter(page=closed).exists()

    admin = korean_window(browser, DESK)
    log_in(admin, base, AdministratorFactory(display_name="구청 담당자"))
    admin.goto(f"{base}{open_survey.url}")
    expect(admin.locator(".survey-form")).to_have_count(0)  # staff read the results; they do not answer
    results = admin.locator(".survey-results")
    expect(results).to_contain_text(WHERE)
    expect(results.locator("tr", has_text="골목")).to_contain_text("1")
    both_widths(admin, screenshot, "05-administrator-reads-the-results")
    with admin.expect_download() as download:
        admin.locator(f"a[href$='/codesign/surveys/{open_survey.pk}/results.csv']").click()
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.reader(io.StringIO(exported.read())))
    assert rows[0][2:] == [WHERE, SAFE, "하고 싶은 말"]
    assert rows[1][2:] == ["골목", "2", "시장 뒤 골목이 너무 어두워요."]
