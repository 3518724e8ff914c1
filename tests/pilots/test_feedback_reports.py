"""Issue 9 point 15: residents report a comment on a pilot's results; it waits in the one moderation queue
beside proposals and comments, and moderators hide it (or dismiss the reports, or block its author) the
same way as a proposal comment. Reportable kinds come from a registry each app fills in its ``ready``."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.models import Role
from notifications.models import Notification, NotificationKind
from pilots.models import FeedbackReport, PilotFeedback, PilotStatus
from pilots.services import report_feedback
from proposals import services as proposal_services
from proposals.moderation import open_report_count
from proposals.moderation_registry import registered
from tests.factories import (
    AdministratorFactory,
    CommentFactory,
    ExpertFactory,
    ProposalFactory,
    ResidentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = "/admin/livinglab/moderation/"
ACT = "/admin/livinglab/moderation/act/"


class ModeratorFactory(UserFactory):
    role = Role.MODERATOR


@pytest.fixture
def pilot(make_pilot):
    return make_pilot(status=PilotStatus.EVALUATING)


@pytest.fixture
def feedback(pilot):
    return PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=1, comment="Rude words here")


@pytest.fixture
def moderator(db):
    return ModeratorFactory(display_name="Moderator Min")


def report_url(feedback):
    return reverse("pilots:feedback_report", args=[feedback.pk])


def reported(feedback, reason="Insulting a neighbour"):
    return report_feedback(feedback, reporter=ResidentFactory(), reason=reason)


# --- the registry ----------------------------------------------------------------------------------------


def test_each_app_registers_its_own_kinds():
    assert {kind.name for kind in registered()} >= {"proposal", "comment", "pilot_feedback"}


# --- reporting -------------------------------------------------------------------------------------------


def test_a_resident_reports_a_comment_on_a_pilot(client, resident, feedback):
    client.force_login(resident)
    page = client.get(feedback.pilot.url).content.decode()
    assert report_url(feedback) in page
    form = client.get(report_url(feedback))
    assert form.status_code == 200 and "Rude words here" in form.content.decode()
    response = client.post(report_url(feedback), {"reason": "It insults my neighbour"})
    assert response.status_code == 302 and response["Location"].endswith("#pilot-feedback")
    stored = FeedbackReport.objects.get()
    assert stored.reporter == resident and stored.reason == "It insults my neighbour"


def test_reporting_twice_is_a_409_with_a_message(client, resident, feedback):
    client.force_login(resident)
    client.post(report_url(feedback), {"reason": "It insults my neighbour"})
    again = client.post(report_url(feedback), {"reason": "Still insulting"})
    assert again.status_code == 409
    assert "already reported" in again.content.decode()
    assert FeedbackReport.objects.count() == 1


def test_an_empty_reason_is_a_400(client, resident, feedback):
    client.force_login(resident)
    response = client.post(report_url(feedback), {"reason": ""})
    assert response.status_code == 400
    assert not FeedbackReport.objects.exists()


def test_the_author_cannot_report_their_own_comment(client, feedback):
    client.force_login(feedback.user)
    assert report_url(feedback) not in client.get(feedback.pilot.url).content.decode()
    assert client.post(report_url(feedback), {"reason": "mine"}).status_code == 403
    assert not FeedbackReport.objects.exists()


def test_a_blocked_resident_cannot_report(client, feedback):
    blocked = ResidentFactory(blocked_at=timezone.now())
    client.force_login(blocked)
    assert client.post(report_url(feedback), {"reason": "It insults my neighbour"}).status_code == 403
    assert not FeedbackReport.objects.exists()


def test_visitors_are_sent_to_log_in(client, feedback):
    response = client.post(report_url(feedback), {"reason": "It insults my neighbour"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert report_url(feedback) not in client.get(feedback.pilot.url).content.decode()


def test_a_hidden_comment_or_a_rating_without_words_cannot_be_reported(client, resident, pilot, feedback):
    silent = PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=4, comment="")
    feedback.is_hidden = True
    feedback.save()
    client.force_login(resident)
    assert client.post(report_url(feedback), {"reason": "It insults my neighbour"}).status_code == 404
    assert client.post(report_url(silent), {"reason": "It insults my neighbour"}).status_code == 403


# --- the queue -------------------------------------------------------------------------------------------


def test_the_queue_shows_reported_feedback_with_its_reasons_once(client, moderator, feedback):
    reported(feedback, "Insulting a neighbour")
    reported(feedback, "Name-calling")
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    assert html.count(f'id="reported-pilot_feedback-{feedback.pk}"') == 1
    assert "Rude words here" in html and "Insulting a neighbour" in html and "Name-calling" in html
    assert "reported by 2 people" in html
    assert "Pilot feedback" in html
    assert 'value="warn"' not in html  # a warning needs a proposal to point at; hide, dismiss or block
    assert open_report_count() == 1


def test_counts_stay_exact_across_kinds(client, moderator, feedback):
    reported(feedback)
    reported(feedback)
    proposal_services.report_content(reporter=ResidentFactory(), reason="Spam spam", proposal=ProposalFactory())
    proposal_services.report_content(reporter=ResidentFactory(), reason="Spam spam", comment=CommentFactory())
    assert open_report_count() == 3
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    assert html.count('class="moderation-item"') == 3
    assert "Reported (3)" in html


def test_hiding_from_the_queue_hides_it_on_the_page_and_closes_its_reports(client, moderator, feedback):
    reported(feedback)
    client.force_login(moderator)
    data = {"kind": "pilot_feedback", "pk": feedback.pk, "action": "hide", "reason": "Insults a neighbour"}
    response = client.post(ACT, data)
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.is_hidden and feedback.hidden_reason == "Insults a neighbour"
    assert not FeedbackReport.objects.filter(resolved_at__isnull=True).exists()
    assert open_report_count() == 0
    assert "Rude words here" not in client.get(feedback.pilot.url).content.decode()
    assert ModelLogEntry.objects.filter(action="livinglab.feedback.hide", user=moderator).exists()
    # The rating still counts: hiding takes the words away, not the resident's judgement.
    assert PilotFeedback.objects.filter(pilot=feedback.pilot).summary()["count"] == 1
    hidden = client.get(f"{QUEUE}?tab=hidden").content.decode()
    assert "Rude words here" in hidden and "Insults a neighbour" in hidden


def test_hiding_needs_a_reason(client, moderator, feedback):
    reported(feedback)
    client.force_login(moderator)
    client.post(ACT, {"kind": "pilot_feedback", "pk": feedback.pk, "action": "hide", "reason": ""})
    feedback.refresh_from_db()
    assert not feedback.is_hidden
    assert open_report_count() == 1


def test_restoring_shows_it_again(client, moderator, feedback):
    reported(feedback)
    client.force_login(moderator)
    client.post(ACT, {"kind": "pilot_feedback", "pk": feedback.pk, "action": "hide", "reason": "Insults"})
    response = client.post(ACT, {"kind": "pilot_feedback", "pk": feedback.pk, "action": "restore"})
    assert response["Location"].endswith("?tab=hidden")
    feedback.refresh_from_db()
    assert not feedback.is_hidden
    assert "Rude words here" in client.get(feedback.pilot.url).content.decode()


def test_dismissing_keeps_the_comment_and_empties_the_queue(client, moderator, feedback):
    reported(feedback)
    reported(feedback)
    client.force_login(moderator)
    client.post(ACT, {"kind": "pilot_feedback", "pk": feedback.pk, "action": "dismiss", "reason": "Fair criticism"})
    feedback.refresh_from_db()
    assert not feedback.is_hidden
    assert open_report_count() == 0
    assert FeedbackReport.objects.filter(resolved_at__isnull=False).count() == 2


def test_blocking_the_author_from_the_queue(client, moderator, feedback):
    reported(feedback)
    client.force_login(moderator)
    client.post(ACT, {"kind": "pilot_feedback", "pk": feedback.pk, "action": "block", "reason": "Keeps insulting"})
    feedback.user.refresh_from_db()
    assert feedback.user.is_blocked


def test_warning_is_not_offered_for_feedback_and_is_refused(client, moderator, feedback):
    reported(feedback)
    client.force_login(moderator)
    client.post(ACT, {"kind": "pilot_feedback", "pk": feedback.pk, "action": "warn", "reason": "Mind the rules"})
    assert open_report_count() == 1


@pytest.mark.parametrize("kind,pk", [("pilot_feedback", 999999), ("nonsense", 1)])
def test_an_unknown_item_or_kind_is_refused_not_a_500(client, moderator, kind, pk):
    client.force_login(moderator)
    response = client.post(ACT, {"kind": kind, "pk": pk, "action": "hide", "reason": "x"})
    assert response.status_code in (302, 404)


@pytest.mark.parametrize(
    "role,can_moderate",
    [("anonymous", False), ("resident", False), ("expert", False), ("moderator", True), ("administrator", True)],
)
def test_who_may_work_the_queue(client, feedback, role, can_moderate):
    reported(feedback)
    people = {
        "resident": ResidentFactory,
        "expert": ExpertFactory,
        "moderator": ModeratorFactory,
        "administrator": AdministratorFactory,
    }
    if role != "anonymous":
        client.force_login(people[role]())
    queue = client.get(QUEUE)
    client.post(ACT, {"kind": "pilot_feedback", "pk": feedback.pk, "action": "hide", "reason": "Insults"})
    feedback.refresh_from_db()
    assert feedback.is_hidden is can_moderate
    if can_moderate:
        assert queue.status_code == 200
    else:
        assert queue.status_code in (302, 403)


def test_the_queue_costs_the_same_queries_for_few_or_many_feedback_reports(client, moderator, pilot):
    def add_feedback():
        item = PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=2, comment="Bad")
        reported(item)

    add_feedback()
    client.force_login(moderator)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    for _ in range(4):
        add_feedback()
    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.content.decode().count('class="moderation-item"') == 5


def test_moderators_are_told_of_a_new_report_in_their_language(
    feedback, moderator, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("notifications.services.broadcast", lambda messages: True)
    korean = ModeratorFactory(language="ko")
    reporter = ResidentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        report_feedback(feedback, reporter=reporter, reason="Insulting a neighbour")
    told = Notification.objects.filter(kind=NotificationKind.NEW_REPORT)
    assert set(told.values_list("recipient_id", flat=True)) >= {moderator.pk, korean.pk}
    assert not told.filter(recipient=reporter).exists()
    assert told.get(recipient=moderator).text == f"A comment on the pilot “{feedback.pilot.title}” was reported"
    assert told.get(recipient=korean).text == f"시범사업 “{feedback.pilot.title}”의 의견이 신고되었습니다"
