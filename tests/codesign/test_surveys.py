"""Surveys on Wagtail's form builder: who may answer, once only, results, and before/after side by side."""

import pytest
from django.urls import reverse

from codesign import services
from codesign.models import LabParticipant, SurveyAnswer
from codesign.results import before_after, survey_results
from notifications.models import Notification
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

ANSWERS = {"comfort": "OK", "heat_relief": "4", "features": ["Seat", "Air"], "anything_else": "More shade"}


@pytest.fixture
def participant(pilot, consent):
    person = ResidentFactory()
    services.volunteer_for_pilot(pilot, user=person, consent_version=1)
    return person


def answer(client, survey, data=ANSWERS):
    return client.post(reverse("codesign:answer_survey", args=[survey.pk]), data)


def test_the_survey_page_shows_the_questions_to_a_participant(client, make_survey, participant):
    survey = make_survey()
    client.force_login(participant)
    body = client.get(survey.url).content.decode()
    assert "Heat relief" in body and 'name="heat_relief"' in body and 'value="5"' in body
    assert reverse("codesign:answer_survey", args=[survey.pk]) in body


def test_a_participant_answers_once(client, make_survey, participant):
    survey = make_survey()
    client.force_login(participant)
    assert answer(client, survey).status_code == 302
    stored = SurveyAnswer.objects.get()
    assert stored.user == participant
    assert stored.form_data["features"] == ["Seat", "Air"]
    second = answer(client, survey, {**ANSWERS, "comfort": "Bad"})
    assert second.status_code == 409
    assert SurveyAnswer.objects.get().form_data["comfort"] == "OK"
    assert 'data-survey="answered"' in client.get(survey.url).content.decode()


def test_a_non_participant_cannot_answer_a_participants_survey(client, make_survey, resident):
    survey = make_survey()
    client.force_login(resident)
    assert answer(client, survey).status_code == 403
    assert not SurveyAnswer.objects.exists()


def test_an_open_survey_takes_any_resident(client, make_survey, resident):
    survey = make_survey(audience="residents")
    client.force_login(resident)
    assert answer(client, survey).status_code == 302


def test_a_withdrawn_participant_no_longer_answers(client, make_survey, participant, pilot):
    survey = make_survey()
    services.withdraw_from_pilot(pilot, user=participant)
    client.force_login(participant)
    assert answer(client, survey).status_code == 403


def test_an_invalid_answer_is_400(client, make_survey, participant):
    survey = make_survey()
    client.force_login(participant)
    assert answer(client, survey, {**ANSWERS, "heat_relief": "9"}).status_code == 400
    assert answer(client, survey, {**ANSWERS, "comfort": ""}).status_code == 400
    assert not SurveyAnswer.objects.exists()


def test_anonymous_people_are_sent_to_sign_in(client, make_survey):
    survey = make_survey(audience="residents")
    response = answer(client, survey)
    assert response.status_code == 302 and "login" in response["Location"]
    assert "Log in" in client.get(survey.url).content.decode()


def test_a_draft_survey_is_not_answered(client, make_survey, participant):
    survey = make_survey(publish=False)
    client.force_login(participant)
    assert answer(client, survey).status_code == 404


def test_posting_to_the_page_itself_is_not_allowed(client, make_survey, participant):
    survey = make_survey()
    client.force_login(participant)
    assert client.post(survey.url, ANSWERS).status_code == 405
    assert not SurveyAnswer.objects.exists()


def test_results_count_each_option_and_average_the_scale(make_survey):
    survey = make_survey(audience="residents")
    for comfort, scale in (("OK", "4"), ("Good", "5"), ("OK", "3")):
        SurveyAnswer.objects.create(
            page=survey, user=ResidentFactory(), form_data={**ANSWERS, "comfort": comfort, "heat_relief": scale}
        )
    results = {r.key: r for r in survey_results(survey)}
    assert results["comfort"].options == [("Bad", 0), ("OK", 2), ("Good", 1)]
    assert results["heat_relief"].average == 4.0
    assert results["features"].options == [("Seat", 3), ("Charger", 0), ("Air", 3)]
    assert results["anything_else"].options == [] and results["anything_else"].answered == 3


def test_before_and_after_show_side_by_side_on_the_pilot_page(client, make_survey, pilot):
    before, after = make_survey(phase="before"), make_survey(phase="after")
    SurveyAnswer.objects.create(page=before, user=ResidentFactory(), form_data={**ANSWERS, "heat_relief": "2"})
    SurveyAnswer.objects.create(page=after, user=ResidentFactory(), form_data={**ANSWERS, "heat_relief": "5"})
    comparisons = {c.before.key: c for c in before_after(pilot)}
    assert set(comparisons) == {"comfort", "heat_relief", "features"}
    assert comparisons["heat_relief"].rows[1] == ("2", 1, 0)
    assert comparisons["heat_relief"].rows[4] == ("5", 0, 1)
    body = client.get(pilot.url).content.decode()
    assert "average 2.0 before, 5.0 after" in body
    assert 'data-compare-chart="compare-heat_relief-data"' in body


def test_the_cached_comparison_follows_new_and_deleted_answers(
    client, make_survey, pilot, django_capture_on_commit_callbacks
):
    """Also on the page a signed-out visitor is served whole (livinglab.page_cache): each answer, once committed."""
    before, after = make_survey(phase="before"), make_survey(phase="after")
    with django_capture_on_commit_callbacks(execute=True):
        SurveyAnswer.objects.create(page=before, user=ResidentFactory(), form_data={**ANSWERS, "heat_relief": "2"})
        first = SurveyAnswer.objects.create(
            page=after, user=ResidentFactory(), form_data={**ANSWERS, "heat_relief": "5"}
        )
    assert "average 2.0 before, 5.0 after" in client.get(pilot.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        SurveyAnswer.objects.create(page=after, user=ResidentFactory(), form_data={**ANSWERS, "heat_relief": "3"})
    assert "average 2.0 before, 4.0 after" in client.get(pilot.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        first.delete()
    assert "average 2.0 before, 3.0 after" in client.get(pilot.url).content.decode()


def test_an_unpublished_survey_leaves_the_comparison(client, make_survey, pilot):
    before, after = make_survey(phase="before"), make_survey(phase="after")
    SurveyAnswer.objects.create(page=before, user=ResidentFactory(), form_data={**ANSWERS, "heat_relief": "2"})
    SurveyAnswer.objects.create(page=after, user=ResidentFactory(), form_data={**ANSWERS, "heat_relief": "5"})
    assert "average 2.0 before, 5.0 after" in client.get(pilot.url).content.decode()
    after.unpublish()
    assert "average 2.0 before" not in client.get(pilot.url).content.decode()


def test_no_comparison_without_both_surveys(make_survey, pilot):
    make_survey(phase="before")
    assert before_after(pilot) == []


def test_publishing_a_participants_survey_tells_the_participants(
    make_survey, participant, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("notifications.services.broadcast", lambda messages: True)
    outsider = ResidentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        survey = make_survey()
    notification = Notification.objects.get()
    assert notification.recipient == participant
    assert notification.url == survey.url
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert LabParticipant.objects.count() == 1


def test_after_answering_the_thanks_appear_once(client, make_survey, participant):
    survey = make_survey()
    survey.thank_you_text = "Thank you for helping the shelter pilot."
    survey.save_revision().publish()
    client.force_login(participant)
    response = client.post(reverse("codesign:answer_survey", args=[survey.pk]), ANSWERS, follow=True)
    page = response.content.decode()
    assert page.count("Thank you for helping the shelter pilot.") == 1  # the flash message, from the survey
    assert 'data-survey="answered"' in page and "Thank you!" not in page
