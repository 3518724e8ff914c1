"""Who is told about a domain event, and how: follows, stored notifications and e-mail, through tasks.

The tests use Django's immediate task backend, so the tasks the subscribers enqueue after commit run at once.
"""

import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from notifications import events
from notifications import mail as mail_outbox
from notifications.models import (
    ChannelSetting,
    EmailStatus,
    Follow,
    Notification,
    NotificationKind,
    OutgoingEmail,
)
from proposals import services as proposal_services
from proposals.models import ProposalStatus
from tests.factories import AdministratorFactory, CommentFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_channel_layer(monkeypatch):
    """Pushes are the domain apps' business (tests/proposals/test_live.py); here they go nowhere."""
    bells = []
    monkeypatch.setattr("proposals.live.broadcast", lambda messages: True)
    monkeypatch.setattr("notifications.services.broadcast", lambda messages: bells.extend(messages) or True)
    return bells


@pytest.fixture
def proposal(db):
    return ProposalFactory(title="Dark alley behind the market needs a light")


def test_a_voter_and_the_author_follow_automatically(proposal, emit_committed, django_capture_on_commit_callbacks):
    voter = ResidentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.cast_vote(proposal, user=voter)
    assert Follow.objects.filter(user=voter, proposal=proposal).exists()
    emit_committed("proposal.created", proposal_id=proposal.pk, actor_id=proposal.author_id)
    assert Follow.objects.filter(user=proposal.author, proposal=proposal).exists()


def test_withdrawing_a_vote_keeps_the_follow(proposal, django_capture_on_commit_callbacks):
    voter = ResidentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.cast_vote(proposal, user=voter)
        proposal_services.withdraw_vote(proposal, user=voter)
    assert Follow.objects.filter(user=voter, proposal=proposal).exists()


def test_nobody_follows_a_hidden_proposal_automatically(proposal, emit_committed):
    proposal.is_hidden = True
    proposal.save()
    emit_committed("proposal.created", proposal_id=proposal.pk, actor_id=proposal.author_id)
    assert not Follow.objects.exists()


def test_a_reply_notifies_the_parent_author_only(proposal, quiet_channel_layer, django_capture_on_commit_callbacks):
    parent = CommentFactory(proposal=proposal)
    replier = ResidentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        reply = proposal_services.post_comment(proposal, author=replier, body="Agreed, it is dark.", parent=parent)
    notification = Notification.objects.get()
    assert notification.recipient == parent.author
    assert notification.kind == NotificationKind.REPLY
    assert notification.url.endswith(f"#comment-{reply.pk}")
    assert [group for group, _message in quiet_channel_layer] == [f"user-{parent.author_id}"]  # the bell moved
    # Replying to oneself is no reply; the replier, who follows the proposal since commenting (point 13),
    # hears of a new comment.
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.post_comment(proposal, author=parent.author, body="Thanks, neighbour.", parent=parent)
    assert Notification.objects.filter(kind=NotificationKind.REPLY).count() == 1
    assert list(Notification.objects.exclude(kind=NotificationKind.REPLY).values_list("recipient", "kind")) == [
        (replier.pk, NotificationKind.FOLLOWED_COMMENT)
    ]


def test_an_edited_or_hidden_reply_notifies_nobody(proposal, emit_committed):
    parent = CommentFactory(proposal=proposal)
    reply = CommentFactory(proposal=proposal, parent=parent)
    emit_committed("proposal.commented", proposal_id=proposal.pk, comment_id=reply.pk, parent_id=parent.pk, edited=True)
    reply.is_hidden = True
    reply.save()
    emit_committed("proposal.commented", proposal_id=proposal.pk, comment_id=reply.pk, parent_id=parent.pk)
    assert not Notification.objects.exists()


def test_an_official_answer_tells_the_followers_but_not_the_actor(
    proposal, administrator, django_capture_on_commit_callbacks
):
    follower = ResidentFactory()
    Follow.objects.create(user=follower, proposal=proposal)
    Follow.objects.create(user=administrator, proposal=proposal)
    comment = CommentFactory(proposal=proposal, author=administrator, author_role="administrator")
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.mark_official_answer(comment, by=administrator)
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (follower, NotificationKind.OFFICIAL_ANSWER)


# --- status changes and e-mail -------------------------------------------------------------------------


def test_a_status_change_notifies_and_emails_followers(proposal, administrator, django_capture_on_commit_callbacks):
    wants_mail, opted_out = ResidentFactory(), ResidentFactory()
    for user in (wants_mail, opted_out, administrator):
        Follow.objects.create(user=user, proposal=proposal)
    ChannelSetting.objects.create(user=opted_out, kind="status_changed", channel="email", enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.change_status(
            proposal, to_status=ProposalStatus.UNDER_REVIEW, by=administrator, response="We are looking at it."
        )
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert recipients == {wants_mail.pk, opted_out.pk}  # the administrator acted and is not told
    assert [message.to for message in mail.outbox] == [[wants_mail.email]]
    assert "We are looking at it." in mail.outbox[0].body
    assert f"/proposals/{proposal.pk}/" in mail.outbox[0].body
    stored = OutgoingEmail.objects.get()
    assert (stored.recipient, stored.status, stored.attempts) == (wants_mail, EmailStatus.SENT, 1)


def test_a_rolled_back_status_change_tells_nobody(proposal, administrator, django_capture_on_commit_callbacks):
    Follow.objects.create(user=ResidentFactory(), proposal=proposal)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        proposal_services.change_status(proposal, to_status=ProposalStatus.UNDER_REVIEW, by=administrator)
        raise RuntimeError("the caller's transaction fails after the change")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []


def test_a_broken_email_template_does_not_stop_the_notifications(
    proposal, administrator, monkeypatch, caplog, emit_committed
):
    follower = ResidentFactory()
    Follow.objects.create(user=follower, proposal=proposal)

    def broken(*args, **kwargs):
        raise OSError("template missing")

    monkeypatch.setattr(events, "status_change_letters", broken)
    with caplog.at_level(logging.ERROR, logger="notifications.events"):
        emit_committed(
            "proposal.status_changed", proposal_id=proposal.pk, actor_id=administrator.pk, to_status="under_review"
        )
    assert Notification.objects.filter(recipient=follower).exists()
    assert "Writing status e-mails" in caplog.text


class FlakyMailer:
    """A mail backend whose server refuses the addresses in ``refused`` (and everything when ``down``)."""

    refused: set = set()
    down = False
    sent: list = []

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        if FlakyMailer.down:
            raise ConnectionRefusedError("mail server down")

    def close(self):
        pass

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & FlakyMailer.refused:
                raise OSError("451 try again later")
            FlakyMailer.sent.append(message)
        return len(messages)


@pytest.fixture
def flaky_mailer(settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.test_events.FlakyMailer"}}
    FlakyMailer.refused, FlakyMailer.down, FlakyMailer.sent = set(), False, []
    return FlakyMailer


def follow_and_change(proposal, administrator, users, capture):
    for user in users:
        Follow.objects.create(user=user, proposal=proposal)
    with capture(execute=True):
        proposal_services.change_status(proposal, to_status=ProposalStatus.UNDER_REVIEW, by=administrator)


def test_a_failed_send_is_kept_with_its_error_and_sent_later(
    proposal, administrator, flaky_mailer, caplog, django_capture_on_commit_callbacks
):
    good, unlucky = ResidentFactory(), ResidentFactory()
    flaky_mailer.refused = {unlucky.email}
    with caplog.at_level(logging.WARNING, logger="notifications.mail"):
        follow_and_change(proposal, administrator, [good, unlucky], django_capture_on_commit_callbacks)
    assert [message.to for message in flaky_mailer.sent] == [[good.email]]
    waiting = OutgoingEmail.objects.get(recipient=unlucky)
    assert (waiting.status, waiting.attempts) == (EmailStatus.PENDING, 1)
    assert "451 try again later" in waiting.last_error
    assert f"to {unlucky.email} failed (attempt 1)" in caplog.text

    flaky_mailer.refused = set()
    call_command("send_pending_emails")
    assert [message.to for message in flaky_mailer.sent] == [[good.email], [unlucky.email]]
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


def test_a_mail_server_that_is_down_loses_nothing(
    proposal, administrator, flaky_mailer, django_capture_on_commit_callbacks
):
    followers = [ResidentFactory() for _ in range(3)]
    flaky_mailer.down = True
    follow_and_change(proposal, administrator, followers, django_capture_on_commit_callbacks)
    assert Notification.objects.count() == 3  # the in-app notifications do not wait for mail
    assert OutgoingEmail.objects.filter(status=EmailStatus.PENDING, attempts=1).count() == 3
    flaky_mailer.down = False
    call_command("send_pending_emails")
    assert sorted(message.to[0] for message in flaky_mailer.sent) == sorted(user.email for user in followers)


def test_mail_gives_up_after_the_last_attempt_but_keeps_the_row(
    proposal, administrator, flaky_mailer, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_MAX_ATTEMPTS = 2
    flaky_mailer.down = True
    follow_and_change(proposal, administrator, [ResidentFactory()], django_capture_on_commit_callbacks)
    call_command("send_pending_emails")
    stored = OutgoingEmail.objects.get()
    assert (stored.status, stored.attempts) == (EmailStatus.FAILED, 2)
    call_command("send_pending_emails")  # failed rows wait for an explicit retry
    assert OutgoingEmail.objects.get().attempts == 2
    flaky_mailer.down = False
    call_command("send_pending_emails", "--include-failed")
    assert OutgoingEmail.objects.get().status == EmailStatus.SENT


def test_mail_goes_out_in_batches(proposal, administrator, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BATCH_SIZE = 2
    batches = []
    followers = [ResidentFactory() for _ in range(5)]
    original = mail_outbox.send_batch

    def record(email_ids):
        batches.append(list(email_ids))
        return original(email_ids)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mail_outbox, "send_batch", record)
        follow_and_change(proposal, administrator, followers, django_capture_on_commit_callbacks)
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert len(mail.outbox) == 5


def test_review_threshold_tells_the_administrators(proposal, emit_committed):
    first, second = AdministratorFactory(), AdministratorFactory()
    ResidentFactory()
    emit_committed("proposal.review_threshold_reached", proposal_id=proposal.pk, actor_id=None)
    assert set(Notification.objects.values_list("recipient", "kind")) == {
        (first.pk, NotificationKind.REVIEW_NEEDED),
        (second.pk, NotificationKind.REVIEW_NEEDED),
    }


def test_notifications_about_a_hidden_proposal_are_not_stored(proposal, emit_committed):
    Follow.objects.create(user=ResidentFactory(), proposal=proposal)
    proposal.is_hidden = True
    proposal.save()
    emit_committed("proposal.status_changed", proposal_id=proposal.pk, actor_id=None, to_status="under_review")
    assert not Notification.objects.exists()
