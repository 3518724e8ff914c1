"""Demo co-design on the Seongdong shelter pilot: a full session with a waiting list, participants, surveys."""

import io

import pytest
from django.apps import apps

from codesign import demo
from codesign.models import LabParticipant, Registration, Session, SurveyAnswer, SurveyPage
from codesign.results import before_after
from home import demo as home_demo
from pilots import demo as pilots_demo
from pilots.models import PilotPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users():
    home_demo.build_pages()
    home_demo.build_areas()
    home_demo.build_categories()
    users = home_demo.build_users()
    pilots_demo.build(users=users)
    return users


def test_the_demo_builds_sessions_participants_and_surveys_once(demo_users):
    out = io.StringIO()
    assert demo.build(users=demo_users, stdout=out) == 2
    shelter = PilotPage.objects.get(slug=demo.SHELTER_SLUG)
    full = Session.objects.get(page=shelter, capacity=5)
    assert full.is_full
    assert Registration.objects.waiting().filter(session=full).count() == 2
    assert LabParticipant.objects.active().filter(page_id=shelter.pk).count() == 6
    assert SurveyPage.objects.live().filter(subject_page=shelter).count() == 2
    assert SurveyAnswer.objects.count() == 12
    assert before_after(shelter)
    assert demo.build(users=demo_users) == 0
    assert Session.objects.count() == 2 and SurveyAnswer.objects.count() == 12


def test_the_challenge_model_is_looked_up_by_name():
    installed = apps.is_installed("challenges")
    assert (demo.challenge_page_model() is not None) is installed
    if not installed:
        assert demo.challenge_pages() == []


def test_each_challenge_page_gets_a_session(demo_users, monkeypatch):
    """A stand-in for ``challenges.ChallengePage``: whatever model the registry gives, its pages get a session."""
    monkeypatch.setattr(demo, "challenge_page_model", lambda: PilotPage)
    demo.build(users=demo_users)
    for page in PilotPage.objects.all():
        assert Session.objects.filter(page=page, title__startswith="공동설계 워크숍").count() == 1
    demo.build(users=demo_users)
    assert Session.objects.filter(title__startswith="공동설계 워크숍").count() == PilotPage.objects.count()
