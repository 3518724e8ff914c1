"""Co-design fixtures: a pilot page to hang sessions on, sessions, consent texts and surveys."""

import datetime

import pytest
from django.utils import timezone

from codesign.models import ConsentText, Session, SessionFormat, SurveyField, SurveyPage
from pilots.models import PilotStatus
from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401 - the page tree fixtures


@pytest.fixture
def pilot(make_pilot):  # noqa: F811
    return make_pilot(status=PilotStatus.RUNNING)


@pytest.fixture
def make_session(pilot):
    def make(*, page=None, capacity=2, starts_in=datetime.timedelta(days=3), **fields):
        start = timezone.now() + starts_in
        fields.setdefault("title", "Shelter workshop")
        fields.setdefault("format", SessionFormat.OFFLINE)
        fields.setdefault("place", "Residents' Hall")
        return Session.objects.create(
            page=page or pilot,
            capacity=capacity,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            **fields,
        )

    return make


@pytest.fixture
def session(make_session):
    return make_session()


@pytest.fixture
def consent(pilot):
    return ConsentText.objects.create(page=pilot, version=1, text="I agree to test the shelter.")


@pytest.fixture
def make_survey(home, pilot):  # noqa: F811
    def make(*, phase="before", audience="participants", publish=True, subject=None):
        survey = SurveyPage(
            title=f"Survey {phase} {SurveyPage.objects.count() + 1}",
            slug=f"survey-{phase}-{SurveyPage.objects.count() + 1}",
            subject_page=subject or pilot,
            phase=phase,
            audience=audience,
            live=publish,
        )
        survey.form_fields = [
            SurveyField(field_type="radio", label="Comfort", choices="Bad\nOK\nGood"),
            SurveyField(field_type="scale", label="Heat relief"),
            SurveyField(field_type="checkboxes", label="Features", choices="Seat\nCharger\nAir", required=False),
            SurveyField(field_type="multiline", label="Anything else", required=False),
        ]
        home.add_child(instance=survey)
        if publish:
            survey.save_revision().publish()
        else:
            survey.save_revision()
        return SurveyPage.objects.get(pk=survey.pk)

    return make
