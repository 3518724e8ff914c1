"""The decision keeps its evidence: the pilots' metrics and ratings, and the before/after survey results."""

import pytest
from django.urls import reverse

from challenges.services import change_stage, record_decision
from challenges.stages import DecisionOutcome, Stage
from codesign.models import SurveyAnswer, SurveyField, SurveyPage
from pilots.models import PilotStatus
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def survey(home, subject, phase):
    page = SurveyPage(title=f"Shelter {phase}", slug=f"shelter-{phase}", subject_page=subject, phase=phase)
    page.form_fields = [
        SurveyField(field_type="radio", label="Comfort", choices="Bad\nOK\nGood"),
        SurveyField(field_type="scale", label="Heat relief"),
        SurveyField(field_type="multiline", label="Anything else", required=False),
    ]
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def answer(page, comfort, heat):
    SurveyAnswer.objects.create(page=page, user=ResidentFactory(), form_data={"comfort": comfort, "heat_relief": heat})


@pytest.fixture
def surveyed(home, make_challenge, make_pilot, administrator):
    pilot = make_pilot(status=PilotStatus.EVALUATING)
    before, after = survey(home, pilot, "before"), survey(home, pilot, "after")
    answer(before, "Bad", "2")
    answer(before, "OK", "2")
    answer(after, "Good", "4")
    answer(after, "Good", "5")
    answer(after, "OK", "3")
    challenge = make_challenge(pilots=[pilot])
    while challenge.current_stage != Stage.EVALUATION:
        change_stage(challenge, to_stage=challenge.next_stage, by=administrator, early=True)
    return {"challenge": challenge, "pilot": pilot, "before": before, "after": after}


def decide(challenge, administrator):
    return record_decision(
        challenge,
        by=administrator,
        outcome=DecisionOutcome.SCALE_DISTRICT,
        reasons="Comfort rose after the pilot.",
        budget_consequence="Twenty more shelters next year.",
    )


def test_the_decision_keeps_the_before_and_after_survey_results(surveyed, administrator):
    decision = decide(surveyed["challenge"], administrator)
    (pilot,) = decision.evidence["pilots"]
    summary = pilot["surveys"]
    assert [(s["phase"], s["answers"]) for s in summary["surveys"]] == [("before", 2), ("after", 3)]
    comfort, heat = summary["before_after"]  # free text is never compared
    assert comfort["question"] == "Comfort"
    assert comfort["before"]["options"] == [["Bad", 1], ["OK", 1], ["Good", 0]]
    assert comfort["after"]["options"] == [["Bad", 0], ["OK", 1], ["Good", 2]]
    assert (heat["before"]["average"], heat["after"]["average"]) == (2.0, 4.0)
    assert decision.evidence["surveys"] == {"surveys": [], "before_after": []}  # the challenge asked none itself


def test_answers_after_the_decision_do_not_change_its_evidence(surveyed, administrator):
    decision = decide(surveyed["challenge"], administrator)
    answer(surveyed["after"], "Bad", "1")
    decision.refresh_from_db()
    assert decision.evidence["pilots"][0]["surveys"]["surveys"][1]["answers"] == 3


def test_the_decision_form_and_the_archive_show_the_survey_results(surveyed, administrator, client):
    client.force_login(administrator)
    challenge = surveyed["challenge"]
    form = client.get(reverse("challenges:decide", args=[challenge.pk])).content.decode()
    assert "Before and after the pilot" in form and "average 2.0" in form and "average 4.0" in form
    decide(challenge, administrator)
    page = client.get(challenge.url).content.decode()
    archive = page[page.index('id="challenge-decision"') :]
    assert "Shelter before (2 answers)" in archive and "Shelter after (3 answers)" in archive
    assert "Good 2" in archive and "average 4.0" in archive


def test_a_decision_recorded_without_survey_evidence_still_shows(surveyed, administrator, client):
    decision = decide(surveyed["challenge"], administrator)
    for pilot in decision.evidence["pilots"]:
        pilot.pop("surveys")
    decision.evidence.pop("surveys")
    decision.save(update_fields=["evidence"])
    response = client.get(surveyed["challenge"].url)
    assert response.status_code == 200 and "Comfort rose after the pilot." in response.content.decode()
