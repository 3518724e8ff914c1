"""The one door through which services announce what happened, after their transaction commits.

Services call ``publish`` from ``transaction.on_commit``. It pushes live fragments over the channel layer,
stores notifications for followers and sends e-mail; a failure there is logged and never fails the request.

Every push is rendered from the partial the page itself uses, for an anonymous viewer (a push goes to
everyone), after re-reading the object: hidden proposals and hidden or removed comments are never pushed.
Signed-in viewers get the parts of a render that do not depend on who is looking (the vote count), or a
nudge that makes their page refetch its own version; the actor's own sockets skip the push, because the
actor's htmx request already swapped in a render made for them.
"""

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.mail import EmailMessage, mailers
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from livinglab.live import (
    PROPOSAL_LIST_GROUP,
    broadcast,
    extract_element,
    pilot_group,
    proposal_group,
    push_message,
    render_in_each_language,
)

logger = logging.getLogger(__name__)


@dataclass
class Event:
    name: str
    proposal_id: int | None = None
    pilot_id: int | None = None
    actor_id: int | None = None
    data: dict = field(default_factory=dict)


HANDLERS: dict[str, Callable[[Event], None]] = {}


def handles(*names: str):
    def register(function):
        for name in names:
            HANDLERS[name] = function
        return function

    return register


def publish(
    event: str, *, proposal_id: int | None = None, pilot_id: int | None = None, actor_id: int | None = None, **data
) -> None:
    """Announce ``event`` (a dotted name such as ``proposal.voted``) about a proposal or a pilot."""
    handler = HANDLERS.get(event)
    if handler is None:
        logger.warning("Unknown live event %r", event)
        return
    try:
        handler(Event(event, proposal_id=proposal_id, pilot_id=pilot_id, actor_id=actor_id, data=data))
    except Exception:
        logger.exception("Publishing %s (proposal %s, pilot %s) failed", event, proposal_id, pilot_id)


@contextmanager
def _step(what: str, event: Event):
    """Each side effect fails alone: a broken push must not stop the notifications, nor the other way round."""
    try:
        yield
    except Exception:
        logger.exception(
            "%s for %s (proposal %s, pilot %s) failed", what, event.name, event.proposal_id, event.pilot_id
        )


# --- reading what to push ---------------------------------------------------------------------------


def _visible_proposal(pk):
    from proposals.models import Proposal

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
    return render_in_each_language(
        "notifications/live/refetch.html", {"proposal": proposal, "url": url, "target_id": target_id}
    )


def _vote_messages(proposal, event: Event, *, buttons_changed: bool = False) -> list[tuple[str, dict]]:
    panel = render_in_each_language("proposals/includes/vote_panel.html", _anonymous_context(proposal))
    # Only the count changed: signed-in viewers keep their buttons and get the count from the same render.
    signed_in = {code: extract_element(html, f"vote-count-{proposal.pk}") for code, html in panel.items()}
    if buttons_changed:
        # Voting opened or closed: every signed-in viewer's buttons change, so each refetches its own panel.
        signed_in = _nudge(proposal, fragment="fragment_vote", target_id=f"vote-panel-{proposal.pk}") or signed_in
    messages = [(proposal_group(proposal.pk), push_message(panel, signed_in=signed_in, actor_id=event.actor_id))]
    card = render_in_each_language("proposals/includes/proposal_card.html", _anonymous_context(proposal))
    votes = {code: extract_element(html, f"card-votes-{proposal.pk}") for code, html in card.items()}
    if any(votes.values()):
        messages.append((PROPOSAL_LIST_GROUP, push_message(votes)))
    return messages


def _partial_messages(proposal, template_name: str, event: Event) -> list[tuple[str, dict]]:
    fragments = render_in_each_language(template_name, _anonymous_context(proposal))
    return [(proposal_group(proposal.pk), push_message(fragments, actor_id=event.actor_id))]


def _comment_messages(proposal, comment, event: Event) -> list[tuple[str, dict]]:
    """A new comment goes to the end of its list; the first one of a list brings the list with it."""
    from proposals.models import Comment

    context = _anonymous_context(proposal)
    if comment.parent_id:
        parent = comment.parent
        if parent.is_hidden:
            return []
        siblings = Comment.objects.visible().filter(parent_id=parent.pk).exclude(pk=comment.pk).exists()
        if siblings:
            fragments = render_in_each_language(
                "notifications/live/append.html",
                {**context, "comment": comment, "selector": f"#comment-{parent.pk} > .comment-replies"},
            )
        else:
            fragments = render_in_each_language("proposals/includes/comment.html", {**context, "comment": parent})
    else:
        siblings = (
            Comment.objects.visible()
            .filter(proposal_id=proposal.pk, parent__isnull=True)
            .exclude(pk=comment.pk)
            .exists()
        )
        if siblings:
            fragments = render_in_each_language(
                "notifications/live/append.html",
                {**context, "comment": comment, "selector": f"#comments-{proposal.pk} > .comment-list"},
            )
        else:
            fragments = render_in_each_language("proposals/includes/comments.html", context)
            return [(proposal_group(proposal.pk), push_message(fragments, actor_id=event.actor_id))]
    # The discussion heading carries the count; it comes from the same partial the page shows.
    section = render_in_each_language("proposals/includes/comments.html", context)
    for code, html in section.items():
        fragments[code] += extract_element(html, f"comments-heading-{proposal.pk}")
    return [(proposal_group(proposal.pk), push_message(fragments, actor_id=event.actor_id))]


def _removal(element_id: str) -> dict[str, str]:
    html = render_to_string("notifications/live/remove.html", {"element_id": element_id})
    return {code: html for code, _name in settings.LANGUAGES}


# --- who hears about it -----------------------------------------------------------------------------


def _followers(proposal_ids, *, exclude: int | None = None) -> list[int]:
    from .models import Follow

    ids = Follow.objects.filter(proposal_id__in=list(proposal_ids)).values_list("user_id", flat=True).distinct()
    return [pk for pk in ids if pk != exclude]


def _in_site_language(function, *args, **kwargs):
    # Stored text and e-mail are written once for many readers: in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        return function(*args, **kwargs)


def _absolute(url: str) -> str:
    if url.startswith("http"):
        return url
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    base = site.root_url if site else settings.WAGTAILADMIN_BASE_URL
    return base.rstrip("/") + url


def _notify(recipients, *, kind, text: str, url: str, proposal_id=None, pilot_id=None):
    from . import services

    services.notify(recipients, kind=kind, text=text, url=url, proposal_id=proposal_id, pilot_id=pilot_id)


def _email_status_change(proposal, recipients: list[int], *, to_status_label: str, response: str) -> int:
    from .models import NotificationPreference

    opted_out = set(
        NotificationPreference.objects.filter(user_id__in=recipients, email_on_status_change=False).values_list(
            "user_id", flat=True
        )
    )
    users = get_user_model().objects.filter(pk__in=set(recipients) - opted_out, is_active=True)
    link = _absolute(proposal.get_absolute_url())
    subject = _("“%(title)s” is now: %(status)s") % {"title": proposal.title[:80], "status": to_status_label}
    body = render_to_string(
        "notifications/email/status_changed.txt",
        {"proposal": proposal, "status": to_status_label, "response": response, "link": link},
    )
    messages = [EmailMessage(subject, body, to=[user.email]) for user in users if user.email]
    if messages:
        mailers.default.send_messages(messages)
    return len(messages)


# --- proposals --------------------------------------------------------------------------------------


@handles("proposal.created")
def proposal_created(event: Event):
    from notifications.services import follow_automatically

    proposal = _visible_proposal(event.proposal_id)
    if proposal is None:
        return
    with _step("Following their own proposal", event):
        follow_automatically(user_id=proposal.author_id, proposal_id=proposal.pk)
    if proposal.status != "withdrawn":
        broadcast([(PROPOSAL_LIST_GROUP, {"type": "live.new_proposal", "proposal_id": proposal.pk})])


@handles("proposal.voted", "proposal.unvoted")
def proposal_voted(event: Event):
    from notifications.services import follow_automatically

    if event.name == "proposal.voted" and event.actor_id:
        with _step("Following a supported proposal", event):
            follow_automatically(user_id=event.actor_id, proposal_id=event.proposal_id)
    proposal = _visible_proposal(event.proposal_id)
    if proposal is not None:
        broadcast(_vote_messages(proposal, event))


@handles("proposal.edited")
def proposal_edited(event: Event):
    proposal = _visible_proposal(event.proposal_id)
    if proposal is None:
        return
    card = render_in_each_language("proposals/includes/proposal_card.html", _anonymous_context(proposal))
    broadcast([(PROPOSAL_LIST_GROUP, push_message(card))])


@handles("proposal.status_changed")
def proposal_status_changed(event: Event):
    from proposals.models import ProposalStatus, StatusChange

    from .models import NotificationKind

    proposal = _visible_proposal(event.proposal_id)
    if proposal is None:
        return
    with _step("Pushing the timeline", event):
        messages = _partial_messages(proposal, "proposals/includes/status_timeline.html", event)
        messages += _vote_messages(proposal, event, buttons_changed=True)
        broadcast(messages)
    to_status = event.data.get("to_status") or proposal.status
    label = _in_site_language(lambda: str(ProposalStatus(to_status).label))
    change = StatusChange.objects.filter(pk=event.data.get("status_change_id"), proposal=proposal).first()
    recipients = _followers([proposal.pk], exclude=event.actor_id)
    with _step("Storing status notifications", event):
        text = _in_site_language(
            lambda: _("“%(title)s” is now: %(status)s") % {"title": proposal.title, "status": label}
        )
        _notify(
            recipients,
            kind=NotificationKind.STATUS_CHANGED,
            text=text,
            url=proposal.get_absolute_url(),
            proposal_id=proposal.pk,
        )
    with _step("E-mailing status changes", event):
        _in_site_language(
            _email_status_change,
            proposal,
            recipients,
            to_status_label=label,
            response=change.official_response if change else "",
        )


@handles("proposal.commented")
def proposal_commented(event: Event):
    from proposals.models import Comment

    from .models import NotificationKind

    proposal = _visible_proposal(event.proposal_id)
    if proposal is None:
        return
    comment = (
        Comment.objects.select_related("author", "parent", "parent__author")
        .filter(pk=event.data.get("comment_id"), proposal=proposal)
        .first()
    )
    if comment is None or comment.is_hidden:
        return
    with _step("Pushing the comment", event):
        context = _anonymous_context(proposal, comment=comment)
        if event.data.get("unhidden"):
            # Back in the thread at its old place: the whole discussion is the simplest correct update.
            fragments = render_in_each_language("proposals/includes/comments.html", context)
            broadcast([(proposal_group(proposal.pk), push_message(fragments, actor_id=event.actor_id))])
        elif event.data.get("edited") or event.data.get("removed"):
            # The partial shows a removed comment as a note, without its text.
            fragments = render_in_each_language("proposals/includes/comment.html", context)
            broadcast([(proposal_group(proposal.pk), push_message(fragments, actor_id=event.actor_id))])
        elif not comment.is_removed:
            broadcast(_comment_messages(proposal, comment, event))
    if event.data.get("edited") or event.data.get("removed") or event.data.get("unhidden") or comment.is_removed:
        return
    parent = comment.parent
    if parent is not None and parent.author_id != comment.author_id and not parent.is_hidden:
        with _step("Storing the reply notification", event):
            name = comment.author.display_name or str(comment.author)
            text = _in_site_language(
                lambda: _("%(name)s replied to your comment on “%(title)s”") % {"name": name, "title": proposal.title}
            )
            _notify(
                [parent.author_id],
                kind=NotificationKind.REPLY,
                text=text,
                url=f"{proposal.get_absolute_url()}#comment-{comment.pk}",
                proposal_id=proposal.pk,
            )


@handles("proposal.comment_hidden")
def proposal_comment_hidden(event: Event):
    from proposals.models import Comment

    comment = Comment.objects.filter(pk=event.data.get("comment_id"), proposal_id=event.proposal_id).first()
    if comment is None or not (comment.is_hidden or comment.is_removed):
        return  # unhidden again meanwhile: leave the pages as they are
    # Only the removal goes out: not a word of the hidden text.
    broadcast([(proposal_group(event.proposal_id), push_message(_removal(f"comment-{comment.pk}")))])


@handles("proposal.official_answer")
def proposal_official_answer(event: Event):
    from proposals.models import Comment

    from .models import NotificationKind

    proposal = _visible_proposal(event.proposal_id)
    if proposal is None:
        return
    comment = (
        Comment.objects.select_related("author").filter(pk=event.data.get("comment_id"), proposal=proposal).first()
    )
    if comment is None or comment.is_hidden or comment.is_removed:
        return
    with _step("Pushing the official answer", event):
        fragments = render_in_each_language(
            "proposals/includes/comment.html", _anonymous_context(proposal, comment=comment)
        )
        broadcast([(proposal_group(proposal.pk), push_message(fragments, actor_id=event.actor_id))])
    with _step("Storing official-answer notifications", event):
        text = _in_site_language(lambda: _("The district answered on “%(title)s”") % {"title": proposal.title})
        _notify(
            _followers([proposal.pk], exclude=event.actor_id),
            kind=NotificationKind.OFFICIAL_ANSWER,
            text=text,
            url=f"{proposal.get_absolute_url()}#comment-{comment.pk}",
            proposal_id=proposal.pk,
        )


@handles("proposal.assessed")
def proposal_assessed(event: Event):
    proposal = _visible_proposal(event.proposal_id)
    if proposal is not None:
        broadcast(_partial_messages(proposal, "proposals/includes/assessments.html", event))


@handles("proposal.hidden")
def proposal_hidden(event: Event):
    # Open pages stop listening and lists drop the card; nothing of the proposal itself goes out.
    broadcast(
        [
            (proposal_group(event.proposal_id), {"type": "live.close"}),
            (PROPOSAL_LIST_GROUP, push_message(_removal(f"proposal-card-{int(event.proposal_id)}"))),
        ]
    )


@handles("proposal.unhidden")
def proposal_unhidden(event: Event):
    """Nobody can have a hidden proposal open, so there is no page to update."""


@handles("proposal.review_threshold_reached")
def proposal_review_threshold_reached(event: Event):
    from accounts.models import Role

    from .models import NotificationKind

    proposal = _visible_proposal(event.proposal_id)
    if proposal is None:
        return
    administrators = (
        get_user_model().objects.filter(role=Role.ADMINISTRATOR, is_active=True).values_list("pk", flat=True)
    )
    text = _in_site_language(
        lambda: (
            _("“%(title)s” has %(count)d supporters and is ready for review")
            % {"title": proposal.title, "count": proposal.vote_count}
        )
    )
    _notify(
        list(administrators),
        kind=NotificationKind.REVIEW_NEEDED,
        text=text,
        url=proposal.get_absolute_url(),
        proposal_id=proposal.pk,
    )


# --- pilots -----------------------------------------------------------------------------------------


def _live_pilot(pk):
    from wagtail.models import Page

    if pk is None:
        return None
    page = Page.objects.live().filter(pk=pk).first()
    return page.specific if page is not None else None


def _pilot_proposal_ids(pilot) -> list[int]:
    from proposals.models import StatusChange

    related = getattr(pilot, "proposals", None)
    if related is not None and hasattr(related, "values_list"):
        ids = list(related.values_list("pk", flat=True))
        if ids:
            return ids
    return list(StatusChange.objects.filter(pilot_id=pilot.pk).values_list("proposal_id", flat=True).distinct())


def _pilot_fragment(pilot, template_name: str, **context) -> dict[str, str]:
    """The pilot page's own partial; ``page`` is what the page template calls the pilot."""
    return render_in_each_language(template_name, {"page": pilot, "pilot": pilot, **context})


@handles("pilot.published")
def pilot_published(event: Event):
    from .models import NotificationKind

    pilot = _live_pilot(event.pilot_id)
    if pilot is None:
        return
    proposal_ids = event.data.get("proposal_ids") or _pilot_proposal_ids(pilot)
    text = _in_site_language(lambda: _("A pilot starts for a proposal you follow: %(title)s") % {"title": pilot.title})
    _notify(
        _followers(proposal_ids, exclude=event.actor_id),
        kind=NotificationKind.PILOT_PUBLISHED,
        text=text,
        url=pilot.url or "",
        pilot_id=pilot.pk,
    )


@handles("pilot.results_updated", "pilot.completed")
def pilot_results(event: Event):
    from .models import NotificationKind

    pilot = _live_pilot(event.pilot_id)
    if pilot is None:
        return
    with _step("Pushing pilot results", event):
        broadcast([(pilot_group(pilot.pk), push_message(_pilot_fragment(pilot, "pilots/includes/results.html")))])
    if event.name == "pilot.completed":
        text = _in_site_language(
            lambda: _("The pilot “%(title)s” is complete: see its results") % {"title": pilot.title}
        )
    else:
        text = _in_site_language(lambda: _("New results from the pilot “%(title)s”") % {"title": pilot.title})
    with _step("Storing pilot result notifications", event):
        _notify(
            _followers(_pilot_proposal_ids(pilot), exclude=event.actor_id),
            kind=NotificationKind.PILOT_RESULTS,
            text=text,
            url=pilot.url or "",
            pilot_id=pilot.pk,
        )


@handles("pilot.feedback")
def pilot_feedback(event: Event):
    pilot = _live_pilot(event.pilot_id)
    if pilot is None:
        return
    fragments = _pilot_fragment(
        pilot,
        "pilots/includes/feedback_average.html",
        average=event.data.get("average"),
        count=event.data.get("count"),
    )
    broadcast([(pilot_group(pilot.pk), push_message(fragments))])
