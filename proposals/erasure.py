"""Erasing an account, the proposals side: votes withdrawn with exact counters; on request the person's
comments, assessments and proposals are removed too, every cached counter staying exact.

Steps run in ``accounts.services.erase_account``'s transaction, in the order they are registered here.
"""

import logging

from django.db import models, transaction
from django.db.models import F

from accounts.erasure import register
from livinglab.events import emit

from .models import Assessment, Comment, Proposal, ProposalPhoto, Vote

logger = logging.getLogger(__name__)


def _lock_proposals(proposal_ids) -> list[int]:
    """The row locks votes and comments take, in one order, so a vote cast meanwhile is counted or refused."""
    return list(
        Proposal.objects.select_for_update().filter(pk__in=proposal_ids).order_by("pk").values_list("pk", flat=True)
    )


@register
def withdraw_votes(user, *, remove_contributions: bool) -> dict[str, int]:
    """Delete the person's votes and take each off its proposal's counter, under the proposals' row locks.

    Each new count is announced as a withdrawn vote's is (``proposal.unvoted``), so the search index, cached
    list pages and open pages show it too.
    """
    proposal_ids = _lock_proposals(Vote.objects.filter(user=user).values_list("proposal_id", flat=True))
    # Deleted by the counted model itself: ``proposals.counters`` leaves the counter to us (one vote each).
    deleted, _rows = Vote.objects.filter(user=user, proposal_id__in=proposal_ids).delete()
    Proposal.objects.filter(pk__in=proposal_ids, vote_count__gt=0).update(vote_count=F("vote_count") - 1)
    for proposal_id, vote_count in (
        Proposal.objects.filter(pk__in=proposal_ids).order_by("pk").values_list("pk", "vote_count")
    ):
        emit("proposal.unvoted", proposal_id=proposal_id, actor_id=user.pk, vote_count=vote_count)
    return {"votes_removed": deleted}


@register
def remove_comments(user, *, remove_contributions: bool) -> dict[str, int]:
    """On request, the person's comments become "removed" placeholders (replies keep their thread)."""
    if not remove_contributions:
        return {}
    counted = Comment.objects.filter(author=user, is_removed=False, is_hidden=False)
    per_proposal = counted.values("proposal_id").annotate(n=models.Count("pk")).order_by("proposal_id")
    for row in per_proposal:
        Proposal.objects.filter(pk=row["proposal_id"]).update(
            comment_count=models.Case(
                models.When(comment_count__gte=row["n"], then=F("comment_count") - row["n"]), default=0
            )
        )
    removed = Comment.objects.filter(author=user, is_removed=False).update(
        is_removed=True, is_official_answer=False, body=""
    )
    return {"comments_removed": removed}


@register
def remove_assessments(user, *, remove_contributions: bool) -> dict[str, int]:
    """On request, an expert's assessments are deleted (no counter hangs on them)."""
    if not remove_contributions:
        return {}
    deleted, _rows = Assessment.objects.filter(expert=user).delete()
    return {"assessments_removed": deleted}


@register
def remove_proposals(user, *, remove_contributions: bool) -> dict[str, int]:
    """On request, the proposals the person wrote are deleted with everything that hangs on them.

    Others' votes, comments, follows and reports on them go with them: their counters go with the proposal
    (``proposals.counters`` skips a cascade from the proposal). ``proposal.removed`` is emitted for each, after
    the rows are gone, so search drops them from its index in the same transaction's outbox and lists drop
    their cards. Photo files are deleted once the erasure is committed.
    """
    if not remove_contributions:
        return {}
    proposal_ids = _lock_proposals(Proposal.objects.filter(author=user).values_list("pk", flat=True))
    if not proposal_ids:
        return {}
    files = [
        name
        for image, thumbnail in ProposalPhoto.objects.filter(proposal_id__in=proposal_ids).values_list(
            "image", "thumbnail"
        )
        for name in (image, thumbnail)
        if name
    ]
    Proposal.objects.filter(pk__in=proposal_ids).delete()
    for proposal_id in proposal_ids:
        emit("proposal.removed", proposal_id=proposal_id, actor_id=user.pk)
    transaction.on_commit(lambda: _delete_files(files), robust=True)
    return {"proposals_removed": len(proposal_ids), "photos_removed": len(files) // 2}


def _delete_files(names: list[str]) -> None:
    storage = ProposalPhoto._meta.get_field("image").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete the photo file %s of an erased account", name)
