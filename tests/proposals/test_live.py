"""Proposals' live pushes (proposals/live.py): what each domain event sends over the channel layer.

Every push is rendered for an anonymous viewer from the page's own partials; hidden things never travel;
a failure is logged and never raised.
"""

import logging

import pytest

from livinglab.live import extract_element
from proposals import live
from proposals import services as proposal_services
from proposals.models import Comment, ProposalStatus
from tests.factories import CommentFactory, ExpertFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed(monkeypatch):
    """Every (group, message) the live pushes hand to the channel layer, in order."""
    sent = []

    def record(messages):
        sent.extend(messages)
        return True

    monkeypatch.setattr(live, "broadcast", record)
    monkeypatch.setattr("notifications.services.broadcast", lambda messages: True)
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


def test_withdrawing_a_vote_pushes_the_lower_count(pushed, proposal, django_capture_on_commit_callbacks):
    voter = ResidentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.cast_vote(proposal, user=voter)
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.withdraw_vote(proposal, user=voter)
    assert html_for(pushed, "proposal-list") == f'<span id="card-votes-{proposal.pk}">0</span>'


def test_a_hidden_proposal_is_never_pushed(pushed, proposal, emit_committed):
    proposal.is_hidden = True
    proposal.save()
    for name in ("proposal.voted", "proposal.edited", "proposal.assessed", "proposal.status_changed"):
        emit_committed(name, proposal_id=proposal.pk, actor_id=None)
    assert pushed == []


def test_an_unknown_proposal_pushes_nothing_and_does_not_raise(pushed, emit_committed):
    emit_committed("proposal.voted", proposal_id=987654, actor_id=None, vote_count=3)
    assert pushed == []


# --- new proposals -----------------------------------------------------------------------------------


def test_a_new_proposal_tells_the_list(pushed, proposal, emit_committed):
    emit_committed("proposal.created", proposal_id=proposal.pk, actor_id=proposal.author_id)
    assert pushed == [("proposal-list", {"type": "live.new_proposal", "proposal_id": proposal.pk})]


def test_a_new_hidden_proposal_is_not_announced(pushed, proposal, emit_committed):
    proposal.is_hidden = True
    proposal.save()
    emit_committed("proposal.created", proposal_id=proposal.pk, actor_id=proposal.author_id)
    assert pushed == []


# --- status: every place that shows it changes together (issue 9, point 7) ---------------------------


def test_a_status_change_pushes_the_badge_the_timeline_and_the_card_badge(
    pushed, proposal, administrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.change_status(
            proposal, to_status=ProposalStatus.UNDER_REVIEW, by=administrator, response="We are looking at it."
        )
    page = html_for(pushed, f"proposal-{proposal.pk}")
    badge = f'<span id="status-badge-{proposal.pk}" class="badge status status-under_review">Under review</span>'
    assert badge in page
    assert f'id="status-timeline-{proposal.pk}"' in page
    assert "We are looking at it." in page
    card = f'<span id="card-status-{proposal.pk}" class="badge status status-under_review">Under review</span>'
    assert card in html_for(pushed, "proposal-list")
    assert "검토 중" in html_for(pushed, "proposal-list", language="ko")
    # Signed-in viewers refetch their own panel: voting may have opened or closed for them.
    assert 'hx-trigger="load"' in html_for(pushed, f"proposal-{proposal.pk}", variant="signed_in")


def test_the_pushed_badges_are_the_ones_the_pages_show(client, pushed, proposal, administrator, emit_committed):
    """Same partial, same ids: what the push carries replaces exactly what the page and the list render."""
    proposal.status = ProposalStatus.UNDER_REVIEW
    proposal.save()
    emit_committed("proposal.status_changed", proposal_id=proposal.pk, actor_id=None, to_status="under_review")
    detail = client.get(proposal.get_absolute_url()).content.decode()
    listing = client.get("/proposals/").content.decode()
    badge = extract_element(html_for(pushed, f"proposal-{proposal.pk}"), f"status-badge-{proposal.pk}")
    card = extract_element(html_for(pushed, "proposal-list"), f"card-status-{proposal.pk}")
    assert badge and badge in detail
    assert card and card in listing


def test_the_vote_threshold_pushes_the_new_status_everywhere(
    pushed, proposal, settings, django_capture_on_commit_callbacks
):
    settings.PROPOSAL_REVIEW_THRESHOLD = 1
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.cast_vote(proposal, user=ResidentFactory())
    assert f'id="status-badge-{proposal.pk}" class="badge status status-under_review"' in html_for(
        pushed, f"proposal-{proposal.pk}"
    )
    assert f'id="card-status-{proposal.pk}" class="badge status status-under_review"' in html_for(
        pushed, "proposal-list"
    )


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


def test_a_hidden_comment_pushes_a_placeholder_and_keeps_its_replies(
    pushed, proposal, administrator, django_capture_on_commit_callbacks
):
    comment = proposal_services.post_comment(proposal, author=ResidentFactory(), body="Rude words that must not travel")
    reply = proposal_services.post_comment(proposal, author=ResidentFactory(), body="Innocent answer", parent=comment)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.hide_comment(comment, by=administrator, reason="Insults")
    html = html_for(pushed, f"proposal-{proposal.pk}")
    assert "A moderator hid this comment." in html
    assert f'id="comment-{reply.pk}"' in html and "Innocent answer" in html
    assert 'Discussion <span class="meta">(1)</span>' in html
    assert "Rude words" not in str(pushed)
    assert "Insults" not in str(pushed)


def test_a_comment_hidden_before_its_push_is_not_pushed(pushed, proposal, emit_committed):
    comment = CommentFactory(proposal=proposal, body="Spam spam spam", is_hidden=True, hidden_reason="Spam")
    emit_committed("proposal.commented", proposal_id=proposal.pk, actor_id=comment.author_id, comment_id=comment.pk)
    assert pushed == []


def test_a_removed_comment_pushes_the_note_without_its_text(pushed, proposal, django_capture_on_commit_callbacks):
    comment = CommentFactory(proposal=proposal, body="Something I regret saying")
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.remove_comment(comment, user=comment.author)
    html = html_for(pushed, f"proposal-{proposal.pk}")
    assert "removed by its author" in html
    assert "regret" not in html


def test_an_official_answer_is_pushed(pushed, proposal, administrator, django_capture_on_commit_callbacks):
    comment = CommentFactory(proposal=proposal, author=administrator, author_role="administrator")
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.mark_official_answer(comment, by=administrator)
    assert "Official answer" in html_for(pushed, f"proposal-{proposal.pk}")


def test_comment_events_for_another_proposal_are_ignored(pushed, proposal, emit_committed):
    comment = CommentFactory()
    emit_committed("proposal.commented", proposal_id=proposal.pk, actor_id=None, comment_id=comment.pk)
    assert pushed == []
    assert Comment.objects.count() == 1


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


def test_a_rendering_error_is_logged_and_never_raised(pushed, proposal, monkeypatch, caplog, emit_committed):
    def broken(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(live, "render_in_each_language", broken)
    with caplog.at_level(logging.ERROR, logger="livinglab.events"):
        emit_committed("proposal.edited", proposal_id=proposal.pk, actor_id=None)
    assert "template exploded" in caplog.text
    assert "proposal_edited of proposal.edited failed" in caplog.text


def test_a_vote_push_that_fails_in_its_task_is_logged_and_never_raised(
    pushed, proposal, monkeypatch, caplog, emit_committed
):
    # A vote's push is rendered by the task worker (live.push_vote); here tasks run in-process.
    def broken(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(live, "render_in_each_language", broken)
    with caplog.at_level(logging.ERROR):
        emit_committed("proposal.voted", proposal_id=proposal.pk, actor_id=None, vote_count=1)
    assert "template exploded" in caplog.text
    assert pushed == []
