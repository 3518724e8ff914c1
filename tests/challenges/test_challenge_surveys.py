"""Issue 11, point 5: a challenge's own survey, end to end.

An administrator publishes it in the Wagtail admin about the challenge; the challenge page lists it; a resident
answers once from there; a closed survey (its closing time passed, or the challenge decided) takes no answers
and says so; administrators see the results and export them, residents who have not answered do not.
"""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from challenges.stages import Stage
from codesign.models import SurveyAnswer, SurveyField, SurveyPage
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

ANSWERS = {"where_do_you_feel_unsafe": "Alley", "how_safe_do_you_feel": "2", "anything_else": "Dark at 10 pm"}


@pytest.fixture
def make_survey(home, challenge):
    def make(*, closes_at=None, audience="residents"):
        survey = SurveyPage(
            title=f"Where the night feels unsafe {SurveyPage.objects.count() + 1}",
            slug=f"night-survey-{SurveyPage.objects.count() + 1}",
            subject_page=challenge,
            audience=audience,
            closes_at=closes_at,
        )
        survey.form_fields = [
            SurveyField(field_type="radio", label="Where do you feel unsafe?", choices="Alley\nPark\nStation"),
            SurveyField(field_type="scale", label="How safe do you feel?"),
            SurveyField(field_type="multiline", label="Anything else", required=False),
        ]
        home.add_child(instance=survey)
        survey.save_revision().publish()
        return SurveyPage.objects.get(pk=survey.pk)

    return make


def answer(client, survey, data=ANSWERS):
    return client.post(reverse("codesign:answer_survey", args=[survey.pk]), data)


def admin_survey_form(challenge, *, audience="residents"):
    return nested_form_data(
        {
            "title": "Where the night feels unsafe",
            "slug": "night-survey",
            "subject_page": challenge.pk,
            "phase": "anytime",
            "audience": audience,
            "closes_at": "",
            "intro": "Tell us where you feel unsafe walking home.",
            "form_fields": inline_formset(
                [
                    {
                        "label": "Where do you feel unsafe?",
                        "field_type": "radio",
                        "required": "on",
                        "choices": "Alley\nPark\nStation",
                        "default_value": "",
                        "help_text": "",
                    }
                ]
            ),
            "thank_you_text": "",
            "action-publish": "publish",
        }
    )


# --- publishing --------------------------------------------------------------------------------------------


def test_an_administrator_publishes_a_challenge_survey_that_the_challenge_page_lists(
    client, administrator, home, challenge
):
    client.force_login(administrator)
    url = reverse("wagtailadmin_pages:add", args=["codesign", "surveypage", home.pk])
    response = client.post(url, admin_survey_form(challenge))
    assert response.status_code == 302, response.content.decode()[:2000]
    survey = SurveyPage.objects.get()
    assert survey.live and survey.subject_page_id == challenge.pk
    client.logout()
    html = client.get(challenge.url).content.decode()
    assert 'id="codesign-surveys"' in html
    assert 'data-survey-state="open"' in html and survey.url in html


def test_a_challenge_survey_cannot_be_limited_to_lab_participants(client, administrator, home, challenge):
    # A challenge has no lab participants: such a survey could never be answered by anyone.
    client.force_login(administrator)
    url = reverse("wagtailadmin_pages:add", args=["codesign", "surveypage", home.pk])
    response = client.post(url, admin_survey_form(challenge, audience="participants"))
    assert response.status_code == 200
    assert "Only a pilot has lab participants" in response.content.decode()
    assert not SurveyPage.objects.exists()


def test_a_participants_only_challenge_survey_cannot_be_saved_in_code_either(home, challenge):
    survey = SurveyPage(title="Night", slug="night", subject_page=challenge, audience="participants")
    with pytest.raises(ValidationError):
        home.add_child(instance=survey)
    assert not SurveyPage.objects.exists()


def test_a_pilot_survey_may_still_be_limited_to_its_participants(make_pilot, challenge):
    pilot = make_pilot()
    survey = SurveyPage(title="Shelter", slug="shelter", subject_page=pilot, audience="participants")
    survey.clean()  # no error


def test_no_surveys_section_without_a_live_survey(client, challenge):
    assert 'id="codesign-surveys"' not in client.get(challenge.url).content.decode()


# --- answering -------------------------------------------------------------------------------------------------


def test_a_resident_answers_from_the_challenge_page_once(client, make_survey, challenge, resident):
    survey = make_survey()
    client.force_login(resident)
    assert 'data-survey-state="open"' in client.get(challenge.url).content.decode()
    assert answer(client, survey).status_code == 302
    assert answer(client, survey, {**ANSWERS, "how_safe_do_you_feel": "5"}).status_code == 409
    assert SurveyAnswer.objects.get().form_data["how_safe_do_you_feel"] == "2"
    assert 'data-survey-state="answered"' in client.get(challenge.url).content.decode()
    neighbour = ResidentFactory()
    client.force_login(neighbour)
    assert answer(client, survey, {**ANSWERS, "where_do_you_feel_unsafe": "Park"}).status_code == 302
    assert SurveyAnswer.objects.count() == 2


def test_a_survey_past_its_closing_time_refuses_answers_and_says_so(client, make_survey, challenge, resident):
    survey = make_survey(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    client.force_login(resident)
    response = answer(client, survey)
    assert response.status_code == 409
    assert "This survey is closed" in response.content.decode()
    assert not SurveyAnswer.objects.exists()
    page = client.get(survey.url).content.decode()
    assert 'data-survey="closed"' in page and 'class="survey-form"' not in page
    assert 'data-survey-state="closed"' in client.get(challenge.url).content.decode()


def test_a_survey_before_its_closing_time_takes_answers_and_says_until_when(client, make_survey, resident):
    closes = timezone.now() + datetime.timedelta(days=3)
    survey = make_survey(closes_at=closes)
    client.force_login(resident)
    page = client.get(survey.url).content.decode()
    assert "Answers are accepted until" in page and 'class="survey-form"' in page
    assert answer(client, survey).status_code == 302


def test_a_decided_challenge_closes_its_surveys(client, make_survey, challenge, resident, administrator):
    from challenges import services as challenge_services

    survey = make_survey()
    for stage in (Stage.CODESIGN, Stage.PILOT, Stage.EVALUATION):
        challenge_services.change_stage(challenge, to_stage=stage, by=administrator, early=True)
    challenge_services.record_decision(
        challenge, by=administrator, outcome="stop", reasons="Too costly for the benefit.", budget_consequence="None"
    )
    client.force_login(resident)
    assert answer(client, survey).status_code == 409
    assert not SurveyAnswer.objects.exists()


def test_administrators_read_the_results_instead_of_answering(client, make_survey, administrator):
    survey = make_survey()
    client.force_login(administrator)
    response = answer(client, survey)
    assert response.status_code == 403
    assert not SurveyAnswer.objects.exists()
    page = client.get(survey.url).content.decode()
    assert "they do not answer them" in page and 'class="survey-form"' not in page


def test_anonymous_visitors_are_asked_to_log_in_and_closed_surveys_say_closed_to_them_too(client, make_survey):
    open_survey = make_survey()
    closed = make_survey(closes_at=timezone.now() - datetime.timedelta(days=1))
    assert "Log in" in client.get(open_survey.url).content.decode()
    page = client.get(closed.url).content.decode()
    assert 'data-survey="closed"' in page and "to answer" not in page


# --- results and export ---------------------------------------------------------------------------------------


def test_administrators_see_the_results_and_residents_only_once_they_answered(
    client, make_survey, administrator, resident
):
    survey = make_survey()
    for where in ("Alley", "Alley", "Park"):
        SurveyAnswer.objects.create(
            page=survey, user=ResidentFactory(), form_data={**ANSWERS, "where_do_you_feel_unsafe": where}
        )
    client.force_login(resident)
    assert "Results so far" not in client.get(survey.url).content.decode()
    client.force_login(administrator)
    html = client.get(survey.url).content.decode()
    assert "Results so far" in html
    assert '<th scope="row">Alley</th><td>2</td>' in html
    assert reverse("codesign:survey_csv", args=[survey.pk]) in html


def test_administrators_export_the_answers_and_residents_are_refused(client, make_survey, administrator, resident):
    survey = make_survey()
    SurveyAnswer.objects.create(page=survey, user=resident, form_data=ANSWERS)
    url = reverse("codesign:survey_csv", args=[survey.pk])
    client.force_login(resident)
    assert client.get(url).status_code == 403
    client.force_login(administrator)
    assert reverse("codesign:survey_csv", args=[survey.pk]) in client.get(survey.subject_page.url).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][2:] == ["Where do you feel unsafe?", "How safe do you feel?", "Anything else"]
    assert rows[1][2:] == ["Alley", "2", "Dark at 10 pm"]
    assert PageLogEntry.objects.filter(action="livinglab.codesign.survey_export", user_id=administrator.pk).count() == 1


def test_a_participants_only_survey_on_a_challenge_made_outside_the_admin_refuses_every_answer(
    client, make_survey, challenge, resident
):
    # The admin and Wagtail's page save refuse it (full_clean); a row changed behind their back anyway has nobody
    # to answer it: a clear 403, nothing kept.
    survey = make_survey()
    SurveyPage.objects.filter(pk=survey.pk).update(audience="participants")
    survey.refresh_from_db()
    client.force_login(resident)
    response = answer(client, survey)
    assert response.status_code == 403
    assert "lab participants" in response.content.decode()
    assert not SurveyAnswer.objects.exists()
    assert 'class="survey-form"' not in client.get(survey.url).content.decode()


def test_the_results_show_a_chart_per_choice_question_beside_its_table(client, make_survey, administrator):
    survey = make_survey()
    for where, safe in (("Alley", "2"), ("Alley", "4"), ("Station", "4")):
        SurveyAnswer.objects.create(
            page=survey,
            user=ResidentFactory(),
            form_data={**ANSWERS, "where_do_you_feel_unsafe": where, "how_safe_do_you_feel": safe},
        )
    client.force_login(administrator)
    html = client.get(survey.url).content.decode()
    # One chart per choice or scale question, none for free text; each names the JSON of its own table's numbers.
    assert html.count("data-result-chart=") == 2
    assert 'data-result-chart="result-where_do_you_feel_unsafe-data"' in html
    assert 'aria-label="Where do you feel unsafe?"' in html
    assert (
        '<script id="result-where_do_you_feel_unsafe-data" type="application/json">'
        '{"labels": ["Alley", "Park", "Station"], "counts": [2, 0, 1]}</script>'
    ) in html
    assert '"labels": ["1", "2", "3", "4", "5"], "counts": [0, 1, 0, 2, 0]' in html
    assert "js/charts.js" in html


def test_no_chart_without_results_to_see(client, make_survey, resident):
    survey = make_survey()
    client.force_login(resident)
    assert "data-result-chart" not in client.get(survey.url).content.decode()


def test_anonymous_visitors_cannot_export_and_nothing_is_logged(client, make_survey, resident):
    survey = make_survey()
    SurveyAnswer.objects.create(page=survey, user=resident, form_data=ANSWERS)
    response = client.get(reverse("codesign:survey_csv", args=[survey.pk]))
    assert response.status_code in (302, 403)
    assert "Alley" not in response.content.decode()
    assert not PageLogEntry.objects.filter(action="livinglab.codesign.survey_export").exists()


def test_a_second_answer_by_post_changes_nothing_even_with_different_answers(client, make_survey, resident):
    survey = make_survey()
    client.force_login(resident)
    assert answer(client, survey).status_code == 302
    first = SurveyAnswer.objects.get()
    response = answer(client, survey, {**ANSWERS, "where_do_you_feel_unsafe": "Station", "anything_else": "Changed"})
    assert response.status_code == 409
    assert "already answered" in response.content.decode()
    kept = SurveyAnswer.objects.get()
    assert (kept.pk, kept.form_data, kept.submit_time) == (first.pk, first.form_data, first.submit_time)


def test_administrators_are_offered_the_results_not_a_form_on_the_challenge_page(
    client, make_survey, challenge, administrator, resident
):
    survey = make_survey()
    client.force_login(administrator)
    html = client.get(challenge.url).content.decode()
    card = html[html.index(f'id="survey-{survey.pk}"') :]
    card = card[: card.index("</li>")]
    assert "See the results" in card and "Answer the survey" not in card
    client.force_login(resident)
    html = client.get(challenge.url).content.decode()
    assert "Answer the survey" in html and "See the results" not in html
