"""The discussion: comments and replies, editing, removing, official answers, through forms and htmx."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import Comment, ProposalStatus
from tests.factories import CommentFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def comment_url(proposal):
    return reverse("proposals:comment", args=[proposal.pk])


def test_resident_posts_a_comment_and_lands_on_it(client, resident):
    proposal = ProposalFactory()
    client.force_login(resident)
    response = client.post(comment_url(proposal), {"body": "I saw this too, near the bus stop."})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response.url == f"{proposal.get_absolute_url()}#comment-{comment.pk}"
    assert comment.author == resident and comment.author_role == "resident"
    proposal.refresh_from_db()
    assert proposal.comment_count == 1


def test_htmx_comment_returns_the_discussion_partial(client, expert):
    proposal = ProposalFactory()
    client.force_login(expert)
    response = client.post(comment_url(proposal), {"body": "The lamp needs a new ballast."}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith(f'<section id="comments-{proposal.pk}"')
    comment = Comment.objects.get()
    assert f'id="comment-{comment.pk}"' in html
    assert '<span class="badge badge-expert">Expert</span>' in html
    assert "(1)" in html


def test_reply_goes_one_level_deep(client, resident):
    proposal = ProposalFactory()
    top = CommentFactory(proposal=proposal)
    client.force_login(resident)
    client.post(comment_url(proposal), {"body": "Agreed.", "parent": top.pk})
    reply = Comment.objects.get(parent=top)
    assert reply.proposal == proposal
    html = client.get(proposal.get_absolute_url()).content.decode()
    # replies carry no reply form of their own
    assert f'name="parent" value="{reply.pk}"' not in html
    assert f'name="parent" value="{top.pk}"' in html


@pytest.mark.parametrize("bad_parent", ["other-proposal", "reply", "missing", "text"])
def test_reply_to_a_comment_elsewhere_or_to_a_reply_is_refused(client, resident, bad_parent):
    proposal = ProposalFactory()
    top = CommentFactory(proposal=proposal)
    parents = {
        "other-proposal": CommentFactory().pk,
        "reply": CommentFactory(proposal=proposal, parent=top).pk,
        "missing": 999999,
        "text": "abc",
    }
    before = Comment.objects.count()
    client.force_login(resident)
    response = client.post(comment_url(proposal), {"body": "A reply in the wrong place", "parent": parents[bad_parent]})
    assert response.status_code == 400
    assert Comment.objects.count() == before


@pytest.mark.parametrize("body", ["", "x", "y" * 2001, "<script>alert(1)</script>", "[click](javascript:alert(1))"])
def test_bad_comment_bodies_are_refused_with_400(client, resident, body):
    proposal = ProposalFactory()
    client.force_login(resident)
    response = client.post(comment_url(proposal), {"body": body})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert 'id="error-summary"' in response.content.decode()
    htmx = client.post(comment_url(proposal), {"body": body}, **HTMX)
    assert htmx.status_code == 400 and 'role="alert"' in htmx.content.decode()
    assert not Comment.objects.exists()


def test_anonymous_comment_goes_to_login(client):
    proposal = ProposalFactory()
    response = client.post(comment_url(proposal), {"body": "Anonymous words"})
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert not Comment.objects.exists()


def test_comments_are_closed_on_withdrawn_proposals(client, resident):
    proposal = ProposalFactory(status=ProposalStatus.WITHDRAWN)
    client.force_login(resident)
    response = client.post(comment_url(proposal), {"body": "Too late for this"})
    assert response.status_code == 409
    assert "closed" in response.content.decode()
    assert not Comment.objects.exists()


def test_comment_rate_limit_answers_429_with_a_message(client, resident, settings, django_capture_on_commit_callbacks):
    settings.COMMENT_RATE_LIMIT = "2/m"
    proposal = ProposalFactory()
    client.force_login(resident)
    for index in range(2):
        # The limit counts what was committed, so let the commit callbacks run.
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(comment_url(proposal), {"body": f"Comment number {index}"}).status_code == 302
    response = client.post(comment_url(proposal), {"body": "One too many"}, **HTMX)
    assert response.status_code == 429
    assert 'role="alert"' in response.content.decode()
    assert Comment.objects.count() == 2


def test_author_edits_their_comment_within_15_minutes(client):
    comment = CommentFactory(body="Frist version")
    client.force_login(comment.author)
    url = reverse("proposals:comment_edit", args=[comment.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"body": "First version, corrected"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "First version, corrected" and comment.edited_at is not None


def test_comment_edit_is_refused_after_15_minutes_and_to_others(client, resident):
    comment = CommentFactory(body="Original words", created_at=timezone.now() - timedelta(minutes=16))
    url = reverse("proposals:comment_edit", args=[comment.pk])
    client.force_login(comment.author)
    assert client.get(url).status_code == 403
    assert client.post(url, {"body": "Rewritten late"}).status_code == 403
    fresh = CommentFactory(body="Someone else's words")
    client.force_login(resident)
    assert client.post(reverse("proposals:comment_edit", args=[fresh.pk]), {"body": "Hijacked"}).status_code == 403
    comment.refresh_from_db()
    fresh.refresh_from_db()
    assert comment.body == "Original words" and fresh.body == "Someone else's words"


def test_comment_edit_validates_the_body(client):
    comment = CommentFactory(body="Original words")
    client.force_login(comment.author)
    response = client.post(reverse("proposals:comment_edit", args=[comment.pk]), {"body": "<b>bold</b>"})
    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.body == "Original words"


def test_anonymous_comment_edit_goes_to_login(client):
    comment = CommentFactory()
    response = client.get(reverse("proposals:comment_edit", args=[comment.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_author_removes_a_comment_and_a_placeholder_stays(client):
    proposal = ProposalFactory(comment_count=1)
    comment = CommentFactory(proposal=proposal, body="I regret writing this")
    reply = CommentFactory(proposal=proposal, parent=comment, body="A reply that stays")
    client.force_login(comment.author)
    url = reverse("proposals:comment_remove", args=[comment.pk])
    assert "I regret writing this" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_removed
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "This comment was removed by its author." in html
    assert "I regret writing this" not in html
    assert reply.body in html


def test_htmx_remove_returns_the_discussion(client):
    comment = CommentFactory()
    client.force_login(comment.author)
    response = client.post(reverse("proposals:comment_remove", args=[comment.pk]), **HTMX)
    assert response.status_code == 200
    assert response.content.decode().strip().startswith(f'<section id="comments-{comment.proposal_id}"')


def test_others_cannot_remove_a_comment(client, resident, administrator):
    comment = CommentFactory()
    url = reverse("proposals:comment_remove", args=[comment.pk])
    for user in (resident, administrator):
        client.force_login(user)
        assert client.post(url).status_code == 403
    comment.refresh_from_db()
    assert not comment.is_removed


def test_administrator_marks_their_comment_as_the_official_answer(client, administrator):
    proposal = ProposalFactory()
    answer = CommentFactory(proposal=proposal, author=administrator, author_role="administrator", body="We are on it.")
    client.force_login(administrator)
    html = client.get(proposal.get_absolute_url()).content.decode()
    url = reverse("proposals:comment_official", args=[answer.pk])
    assert url in html
    response = client.post(url, **HTMX)
    assert response.status_code == 200
    answer.refresh_from_db()
    assert answer.is_official_answer
    assert "Official answer" in response.content.decode()
    assert "comment-official" in response.content.decode()


def test_only_administrators_mark_official_answers_and_only_their_own_words(client, resident, administrator):
    proposal = ProposalFactory()
    residents_comment = CommentFactory(proposal=proposal)
    admins_comment = CommentFactory(proposal=proposal, author=administrator, author_role="administrator")
    client.force_login(resident)
    assert client.post(reverse("proposals:comment_official", args=[admins_comment.pk])).status_code == 403
    client.force_login(administrator)
    response = client.post(reverse("proposals:comment_official", args=[residents_comment.pk]))
    assert response.status_code == 409
    assert not Comment.objects.filter(is_official_answer=True).exists()
    assert client.get(reverse("proposals:comment_official", args=[admins_comment.pk])).status_code == 405


def test_anonymous_official_goes_to_login(client, administrator):
    comment = CommentFactory(author=administrator, author_role="administrator")
    response = client.post(reverse("proposals:comment_official", args=[comment.pk]))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert not comment.is_official_answer


def test_hidden_comment_pages_are_404_for_others(client, resident):
    comment = CommentFactory(is_hidden=True, hidden_reason="Abuse")
    client.force_login(resident)
    assert client.get(reverse("proposals:comment_report", args=[comment.pk])).status_code == 404
    assert client.get(reverse("proposals:comment_edit", args=[comment.pk])).status_code == 404


def test_role_badge_is_the_role_at_the_time_of_writing(client):
    author = ResidentFactory()
    comment = CommentFactory(author=author, author_role="expert")
    html = client.get(comment.proposal.get_absolute_url()).content.decode()
    assert '<span class="badge badge-expert">Expert</span>' in html


# --- issue 9 point 4: hiding a comment hides only that comment --------------------------------------


@pytest.fixture
def hidden_thread(administrator):
    from proposals import services

    proposal = ProposalFactory()
    rude = services.post_comment(proposal, author=ResidentFactory(display_name="Rude"), body="Insulting words here")
    replier = ResidentFactory(display_name="Kind neighbour")
    services.post_comment(proposal, author=replier, body="Please keep it friendly.", parent=rude)
    services.post_comment(proposal, author=ResidentFactory(), body="The lamp is still out.", parent=rude)
    services.hide_comment(rude, by=administrator, reason="Insults")
    proposal.refresh_from_db()
    return {"proposal": proposal, "rude": rude, "replier": replier}


def test_hiding_a_comment_keeps_its_replies_for_their_author(client, hidden_thread):
    client.force_login(hidden_thread["replier"])
    html = client.get(hidden_thread["proposal"].get_absolute_url()).content.decode()
    assert "Please keep it friendly." in html
    assert "The lamp is still out." in html
    assert "A moderator hid this comment." in html
    assert "Insulting words" not in html and "Insults" not in html


def test_hidden_comment_placeholder_for_visitors_and_the_count_matches(client, hidden_thread):
    proposal = hidden_thread["proposal"]
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert proposal.comment_count == 2
    assert 'Discussion <span class="meta">(2)</span>' in html
    assert html.count('class="comment-body"') == 2  # the count is what people can read
    assert "Insulting words" not in html


def test_moderator_and_author_still_read_the_hidden_comment_with_its_note(client, administrator, hidden_thread):
    for user in (administrator, hidden_thread["rude"].author):
        client.force_login(user)
        html = client.get(hidden_thread["proposal"].get_absolute_url()).content.decode()
        assert "Insulting words here" in html
        assert "A moderator hid this comment: Insults" in html
        assert "Please keep it friendly." in html
