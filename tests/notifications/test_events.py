"""publish(): what goes out over the channel layer, who is told, who is e-mailed; and that it never raises."""

import logging

import pytest
from django.core import mail

from notifications import events
from notifications.models import Follow, Notification, NotificationKind, NotificationPreference
from proposals import services as proposal_services
from proposals.models import Comment, ProposalStatus
from tests.factories import (
    AdministratorFactory,
    CommentFactory,
    ExpertFactory,
    ProposalFactory,
    ResidentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed(monkeypatch):
    """Every (group, message) publish() hands to the channel layer, in order."""
    sent = []

    def record(messages):
        sent.extend(messages)
        return True

    monkeypatch.setattr(events, "broadcast", record)
    monkeypatch.setattr("notifications.services.broadcast", record)
    return sent


def html_for(sent, group: str, *, variant: str = "anonymous", language: str = "en") -> str:
    return "".join(
        (message.get(variant) or {}).get(language, "")
        for name, message in sent
        if name == group and message["type"] == "live.push"
    )


@pytest.fixture
def proposal(db):
    return ProposalFactory(title="Dark alley behind the market needs a light")


# --- votes -------------------------------------------------------------------------------------------


def test_a_vote_pushes_the_panel_the_count_and_the_card(pushed, proposal, django_capture_on_commit_callbacks):
    voter = ResidentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.cast_vote(proposal, user=voter)
    group = f"proposal-{proposal.pk}"
    panel = html_for(pushed, group)
    assert f'id="vote-panel-{proposal.pk}"' in panel
    assert "Log in to support it" in panel  # rendered for everyone, not for the voter
    assert html_for(pushed, group, variant="signed_in") == f'<strong id="vote-count-{proposal.pk}">1</strong>'
    assert html_for(pushed, "proposal-list") == f'<span id="card-votes-{proposal.pk}">1</span>'
    assert f'id="vote-panel-{proposal.pk}"' in html_for(pushed, group, language="ko")
    message = next(message for name, message in pushed if name == group)
    assert message["actor_id"] == voter.pk


def test_a_voter_and_the_author_follow_automatically(pushed, proposal, django_capture_on_commit_callbacks):
    voter = ResidentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.cast_vote(proposal, user=voter)
    assert Follow.objects.filter(user=voter, proposal=proposal).exists()
    events.publish("proposal.created", proposal_id=proposal.pk, actor_id=proposal.author_id)
    assert Follow.objects.filter(user=proposal.author, proposal=proposal).exists()


def test_withdrawing_a_vote_pushes_the_lower_count_but_keeps_the_follow(
    pushed, proposal, django_capture_on_commit_callbacks
):
    voter = ResidentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.cast_vote(proposal, user=voter)
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.withdraw_vote(proposal, user=voter)
    assert html_for(pushed, "proposal-list") == f'<span id="card-votes-{proposal.pk}">0</span>'
    assert Follow.objects.filter(user=voter, proposal=proposal).exists()


def test_a_hidden_proposal_is_never_pushed(pushed, proposal):
    proposal.is_hidden = True
    proposal.save()
    for name in ("proposal.voted", "proposal.edited", "proposal.assessed", "proposal.status_changed"):
        events.publish(name, proposal_id=proposal.pk, actor_id=None)
    assert pushed == []


def test_an_unknown_proposal_pushes_nothing_and_does_not_raise(pushed):
    events.publish("proposal.voted", proposal_id=987654, actor_id=None, vote_count=3)
    assert pushed == []


def test_an_unknown_event_is_logged_and_ignored(pushed, proposal, caplog):
    with caplog.at_level(logging.WARNING, logger="notifications.events"):
        events.publish("proposal.exploded", proposal_id=proposal.pk)
    assert pushed == []
    assert "Unknown live event" in caplog.text


# --- new proposals -----------------------------------------------------------------------------------


def test_a_new_proposal_tells_the_list(pushed, proposal):
    events.publish("proposal.created", proposal_id=proposal.pk, actor_id=proposal.author_id)
    assert pushed == [("proposal-list", {"type": "live.new_proposal", "proposal_id": proposal.pk})]


def test_a_new_hidden_proposal_is_not_announced(pushed, proposal):
    proposal.is_hidden = True
    proposal.save()
    events.publish("proposal.created", proposal_id=proposal.pk, actor_id=proposal.author_id)
    assert pushed == []


# --- comments ----------------------------------------------------------------------------------------


def test_the_first_comment_brings_the_discussion(pushed, proposal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comment = proposal_services.post_comment(proposal, author=ResidentFactory(), body="Same on my street.")
    html = html_for(pushed, f"proposal-{proposal.pk}")
    assert f'id="comments-{proposal.pk}"' in html
    assert f'id="comment-{comment.pk}"' in html
    assert "Same on my street." in html


def test_a_later_comment_is_appended_with_the_new_count(pushed, proposal, django_capture_on_commit_callbacks):
    CommentFactory(proposal=proposal, body="First!")
    with django_capture_on_commit_callbacks(execute=True):
        comment = proposal_services.post_comment(proposal, author=ResidentFactory(), body="Second comment here.")
    html = html_for(pushed, f"proposal-{proposal.pk}")
    assert f'hx-swap-oob="beforeend:#comments-{proposal.pk} &gt; .comment-list"' in html
    assert f'id="comment-{comment.pk}"' in html
    assert "First!" not in html  # only the new one travels
    assert f'id="comments-heading-{proposal.pk}"' in html


def test_a_reply_notifies_the_parent_author_only(pushed, proposal, django_capture_on_commit_callbacks):
    parent = CommentFactory(proposal=proposal)
    replier = ResidentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        reply = proposal_services.post_comment(proposal, author=replier, body="Agreed, it is dark.", parent=parent)
    notification = Notification.objects.get()
    assert notification.recipient == parent.author
    assert notification.kind == NotificationKind.REPLY
    assert notification.url.endswith(f"#comment-{reply.pk}")
    assert html_for(pushed, f"user-{parent.author_id}")  # the bell moved
    # Replying to oneself tells nobody.
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.post_comment(proposal, author=parent.author, body="Thanks, neighbour.", parent=parent)
    assert Notification.objects.count() == 1


def test_a_hidden_comment_pushes_only_its_removal(pushed, proposal, administrator, django_capture_on_commit_callbacks):
    comment = CommentFactory(proposal=proposal, body="Rude words that must not travel")
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.hide_comment(comment, by=administrator, reason="Insults")
    html = html_for(pushed, f"proposal-{proposal.pk}")
    assert html.strip() == f'<div id="comment-{comment.pk}" hx-swap-oob="delete"></div>'
    assert "Rude words" not in str(pushed)


def test_a_comment_hidden_before_its_push_is_not_pushed(pushed, proposal):
    comment = CommentFactory(proposal=proposal, body="Spam spam spam", is_hidden=True, hidden_reason="Spam")
    events.publish("proposal.commented", proposal_id=proposal.pk, actor_id=comment.author_id, comment_id=comment.pk)
    assert pushed == []


def test_a_removed_comment_pushes_the_note_without_its_text(pushed, proposal, django_capture_on_commit_callbacks):
    comment = CommentFactory(proposal=proposal, body="Something I regret saying")
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.remove_comment(comment, user=comment.author)
    html = html_for(pushed, f"proposal-{proposal.pk}")
    assert "removed by its author" in html
    assert "regret" not in html


def test_an_official_answer_is_pushed_and_followers_are_told(
    pushed, proposal, administrator, django_capture_on_commit_callbacks
):
    follower = ResidentFactory()
    Follow.objects.create(user=follower, proposal=proposal)
    Follow.objects.create(user=administrator, proposal=proposal)
    comment = CommentFactory(proposal=proposal, author=administrator, author_role="administrator")
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.mark_official_answer(comment, by=administrator)
    assert "Official answer" in html_for(pushed, f"proposal-{proposal.pk}")
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (follower, NotificationKind.OFFICIAL_ANSWER)


# --- status changes ----------------------------------------------------------------------------------


def test_a_status_change_pushes_the_timeline_notifies_and_emails_followers(
    pushed, proposal, administrator, django_capture_on_commit_callbacks
):
    wants_mail, opted_out = ResidentFactory(), ResidentFactory()
    for user in (wants_mail, opted_out, administrator):
        Follow.objects.create(user=user, proposal=proposal)
    NotificationPreference.objects.create(user=opted_out, email_on_status_change=False)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.change_status(
            proposal, to_status=ProposalStatus.UNDER_REVIEW, by=administrator, response="We are looking at it."
        )
    html = html_for(pushed, f"proposal-{proposal.pk}")
    assert f'id="status-timeline-{proposal.pk}"' in html
    assert "We are looking at it." in html
    # Signed-in viewers refetch their own panel: voting may have opened or closed for them.
    assert 'hx-trigger="load"' in html_for(pushed, f"proposal-{proposal.pk}", variant="signed_in")
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert recipients == {wants_mail.pk, opted_out.pk}  # the administrator acted and is not told
    assert [message.to for message in mail.outbox] == [[wants_mail.email]]
    assert "We are looking at it." in mail.outbox[0].body
    assert f"/proposals/{proposal.pk}/" in mail.outbox[0].body


def test_a_failing_mail_server_does_not_stop_the_notifications(pushed, proposal, administrator, monkeypatch, caplog):
    follower = ResidentFactory()
    Follow.objects.create(user=follower, proposal=proposal)

    def broken(*args, **kwargs):
        raise OSError("SMTP is down")

    monkeypatch.setattr(events, "_email_status_change", broken)
    with caplog.at_level(logging.ERROR, logger="notifications.events"):
        events.publish(
            "proposal.status_changed", proposal_id=proposal.pk, actor_id=administrator.pk, to_status="under_review"
        )
    assert Notification.objects.filter(recipient=follower).exists()
    assert "E-mailing status changes" in caplog.text


def test_review_threshold_tells_the_administrators(pushed, proposal):
    first, second = AdministratorFactory(), AdministratorFactory()
    ResidentFactory()
    events.publish("proposal.review_threshold_reached", proposal_id=proposal.pk, actor_id=None)
    assert set(Notification.objects.values_list("recipient", "kind")) == {
        (first.pk, NotificationKind.REVIEW_NEEDED),
        (second.pk, NotificationKind.REVIEW_NEEDED),
    }


# --- assessments and hiding --------------------------------------------------------------------------


def test_an_assessment_pushes_the_assessments(pushed, proposal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.submit_assessment(
            proposal,
            expert=ExpertFactory(),
            feasibility=4,
            cost_range="under_10m",
            risks="",
            recommendation="pilot",
            text="A solar light would fix this within a month at low cost.",
        )
    html = html_for(pushed, f"proposal-{proposal.pk}")
    assert f'id="assessments-{proposal.pk}"' in html
    assert "solar light" in html


def test_hiding_a_proposal_closes_its_sockets_and_drops_its_card(
    pushed, proposal, administrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.hide_proposal(proposal, by=administrator, reason="Personal data in the text")
    assert (f"proposal-{proposal.pk}", {"type": "live.close"}) in pushed
    assert html_for(pushed, "proposal-list").strip() == (
        f'<div id="proposal-card-{proposal.pk}" hx-swap-oob="delete"></div>'
    )
    assert proposal.title not in str(pushed)


# --- failures ----------------------------------------------------------------------------------------


def test_a_rendering_error_is_logged_and_never_raised(pushed, proposal, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(events, "render_in_each_language", broken)
    with caplog.at_level(logging.ERROR, logger="notifications.events"):
        events.publish("proposal.voted", proposal_id=proposal.pk, actor_id=None, vote_count=1)
    assert "template exploded" in caplog.text


def test_comment_events_for_another_proposal_are_ignored(pushed, proposal):
    comment = CommentFactory()
    events.publish("proposal.commented", proposal_id=proposal.pk, actor_id=None, comment_id=comment.pk)
    assert pushed == []
    assert Comment.objects.count() == 1
