"""Writing the analysed text the database backend searches (search.models.ProposalSearchText).

`refresh_search_text` runs in the write path (after a proposal changes) and in bulk from
`manage.py search_index --analyse` and the data migration; both go through `analyse_rows`, so every row is
analysed by the same rules.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from proposals.models import Proposal

from .analysis import ANALYSER_VERSION, analyse_many, as_terms
from .backends.database import forget_cached_results
from .models import ProposalSearchText

ANALYSE_BATCH = 500
# The area's names in both languages are analysed with the body, so "행당동" finds an English proposal filed in
# Haengdang 1-dong and "Haengdang" a Korean one.
AREA_NAMES = ("area__name", "area__name_en", "area__parent__name", "area__parent__name_en")


def analyse_rows(rows: Iterable[tuple], model=ProposalSearchText) -> list:
    """Unsaved rows of `model` for (proposal id, title, description[, place]) tuples, analysed in one batch.

    ``place`` (the area's names) joins the body's terms. It is analysed once per distinct value in the batch:
    a few dozen areas serve thousands of proposals, and analysing the names with every description was more
    than half of Kiwi's time in bulk indexing (docs/benchmarks.md).
    """
    rows = [(pk, title, description, place[0] if place else "") for pk, title, description, *place in rows]
    titles = analyse_many([title for _, title, _, _ in rows])
    bodies = analyse_many([description for _, _, description, _ in rows])
    distinct_places = list(dict.fromkeys(place for *_, place in rows))
    place_tokens = dict(zip(distinct_places, analyse_many(distinct_places), strict=True))
    return [
        model(
            proposal_id=pk,
            title_terms=as_terms(title_tokens),
            body_terms=as_terms(body_tokens + place_tokens[place]),
            analyser_version=ANALYSER_VERSION,
        )
        for (pk, _, _, place), title_tokens, body_tokens in zip(rows, titles, bodies, strict=True)
    ]


def save_rows(objects: list, model=ProposalSearchText) -> None:
    model.objects.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=["proposal"],
        update_fields=["title_terms", "body_terms", "analyser_version"],
    )


def refresh_search_text(proposal_ids: Iterable[int], *, proposal_model=Proposal, model=ProposalSearchText) -> int:
    """Analyse and store the current title and description of these proposals; returns how many were written.

    One query and one bulk upsert per batch of ANALYSE_BATCH proposals, never a query per proposal.
    """
    ids = list(proposal_ids)
    written = 0
    for start in range(0, len(ids), ANALYSE_BATCH):
        rows = proposal_model.objects.filter(pk__in=ids[start : start + ANALYSE_BATCH]).values_list(
            "pk", "title", "description", *AREA_NAMES
        )
        objects = analyse_rows(
            ((pk, title, text, " ".join(filter(None, names))) for pk, title, text, *names in rows), model=model
        )
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
