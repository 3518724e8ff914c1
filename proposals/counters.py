"""Cached counters stay exact when counted rows disappear by cascade (the shared rules: ``livinglab.counters``).

``Proposal.vote_count`` and ``comment_count`` are changed by the services under the proposal's row lock.
Rows can also vanish without a service: a user deleted from the shell, from the Wagtail admin (one or in
bulk), or any model whose deletion cascades to votes or comments. Django's deletion collector sends
``post_delete`` for each cascaded row inside its own transaction, so correcting the counter here keeps it
exact in that same transaction; this is the seam (Django's collector), not a web of saves.

Double counting is ruled out by the deletion's ``origin``:
- origin is the counted model itself (``Vote.objects.filter(...).delete()`` in ``withdraw_vote`` and in the
  erasure step): the service that deleted the row corrects the counter itself, under its row lock;
- origin is the proposal: the counter goes with it;
- anything else is a cascade: correct it here, and announce the new count (``proposal.unvoted``) as a withdrawn
  vote is announced, so the search index, cached list pages and open pages follow it.
Comments are never deleted by a service (authors and moderators hide or remove them, keeping the row), so
every deleted comment that still counted is taken off, whatever the origin.

``manage.py recount_votes`` stays as the repair tool for anything that bypasses the collector (raw SQL).
"""

from django.db.models import F
from django.db.models.signals import post_delete
from django.dispatch import receiver

from livinglab.counters import started_from
from livinglab.events import emit

from .models import Comment, Proposal, Vote


@receiver(post_delete, sender=Vote, dispatch_uid="proposals.counters.vote_deleted")
def vote_deleted(sender, instance: Vote, origin=None, **kwargs):
    if started_from(origin, Vote, Proposal):
        return
    counted = Proposal.objects.filter(pk=instance.proposal_id, vote_count__gt=0)
    if counted.update(vote_count=F("vote_count") - 1):
        vote_count = Proposal.objects.filter(pk=instance.proposal_id).values_list("vote_count", flat=True).first()
        emit("proposal.unvoted", proposal_id=instance.proposal_id, actor_id=None, vote_count=vote_count)


@receiver(post_delete, sender=Comment, dispatch_uid="proposals.counters.comment_deleted")
def comment_deleted(sender, instance: Comment, origin=None, **kwargs):
    if started_from(origin, Proposal) or instance.is_removed or instance.is_hidden:
        return
    Proposal.objects.filter(pk=instance.proposal_id, comment_count__gt=0).update(comment_count=F("comment_count") - 1)
