"""Proposals' live pushes: each domain event re-rendered from the partials the pages themselves use.

Subscribed after commit in ``ProposalsConfig.ready()``. Every push is rendered for an anonymous viewer (a
push goes to everyone), after re-reading the proposal: hidden proposals and hidden or removed comments are
never pushed. Signed-in viewers get the parts of a render that do not depend on who is looking (the vote
count), or a nudge that makes their page refetch its own version; the actor's own sockets skip pushes that
depend on the viewer, because the actor's htmx request already swapped in a render made for them.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from livinglab.events import AFTER_COMMIT, IN_TRANSACTION, Event, subscribe
from livinglab.live import (
    PROPOSAL_LIST_GROUP,
    broadcast,
    enqueue_push_on_commit,
    extract_element,
    proposal_group,
    push_message,
    render_in_each_language,
)

from .models import Comment, Proposal

Messages = list[tuple[str, dict]]


def visible_proposal(pk) -> Proposal | None:
    if pk is None:
        return None
    return Proposal.objects.visible().select_related("category", "area", "area__parent", "author").filter(pk=pk).first()


def _anonymous_context(proposal, **extra) -> dict:
    return {"proposal": proposal, "user": AnonymousUser(), **extra}


def _fragment_url(name: str, pk: int) -> str:
    try:
        return reverse(f"proposals:{name}", args=[pk])
    except NoReverseMatch:
        return ""


def _nudge(proposal, *, fragment: str, target_id: str) -> dict[str, str] | None:
    """A hidden element whose ``load`` makes a signed-in viewer's page refetch its own version of a partial."""
    url = _fragment_url(fragment, proposal.pk)
    if not url:
        return None
    return render_in_each_language("live/refetch.html", {"proposal": proposal, "url": url, "target_id": target_id})


def render_card(proposal) -> dict[str, str]:
    return render_in_each_language("proposals/includes/proposal_card.html", _anonymous_context(proposal))


def _card_element(card: dict[str, str], element_id: str) -> dict[str, str]:
    """One piece of the list card (its vote count, its status badge), cut from a render of the card partial."""
    return {code: extract_element(html, element_id) for code, html in card.items()}


def vote_messages(proposal, event: Event, *, buttons_changed: bool = False, card=None) -> Messages:
    panel = render_in_each_language("proposals/includes/vote_panel.html", _anonymous_context(proposal))
    # Only the count changed: signed-in viewers keep their buttons and get the count from the same render.
    signed_in = {code: extract_element(html, f"vote-count-{proposal.pk}") for code, html in panel.items()}
    if buttons_changed:
        # Voting opened or closed: every signed-in viewer's buttons change, so each refetches its own panel.
        signed_in = _nudge(proposal, fragment="fragment_vote", target_id=f"vote-panel-{proposal.pk}") or signed_in
    messages = [(proposal_group(proposal.pk), push_message(panel, signed_in=signed_in, actor_id=event.actor_id))]
    votes = _card_element(card or render_card(proposal), f"card-votes-{proposal.pk}")
    if any(votes.values()):
        messages.append((PROPOSAL_LIST_GROUP, push_message(votes)))
    return messages


def status_messages(proposal, *, card=None) -> Messages:
    """Every place that shows the status, together: the page's badge and timeline, and the card's badge.

    The same for every viewer, so the actor's sockets get them too.
    """
    badge = render_in_each_language("proposals/includes/status_badge.html", _anonymous_context(proposal))
    timeline = render_in_each_language("proposals/includes/status_timeline.html", _anonymous_context(proposal))
    page = {code: badge[code].strip() + timeline[code] for code in badge}
    messages = [(proposal_group(proposal.pk), push_message(page))]
    card_badge = _card_element(card or render_card(proposal), f"card-status-{proposal.pk}")
    if any(card_badge.values()):
        messages.append((PROPOSAL_LIST_GROUP, push_message(card_badge)))
    return messages


def _partial_messages(proposal, template_name: str, event: Event, **context) -> Messages:
    fragments = render_in_each_language(template_name, _anonymous_context(proposal, **context))
    return [(proposal_group(proposal.pk), push_message(fragments, actor_id=event.actor_id))]


def _appended(proposal, comment, selector: str) -> dict[str, str]:
    return render_in_each_language("live/append.html", _anonymous_context(proposal, comment=comment, selector=selector))


def comment_messages(proposal, comment, event: Event) -> Messages:
    """A new comment goes to the end of its list; the first one of a list brings the list with it."""
    if comment.parent_id:
        parent = comment.parent
        if parent.is_hidden:
            return []
        siblings = Comment.objects.visible().filter(parent_id=parent.pk).exclude(pk=comment.pk).exists()
        if siblings:
            fragments = _appended(proposal, comment, f"#comment-{parent.pk} > .comment-replies")
        else:
            fragments = render_in_each_language(
                "proposals/includes/comment.html", _anonymous_context(proposal, comment=parent)
            )
    else:
        top_level = Comment.objects.visible().filter(proposal_id=proposal.pk, parent__isnull=True)
        if not top_level.exclude(pk=comment.pk).exists():
            return _partial_messages(proposal, "proposals/includes/comments.html", event)
        fragments = _appended(proposal, comment, f"#comments-{proposal.pk} > .comment-list")
    # The discussion heading carries the count; it comes from the same partial the page shows.
    section = render_in_each_language("proposals/includes/comments.html", _anonymous_context(proposal))
    for code, html in section.items():
        fragments[code] += extract_element(html, f"comments-heading-{proposal.pk}")
    return [(proposal_group(proposal.pk), push_message(fragments, actor_id=event.actor_id))]


def removal(element_id: str) -> dict[str, str]:
    html = render_to_string("live/remove.html", {"element_id": element_id})
    return {code: html for code, _name in settings.LANGUAGES}


# --- receivers ------------------------------------------------------------------------------------------


@subscribe("proposal.created", phase=AFTER_COMMIT)
def proposal_created(event: Event) -> None:
    proposal = visible_proposal(event.proposal_id)
    if proposal is not None and proposal.status != "withdrawn":
        broadcast([(PROPOSAL_LIST_GROUP, {"type": "live.new_proposal", "proposal_id": proposal.pk})])


@task
def push_vote(event: dict) -> bool:
    """Push the count a vote left, rendered once by the task worker; False when the proposal is not shown.

    A vote's push (the vote panel and the card's count, each in every language) was a quarter of a vote's
    CPU when it was rendered inside the request.
    """
    event = Event.from_json(event)
    proposal = visible_proposal(event.proposal_id)
    if proposal is None:
        return False
    broadcast(vote_messages(proposal, event))
    return True


@subscribe(("proposal.voted", "proposal.unvoted"), phase=IN_TRANSACTION)
def proposal_voted(event: Event) -> None:
    """A vote's request only queues its push (``push_vote``), in the vote's own transaction where the worker reads
    its queue from the database (``enqueue_push_on_commit``)."""
    enqueue_push_on_commit(push_vote, event.as_json())


@subscribe("proposal.edited", phase=AFTER_COMMIT)
def proposal_edited(event: Event) -> None:
    proposal = visible_proposal(event.proposal_id)
    if proposal is not None:
        broadcast([(PROPOSAL_LIST_GROUP, push_message(render_card(proposal)))])


@subscribe("proposal.status_changed", phase=AFTER_COMMIT)
def proposal_status_changed(event: Event) -> None:
    proposal = visible_proposal(event.proposal_id)
    if proposal is not None:
        card = render_card(proposal)
        broadcast(
            status_messages(proposal, card=card) + vote_messages(proposal, event, buttons_changed=True, card=card)
        )


@subscribe("proposal.commented", phase=AFTER_COMMIT)
def proposal_commented(event: Event) -> None:
    proposal = visible_proposal(event.proposal_id)
    if proposal is None:
        return
    comment = (
        Comment.objects.select_related("author", "parent", "parent__author")
        .filter(pk=event.data.get("comment_id"), proposal=proposal)
        .first()
    )
    if comment is None or comment.is_hidden:
        return
    if event.data.get("unhidden"):
        # Back in the thread at its old place: the whole discussion is the simplest correct update.
        broadcast(_partial_messages(proposal, "proposals/includes/comments.html", event, comment=comment))
    elif event.data.get("edited") or event.data.get("removed"):
        # The partial shows a removed comment as a note, without its text.
        broadcast(_partial_messages(proposal, "proposals/includes/comment.html", event, comment=comment))
    elif not comment.is_removed:
        broadcast(comment_messages(proposal, comment, event))


@subscribe("proposal.comment_hidden", phase=AFTER_COMMIT)
def proposal_comment_hidden(event: Event) -> None:
    proposal = visible_proposal(event.proposal_id)
    comment = Comment.objects.filter(pk=event.data.get("comment_id"), proposal_id=event.proposal_id).first()
    if proposal is None or comment is None or not (comment.is_hidden or comment.is_removed):
        return  # unhidden again meanwhile: leave the pages as they are
    # The discussion as a visitor sees it: a placeholder instead of the hidden text (not a word of it goes
    # out), the replies kept in place, and the count that matches.
    broadcast(_partial_messages(proposal, "proposals/includes/comments.html", event))


@subscribe("proposal.official_answer", phase=AFTER_COMMIT)
def proposal_official_answer(event: Event) -> None:
    proposal = visible_proposal(event.proposal_id)
    if proposal is None:
        return
    comment = (
        Comment.objects.select_related("author").filter(pk=event.data.get("comment_id"), proposal=proposal).first()
    )
    if comment is not None and not comment.is_hidden and not comment.is_removed:
        broadcast(_partial_messages(proposal, "proposals/includes/comment.html", event, comment=comment))


@subscribe("proposal.assessed", phase=AFTER_COMMIT)
def proposal_assessed(event: Event) -> None:
    proposal = visible_proposal(event.proposal_id)
    if proposal is not None:
        broadcast(_partial_messages(proposal, "proposals/includes/assessments.html", event))


@subscribe(("proposal.hidden", "proposal.removed"), phase=AFTER_COMMIT)
def proposal_hidden(event: Event) -> None:
    # Open pages stop listening and lists drop the card; nothing of the proposal itself goes out.
    broadcast(
        [
            (proposal_group(event.proposal_id), {"type": "live.close"}),
            (PROPOSAL_LIST_GROUP, push_message(removal(f"proposal-card-{int(event.proposal_id)}"))),
        ]
    )
