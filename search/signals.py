"""The library seam where search keeps its analysed text in step with proposals (STYLE: signals only here).

A proposal's analysed text (ProposalSearchText) is written in the same transaction as the proposal, whatever
saved it (a service, the admin, a factory), so the database backend never sees a proposal without its tokens.
Saves that only touch counters or status (`update_fields` without title or description) are skipped.
Rows written with bulk_create (demo data, imports) send no signal: `manage.py search_index --analyse` fills
them.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from proposals.models import Proposal

from .search_text import refresh_search_text

TEXT_FIELDS = frozenset({"title", "description"})


@receiver(post_save, sender=Proposal, dispatch_uid="search.analyse_proposal_text")
def analyse_proposal_text(sender, instance: Proposal, created: bool, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields is not None and not TEXT_FIELDS & set(update_fields)):
        return
    refresh_search_text([instance.pk])
