"""Recount the cached vote and comment counters on proposals and repair any drift."""

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from livinglab.counters import RecountCommand
from proposals.models import Comment, Proposal, Vote


def _count(queryset):
    counted = queryset.order_by().values("proposal").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def true_counts(queryset=None):
    """Proposals annotated with ``true_votes`` and ``true_comments`` counted from the rows themselves."""
    queryset = Proposal.objects.all() if queryset is None else queryset
    return queryset.annotate(
        true_votes=_count(Vote.objects.filter(proposal=OuterRef("pk"))),
        true_comments=_count(Comment.objects.filter(proposal=OuterRef("pk"), is_removed=False, is_hidden=False)),
    )


class Command(RecountCommand):
    help = (
        "Compare every proposal's cached vote_count and comment_count with its votes and visible comments, "
        "list each drift and repair it. Repairs by default; --dry-run only reports. Exits with status 1 "
        "under --dry-run when drift was found, so monitoring can alert on it."
    )
    noun = "proposal"

    def drifted(self):
        for p in true_counts().only("pk", "title", "vote_count", "comment_count").order_by("pk").iterator():
            if p.vote_count != p.true_votes or p.comment_count != p.true_comments:
                yield (
                    p.pk,
                    f"Proposal {p.pk}: votes {p.vote_count} -> {p.true_votes}, "
                    f"comments {p.comment_count} -> {p.true_comments}",
                )

    def repair(self, pk: int) -> None:
        # Under the same row lock votes take, so a vote arriving now is counted before or after, never lost.
        with transaction.atomic():
            Proposal.objects.select_for_update().filter(pk=pk).first()
            proposal = true_counts(Proposal.objects.filter(pk=pk)).get()
            Proposal.objects.filter(pk=pk).update(vote_count=proposal.true_votes, comment_count=proposal.true_comments)
