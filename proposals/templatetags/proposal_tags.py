"""Template helpers for proposal pages and their partials.

The partials under ``proposals/includes/`` fetch what they show through these tags, so the same file renders
for the page, for an htmx request and for a live push with nothing but ``proposal`` (and ``user``) in context.
"""

from django import template
from django.db.models import Prefetch
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from proposals.forms import localized_name
from proposals.markup import render_markdown
from proposals.models import Comment, Vote
from proposals.rules import can as rules_can

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Residents' limited Markdown as sanitised HTML."""
    return render_markdown(text or "")


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
    return Vote.objects.filter(user=user, proposal=proposal).exists()


@register.simple_tag
def proposal_comments(proposal):
    """Top-level comments with their replies and authors, in three queries whatever their number."""
    replies = Comment.objects.select_related("author").order_by("created_at", "id")
    thread = list(
        Comment.objects.filter(proposal=proposal, parent__isnull=True)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")
    )
    # The comment rules look at comment.proposal: hand them the instance we have instead of a query each.
    for comment in thread:
        comment.proposal = proposal
        for reply in comment.replies.all():
            reply.proposal = proposal
    return thread


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
    from accounts.models import Role

    return Role(role).label if role in Role.values else ""


@register.filter
def local_name(obj) -> str:
    """``{{ proposal.area|local_name }}``: the area's or category's name in the reader's language."""
    return localized_name(obj)
