"""Template helpers for proposal pages and their partials.

The partials under ``proposals/includes/`` fetch what they show through these tags, so the same file renders
for the page, for an htmx request and for a live push with nothing but ``proposal`` (and ``user``) in context.
"""

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.db.models import Prefetch
from django.utils.html import format_html, strip_tags
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from accounts.models import Role
from proposals.markup import render_markdown
from proposals.mentions import attach_mentions, render_comment
from proposals.models import Comment, Proposal, ProposalStatus, Vote
from proposals.rules import can as rules_can

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Residents' limited Markdown as sanitised HTML."""
    return render_markdown(text or "")


@register.filter
def comment_body(comment) -> SafeString:
    """A comment's text as paragraphs, with its @mentions of real people linked to their profiles."""
    return render_comment(comment)


@register.simple_tag
def author_link(person, *, hidden: bool = False) -> SafeString:
    """``person``'s name, linked to their public profile: plain text when they have none (an erased account reads
    "Former participant") or when ``hidden`` (a removed or hidden comment does not point to its author)."""
    if person is None:
        return SafeString("")
    name = str(person) if person.is_erased else (person.display_name or str(person))
    url = "" if hidden else person.public_profile_url
    if not url:
        return format_html("{}", name)
    return format_html('<a class="author-link" href="{}">{}</a>', url, name)


@register.filter
def excerpt(text: str, words: int = 24) -> str:
    """The first words of a description as plain text, for cards: Markdown rendered, then its tags dropped."""
    return Truncator(strip_tags(render_markdown(text or "")).strip()).words(words, truncate=" …")


@register.simple_tag
def page_numbers(page_obj) -> list:
    """Numbered pagination: first, last and the pages around the current one; ``None`` marks a gap."""
    ellipsis = page_obj.paginator.ELLIPSIS
    pages = page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1)
    return [None if number == ellipsis else number for number in pages]


@register.simple_tag
def can(user, perm: str, obj=None) -> bool:
    """``{% can user 'proposals.vote' proposal as can_vote %}``: the rules alone, superusers included."""
    if not hasattr(user, "is_authenticated"):
        return False  # rendered without a request, e.g. for a live push to everyone
    return rules_can(user, perm, obj)


@register.simple_tag
def has_voted(user, proposal) -> bool:
    if not getattr(user, "is_authenticated", False) or proposal is None:
        return False
    known = getattr(proposal, "voted_by_viewer", None)  # set by the vote and unvote views, which just decided it
    if known is not None:
        return known
    return Vote.objects.filter(user=user, proposal=proposal).exists()


COMMENTS_PAGE = 30  # top-level comments (each with all its replies) shown at first, and added by "show more"
COMMENTS_MAX = 2000


def comments_shown(value) -> int:
    """How many top-level comments a page asks for (``?comments=``): a multiple of the page, within bounds."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return COMMENTS_PAGE
    return min(max(number, COMMENTS_PAGE), COMMENTS_MAX)


@dataclass
class CommentThread:
    """The first ``shown`` top-level comments with their replies, and whether there are more."""

    comments: list
    shown: int
    more: bool

    def __iter__(self):
        return iter(self.comments)

    def __bool__(self):
        return bool(self.comments)

    @property
    def next_shown(self) -> int:
        return self.shown + COMMENTS_PAGE


@register.simple_tag
def proposal_comments(proposal, shown=None):
    """Top-level comments with their replies and authors, in two queries whatever their number (three when
    someone is @mentioned: every name on the page is looked up at once).

    Only the first ``shown`` threads (``COMMENTS_PAGE`` by default): a long discussion loads in pages.
    """
    shown = comments_shown(shown)
    replies = Comment.objects.select_related("author").order_by("created_at", "id")
    thread = list(
        Comment.objects.filter(proposal=proposal, parent__isnull=True)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")[: shown + 1]
    )
    more = len(thread) > shown
    thread = thread[:shown]
    # The comment rules look at comment.proposal: hand them the instance we have instead of a query each.
    for comment in thread:
        comment.proposal = proposal
        for reply in comment.replies.all():
            reply.proposal = proposal
    attach_mentions([*thread, *(reply for comment in thread for reply in comment.replies.all())])
    return CommentThread(thread, shown, more)


@register.simple_tag
def proposal_timeline(proposal):
    return list(proposal.status_changes.select_related("pilot").order_by("created_at", "id"))


@register.simple_tag
def proposal_assessments(proposal):
    return list(proposal.assessments.select_related("expert").order_by("created_at", "id"))


@register.filter
def role_badge_class(role: str) -> str:
    return {"expert": "badge badge-expert", "administrator": "badge badge-administrator"}.get(role, "")


@register.filter
def map_link(proposal) -> str:
    """A plain link to the point on OpenStreetMap: works when our own map cannot load."""
    query = urlencode({"mlat": proposal.latitude, "mlon": proposal.longitude})
    return f"https://www.openstreetmap.org/?{query}#map=18/{proposal.latitude}/{proposal.longitude}"


@register.filter
def role_label(role: str) -> str:
    return Role(role).label if role in Role.values else ""


@register.filter
def localized(obj) -> str:
    """``{{ proposal.area|localized }}``: an area's or category's ``localized_name``; "" for none."""
    return obj.localized_name if obj is not None else ""


@register.inclusion_tag("proposals/includes/lab_at_work.html")
def lab_at_work(closest: int = 3, pilot_count=None):
    """The lab's numbers and the proposals closest to the review threshold, for the home page (5 queries).

    ``pilot_count`` comes from the page that knows pilots (the home page, ``pilot_tags.pilot_count``): the
    proposals app never asks the pilots app, which builds on it."""
    public = Proposal.objects.public()
    threshold = settings.PROPOSAL_REVIEW_THRESHOLD
    near = list(
        public.filter(status=ProposalStatus.PUBLISHED, vote_count__lt=threshold)
        .select_related("area", "area__parent", "category")
        .order_by("-vote_count", "created_at")[:closest]
    )
    for proposal in near:
        proposal.votes_needed = threshold - proposal.vote_count
    return {
        "proposal_count": public.count(),
        "supporter_count": Vote.objects.filter(proposal__in=public).values("user").distinct().count(),
        # Residents taking part: whoever filed, supported or discussed a public proposal, each counted once.
        "participant_count": public.order_by()
        .values("author_id")
        .union(
            Vote.objects.filter(proposal__in=public).order_by().values("user_id"),
            Comment.objects.visible().filter(proposal__in=public).order_by().values("author_id"),
        )
        .count(),
        "pilot_count": pilot_count,
        "near_threshold": near,
        "threshold": threshold,
    }
