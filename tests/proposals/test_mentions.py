"""Issue 9 point 13: an @mention in a comment links to the person's public profile, safely and cheaply."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.mentions import mentioned_user_ids
from tests.factories import CommentFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def profile(user) -> str:
    return reverse("proposals:person", args=[user.pk])


def discussion(client, proposal) -> str:
    return client.get(proposal.get_absolute_url()).content.decode()


def test_a_mention_of_a_real_person_links_to_their_profile(client):
    mina = ResidentFactory(display_name="Mina")
    proposal = ProposalFactory()
    CommentFactory(proposal=proposal, body="Thanks @mina, I saw it too.")
    html = discussion(client, proposal)
    assert f'<a class="mention" href="{profile(mina)}">@mina</a>, I saw it too.' in html


def test_korean_names_and_a_full_stop_after_the_name(client):
    jiho = ResidentFactory(display_name="김지호")
    proposal = ProposalFactory()
    CommentFactory(proposal=proposal, body="동의합니다 @김지호.")
    html = discussion(client, proposal)
    assert f'<a class="mention" href="{profile(jiho)}">@김지호</a>.' in html


@pytest.mark.parametrize("state", ["unknown", "blocked", "erased", "inactive", "shared"])
def test_no_link_for_who_may_not_be_mentioned(client, state):
    if state != "unknown":
        person = ResidentFactory(display_name="Mina")
    if state == "blocked":
        person.blocked_at = timezone.now()
        person.save()
    elif state == "erased":
        person.erased_at = timezone.now()
        person.save()
    elif state == "inactive":
        person.is_active = False
        person.save()
    elif state == "shared":
        ResidentFactory(display_name="MINA")
    proposal = ProposalFactory()
    CommentFactory(proposal=proposal, body="Hello @Mina")
    html = discussion(client, proposal)
    assert "Hello @Mina" in html
    assert 'class="mention"' not in html


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script> @Mina",
        '@Mina"><img src=x onerror=alert(1)>',
        "@Mina<a href='javascript:alert(1)'>x</a>",
        "[@Mina](javascript:alert(1)) **@Mina**",
    ],
)
def test_markup_in_a_comment_stays_text_next_to_a_mention(client, body):
    mina = ResidentFactory(display_name="Mina")
    proposal = ProposalFactory()
    CommentFactory(proposal=proposal, body=body)
    html = discussion(client, proposal)
    assert f'<a class="mention" href="{profile(mina)}">@Mina</a>' in html
    assert "<script>alert" not in html and "<img" not in html and "javascript:alert(1)'>" not in html
    assert 'href="javascript' not in html and "onerror=alert(1)>" not in html


def test_a_display_name_with_markup_cannot_become_a_mention(client):
    ResidentFactory(display_name="<b>x</b>")
    proposal = ProposalFactory()
    CommentFactory(proposal=proposal, body="@<b>x</b>")
    html = discussion(client, proposal)
    assert 'class="mention"' not in html
    assert "@&lt;b&gt;x&lt;/b&gt;" in html


def test_line_breaks_survive(client):
    ResidentFactory(display_name="Mina")
    proposal = ProposalFactory()
    CommentFactory(proposal=proposal, body="first @Mina\nsecond\n\nthird")
    html = discussion(client, proposal)
    assert "<br>second</p>" in html.replace("<br />", "<br>") and "<p>third</p>" in html


def _mentioning_thread(proposal, count):
    for index in range(count):
        person = ResidentFactory(display_name=f"Person{index}")
        top = CommentFactory(proposal=proposal, body=f"@Person{index} look")
        CommentFactory(proposal=proposal, parent=top, body=f"@{person.display_name} and @nobody{index}")


@pytest.mark.parametrize("comments", [2, 12])
def test_mentions_cost_one_query_for_the_whole_discussion(client, django_assert_num_queries, comments):
    proposal = ProposalFactory()
    _mentioning_thread(proposal, comments)
    fragment = reverse("proposals:fragment_comments", args=[proposal.pk])
    # proposal, comments, replies, and one lookup of every name mentioned on the page
    with django_assert_num_queries(4):
        response = client.get(fragment)
    assert response.content.decode().count('class="mention"') == 2 * comments


def test_without_mentions_the_discussion_costs_no_extra_query(client, django_assert_num_queries):
    proposal = ProposalFactory()
    for _ in range(3):
        CommentFactory(proposal=proposal, body="Plain words, no one named.")
    with django_assert_num_queries(3):
        client.get(reverse("proposals:fragment_comments", args=[proposal.pk]))


def test_the_notified_person_and_the_linked_person_are_the_same():
    """The notification and the page read mentions through one resolver."""
    mina = ResidentFactory(display_name="Mina")
    ResidentFactory(display_name="Twin")
    ResidentFactory(display_name="twin")
    assert mentioned_user_ids("@Mina @Twin @ghost") == {mina.pk}
