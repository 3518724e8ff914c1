"""Writing the analysed text the database backend searches (search.models.ProposalSearchText).

`refresh_search_text` runs in the write path (after a proposal changes) and in bulk from
`manage.py search_index --analyse` and the data migration; every path goes through
`search.analysis.analyse_proposals`, so every row is analysed by the same rules.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from proposals.models import Proposal

from .analysis import ANALYSER_VERSION, analyse_batches, analyse_proposals, as_terms
from .backends.database import forget_cached_results
from .models import ProposalSearchText

ANALYSE_BATCH = 500
# The area's names in both languages are analysed with the body, so "행당동" finds an English proposal filed in
# Haengdang 1-dong and "Haengdang" a Korean one.
AREA_NAMES = ("area__name", "area__name_en", "area__parent__name", "area__parent__name_en")


def analyse_rows(rows: Iterable[tuple], model=ProposalSearchText) -> list:
    """Unsaved rows of `model` for (proposal id, title, description[, place]) tuples, analysed in one batch
    (search.analysis.analyse_proposals: ``place``, the area's names, joins the body's terms)."""
    return stored_rows(analyse_proposals([_with_place(row) for row in rows]), model=model)


def _with_place(row: tuple) -> tuple[int, str, str, str]:
    pk, title, description, *place = row
    return pk, title, description, place[0] if place else ""


def stored_rows(analysed: list[tuple[int, list[str], list[str]]], model=ProposalSearchText) -> list:
    return [
        model(
            proposal_id=pk,
            title_terms=as_terms(title_tokens),
            body_terms=as_terms(body_tokens),
            analyser_version=ANALYSER_VERSION,
        )
        for pk, title_tokens, body_tokens in analysed
    ]


def save_rows(objects: list, model=ProposalSearchText) -> None:
    model.objects.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=["proposal"],
        update_fields=["title_terms", "body_terms", "analyser_version"],
    )


def refresh_search_text(
    proposal_ids: Iterable[int], *, proposal_model=Proposal, model=ProposalSearchText, jobs: int = 1
) -> int:
    """Analyse and store the current title and description of these proposals; returns how many were written.

    One query and one bulk upsert per batch of ANALYSE_BATCH proposals, never a query per proposal. With ``jobs``
    above 1 and more than one batch per job, the batches are analysed in that many processes while this one
    reads and writes (search.analysis.analyse_batches): bulk loads only, the write path analyses one proposal.
    """
    ids = list(proposal_ids)
    batches = (ids[start : start + ANALYSE_BATCH] for start in range(0, len(ids), ANALYSE_BATCH))

    def rows(batch: list[int]) -> list[tuple[int, str, str, str]]:
        found = proposal_model.objects.filter(pk__in=batch).values_list("pk", "title", "description", *AREA_NAMES)
        return [(pk, title, text, " ".join(filter(None, names))) for pk, title, text, *names in found]

    jobs = jobs if len(ids) > jobs * ANALYSE_BATCH else 1
    written = 0
    for analysed in analyse_batches(map(rows, batches), jobs=jobs):
        objects = stored_rows(analysed, model=model)
        save_rows(objects, model=model)
        written += len(objects)
    if written:
        # Cached search results were found in the old text; a save without a domain event (the admin, an import)
        # is covered too.
        transaction.on_commit(forget_cached_results, robust=True)
    return written


def stale_proposal_ids(*, proposal_model=Proposal) -> list[int]:
    """Proposals never analysed, or analysed by an older version of the rules."""
    return list(
        proposal_model.objects.filter(
            Q(search_text__isnull=True) | Q(search_text__analyser_version__lt=ANALYSER_VERSION)
        ).values_list("pk", flat=True)
    )
