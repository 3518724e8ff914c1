"""Issue 9 leftover: the Wagtail admin's "Pilot feedback" edit form hides and shows comments through
``pilots.services`` (audit entry, open reports closed), exactly as the moderation queue does."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import ModelLogEntry

from accounts.models import ROLE_GROUPS, Role
from pilots.models import FeedbackReport, PilotFeedback, PilotStatus
from pilots.services import hide_feedback, report_feedback
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pilot(make_pilot):
    return make_pilot(status=PilotStatus.EVALUATING)


@pytest.fixture
def feedback(pilot):
    return PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=1, comment="Rude words here")


def edit_url(feedback):
    return reverse("pilot_feedback:edit", args=[feedback.pk])


def test_hiding_in_the_admin_writes_the_audit_entry_and_closes_the_reports(client, administrator, feedback):
    report = report_feedback(feedback, reporter=ResidentFactory(), reason="Insulting a neighbour")
    client.force_login(administrator)
    response = client.post(edit_url(feedback), {"is_hidden": "on", "hidden_reason": "Insults a neighbour"})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.is_hidden and feedback.hidden_reason == "Insults a neighbour"
    entry = ModelLogEntry.objects.get(action="livinglab.feedback.hide")
    assert entry.user_id == administrator.pk and entry.data["reason"] == "Insults a neighbour"
    assert entry.data["report_ids"] == [report.pk]
    assert FeedbackReport.objects.get(pk=report.pk).resolved_at is not None
    assert not ModelLogEntry.objects.filter(action="wagtail.edit").exists()


def test_showing_again_in_the_admin_writes_the_unhide_entry(client, administrator, feedback):
    hide_feedback(feedback, by=administrator, reason="A mistake")
    client.force_login(administrator)
    response = client.post(edit_url(feedback), {"hidden_reason": "A mistake"})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert not feedback.is_hidden and feedback.hidden_reason == ""
    entry = ModelLogEntry.objects.get(action="livinglab.feedback.unhide")
    assert entry.data["previous_reason"] == "A mistake"


def test_saving_without_a_change_records_nothing(client, administrator, feedback):
    client.force_login(administrator)
    assert client.post(edit_url(feedback), {"hidden_reason": ""}).status_code == 302
    assert not ModelLogEntry.objects.filter(action__startswith="livinglab.feedback").exists()


def test_a_reason_with_html_is_refused_by_the_service_and_nothing_is_hidden(client, administrator, feedback):
    client.force_login(administrator)
    response = client.post(edit_url(feedback), {"is_hidden": "on", "hidden_reason": "<b>rude</b>"})
    assert response.status_code == 200
    assert "HTML is not allowed" in response.content.decode()
    feedback.refresh_from_db()
    assert not feedback.is_hidden
    assert not ModelLogEntry.objects.filter(action="livinglab.feedback.hide").exists()


def test_a_new_reason_for_a_hidden_comment_is_refused_and_the_first_stays(client, administrator, feedback):
    hide_feedback(feedback, by=administrator, reason="Insults a neighbour")
    client.force_login(administrator)
    response = client.post(edit_url(feedback), {"is_hidden": "on", "hidden_reason": "Something else"})
    assert response.status_code == 200
    assert "already hidden" in response.content.decode()
    feedback.refresh_from_db()
    assert feedback.hidden_reason == "Insults a neighbour"
    assert ModelLogEntry.objects.filter(action="livinglab.feedback.hide").count() == 1


def test_someone_with_the_admin_permission_but_not_the_moderator_role_is_refused(client, feedback):
    outsider = ResidentFactory()
    outsider.groups.add(Group.objects.get(name=ROLE_GROUPS[Role.ADMINISTRATOR]))
    client.force_login(outsider)
    response = client.post(edit_url(feedback), {"is_hidden": "on", "hidden_reason": "Insults a neighbour"})
    # The Wagtail group grants the edit page; the service still asks for the moderator role.
    assert response.status_code == 200
    assert "Only moderators and district administrators can moderate." in response.content.decode()
    feedback.refresh_from_db()
    assert not feedback.is_hidden
    assert not ModelLogEntry.objects.filter(action="livinglab.feedback.hide").exists()
