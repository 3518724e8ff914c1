"""Author names on proposals (detail, cards on the list and on a challenge page), comments and assessments link to
the author's public profile (``proposals:person``), except when there is none to link to: an erased account
("Former participant"), a deactivated one, or a removed or hidden comment. Names are escaped everywhere."""

import pytest
from django.urls import reverse

from accounts.services import erase_account
from proposals.models import Comment
from tests.factories import CommentFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db

NASTY = '<script>alert("x")</script>&Kim'


def profile(person) -> str:
    return reverse("proposals:person", args=[person.pk])


def link(person, name=None) -> str:
    return f'<a class="author-link" href="{profile(person)}">{name or person.display_name}</a>'


def detail(client, proposal) -> str:
    return client.get(proposal.get_absolute_url()).content.decode()


def test_the_proposal_detail_links_its_author_to_their_profile(client):
    proposal = ProposalFactory(author=ResidentFactory(display_name="김하나"))
    html = detail(client, proposal)
    assert link(proposal.author) in html
    assert client.get(profile(proposal.author)).status_code == 200


def test_an_erased_author_is_a_former_participant_without_a_link(client):
    proposal = ProposalFactory(author=ResidentFactory(display_name="김하나"))
    url = profile(proposal.author)
    erase_account(proposal.author)
    html = detail(client, proposal)
    assert "Former participant" in html
    assert url not in html and "김하나" not in html
    assert client.get(url).status_code == 404


def test_a_deactivated_author_is_named_without_a_link_to_a_missing_profile(client):
    author = ResidentFactory(display_name="김하나", is_active=False)
    proposal = ProposalFactory(author=author)
    html = detail(client, proposal)
    assert "김하나" in html and profile(author) not in html
    assert client.get(profile(author)).status_code == 404


def test_author_names_are_escaped_in_the_link(client):
    proposal = ProposalFactory(author=ResidentFactory(display_name=NASTY))
    CommentFactory(proposal=proposal, author=proposal.author)
    html = detail(client, proposal)
    assert NASTY not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;Kim" in html
    assert f'href="{profile(proposal.author)}">&lt;script&gt;' in html


def test_proposal_cards_on_the_list_link_their_authors(client):
    authors = [ResidentFactory(display_name=f"주민{i}") for i in range(3)]
    for author in authors:
        ProposalFactory(author=author)
    html = client.get(reverse("proposals:list")).content.decode()
    for author in authors:
        assert link(author) in html


def test_a_comment_links_its_author_and_a_removed_or_hidden_one_does_not(client):
    proposal = ProposalFactory()
    shown = CommentFactory(proposal=proposal, author=ResidentFactory(display_name="박댓글"))
    removed = CommentFactory(proposal=proposal, author=ResidentFactory(display_name="이삭제"))
    hidden = CommentFactory(proposal=proposal, author=ResidentFactory(display_name="최숨김"))
    Comment.objects.filter(pk=removed.pk).update(is_removed=True)
    Comment.objects.filter(pk=hidden.pk).update(is_hidden=True, hidden_reason="Insults")
    html = detail(client, proposal)
    assert link(shown.author) in html
    assert profile(removed.author) not in html
    assert profile(hidden.author) not in html


def test_a_comment_by_an_erased_account_has_no_link(client):
    proposal = ProposalFactory()
    comment = CommentFactory(proposal=proposal, author=ResidentFactory(display_name="박댓글"))
    url = profile(comment.author)
    erase_account(comment.author)
    html = detail(client, proposal)
    assert url not in html and "Former participant" in html
