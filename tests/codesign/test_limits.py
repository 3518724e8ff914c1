"""Co-design actions are limited per person (issue 15 point 2): session sign-ups and cancellations, volunteering
for pilots and withdrawing, and survey answers. Each answers 429 with a message, as an htmx alert or on the page;
a refused action gives its slot back. The parallel bursts are in tests/livinglab/test_parallel_limits.py."""

import pytest
from django.urls import reverse

from codesign import services
from codesign.models import Registration, SurveyAnswer
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ANSWERS = {"comfort": "OK", "heat_relief": "4", "features": ["Seat"], "anything_else": ""}


def register(client, session, **headers):
    return client.post(reverse("codesign:register", args=[session.pk]), **headers)


def cancel(client, session, **headers):
    return client.post(reverse("codesign:cancel", args=[session.pk]), **headers)


def answer(client, survey, **headers):
    return client.post(reverse("codesign:answer_survey", args=[survey.pk]), ANSWERS, **headers)


def test_signing_up_and_cancelling_stop_at_the_limit(client, settings, make_session, resident):
    settings.CODESIGN_REGISTRATION_RATE_LIMIT = "3/h"
    first, second = make_session(), make_session()
    client.force_login(resident)
    assert register(client, first).status_code == 302
    assert cancel(client, first).status_code == 302
    assert register(client, first).status_code == 302
    refused = register(client, second)
    assert refused.status_code == 429
    assert "changed your registrations many times" in refused.content.decode()
    assert second.title in refused.content.decode()  # the session's page again, message on top
    assert not Registration.objects.filter(session=second).exists()
    assert cancel(client, first).status_code == 429
    assert Registration.objects.active().filter(session=first, user=resident).exists()


def test_the_limit_answers_htmx_with_the_alert_alone(client, settings, make_session, resident):
    settings.CODESIGN_REGISTRATION_RATE_LIMIT = "1/h"
    first, second = make_session(), make_session()
    client.force_login(resident)
    assert register(client, first, **HTMX).status_code == 302
    refused = register(client, second, **HTMX)
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "changed your registrations many times" in body and "<html" not in body


def test_a_refused_sign_up_gives_its_slot_back(client, settings, make_session, resident):
    settings.CODESIGN_REGISTRATION_RATE_LIMIT = "2/h"
    first, second = make_session(), make_session()
    client.force_login(resident)
    assert register(client, first).status_code == 302
    assert register(client, first).status_code == 409  # already registered: not counted
    assert register(client, second).status_code == 302
    assert register(client, make_session()).status_code == 429


def test_the_limit_is_per_person(settings, make_session):
    settings.CODESIGN_REGISTRATION_RATE_LIMIT = "1/h"
    session = make_session(capacity=5)
    one, other = ResidentFactory.create_batch(2)
    services.register_for_session(session, user=one)
    services.register_for_session(session, user=other)
    assert Registration.objects.filter(session=session).count() == 2


def test_volunteering_and_withdrawing_count_with_the_registrations(client, settings, pilot, consent, make_session):
    settings.CODESIGN_REGISTRATION_RATE_LIMIT = "2/h"
    resident = ResidentFactory()
    client.force_login(resident)
    assert register(client, make_session()).status_code == 302
    services.volunteer_for_pilot(pilot, user=resident, consent_version=1)
    response = client.post(reverse("codesign:withdraw", args=[pilot.pk]))
    assert response.status_code == 429
    assert "changed your registrations many times" in response.content.decode()


def test_survey_answers_stop_at_the_limit(client, settings, make_survey, pilot, consent):
    settings.SURVEY_ANSWER_RATE_LIMIT = "2/h"
    person = ResidentFactory()
    services.volunteer_for_pilot(pilot, user=person, consent_version=1)
    surveys = [make_survey() for _ in range(3)]
    client.force_login(person)
    assert answer(client, surveys[0]).status_code == 302
    assert answer(client, surveys[0]).status_code == 409  # a second answer: refused, not counted
    assert answer(client, surveys[1]).status_code == 302
    refused = answer(client, surveys[2])
    assert refused.status_code == 429
    assert "answered many surveys" in refused.content.decode()
    assert SurveyAnswer.objects.filter(user=person).count() == 2
    alert = answer(client, surveys[2], **HTMX)
    assert alert.status_code == 429 and "<html" not in alert.content.decode()
