"""Survey results leave the site as CSV only for administrators: audited, UTF-8 with a BOM, formulas defused."""

import csv
import io

import pytest
from django.urls import reverse
from wagtail.models import PageLogEntry

from codesign import services
from codesign.models import SurveyAnswer
from livinglab.errors import ActionRefused
from tests.factories import AdministratorFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def answered(survey, *answers):
    for data in answers:
        SurveyAnswer.objects.create(page=survey, user=ResidentFactory(), form_data=data)


def export_url(survey):
    return reverse("codesign:survey_csv", args=[survey.pk])


def test_administrators_export_every_answer_and_the_export_is_audited(client, make_survey):
    survey = make_survey()
    answered(
        survey,
        {"comfort": "OK", "heat_relief": "4", "features": ["Seat", "Air"], "anything_else": "그늘이 더 필요해요"},
        {"comfort": "Good", "heat_relief": "5", "features": [], "anything_else": ""},
    )
    admin = AdministratorFactory()
    client.force_login(admin)
    response = client.get(export_url(survey))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"survey-{survey.pk}-results.csv" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["answer", "submitted at", "Comfort", "Heat relief", "Features", "Anything else"]
    assert rows[1][0] == "1" and rows[1][2:] == ["OK", "4", "Seat; Air", "그늘이 더 필요해요"]
    assert rows[2][2:] == ["Good", "5", "", ""]
    entry = PageLogEntry.objects.get(action="livinglab.codesign.survey_export")
    assert (entry.page_id, entry.user, entry.data["rows"]) == (survey.pk, admin, 2)


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x")', "+1", "-1+2", "@SUM(A1)", "＝1+1"])
def test_a_cell_that_a_spreadsheet_would_run_is_neutralised(client, make_survey, typed):
    survey = make_survey()
    answered(survey, {"comfort": "OK", "heat_relief": "3", "anything_else": typed})
    client.force_login(AdministratorFactory())
    rows = list(csv.reader(io.StringIO(client.get(export_url(survey)).content.decode("utf-8-sig"))))
    assert rows[1][-1] == "'" + typed


def test_a_question_label_is_neutralised_too(make_survey):
    survey = make_survey()
    survey.form_fields.filter(label="Comfort").update(label="=cmd")
    text = services.export_survey_csv(survey, by=AdministratorFactory())
    assert "'=cmd" in text.splitlines()[0]


def test_residents_are_refused_and_nothing_is_logged(client, make_survey, resident):
    survey = make_survey(audience="residents")
    answered(survey, {"comfort": "OK", "heat_relief": "4"})
    client.force_login(resident)
    response = client.get(export_url(survey))
    assert response.status_code == 403 and b"Comfort" not in response.content
    assert not PageLogEntry.objects.filter(action="livinglab.codesign.survey_export").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, make_survey):
    survey = make_survey()
    response = client.get(export_url(survey))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not PageLogEntry.objects.filter(action="livinglab.codesign.survey_export").exists()


def test_an_unknown_survey_is_404(client):
    client.force_login(AdministratorFactory())
    assert client.get(reverse("codesign:survey_csv", args=[999999])).status_code == 404


def test_the_service_refuses_a_resident(make_survey, resident):
    with pytest.raises(ActionRefused) as refused:
        services.export_survey_csv(make_survey(), by=resident)
    assert refused.value.status == 403


def test_administrators_find_the_export_on_the_survey_and_the_pilot_page(client, make_survey, pilot, resident):
    survey = make_survey(audience="residents")
    client.force_login(AdministratorFactory())
    assert export_url(survey) in client.get(survey.url).content.decode()
    assert export_url(survey) in client.get(pilot.url).content.decode()
    client.force_login(resident)
    assert export_url(survey) not in client.get(survey.url).content.decode()
    assert export_url(survey) not in client.get(pilot.url).content.decode()
