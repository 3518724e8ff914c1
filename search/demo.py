"""Demo data for search: analyse the demo proposals, which the proposals demo writes with bulk_create."""

from livinglab.demo import builder

from .search_text import refresh_search_text, stale_proposal_ids


@builder(order=90)
def build(*, users: dict, stdout) -> None:
    """After every app that writes proposals: bulk_create sends no signal, so their analysis is done here."""
    written = refresh_search_text(stale_proposal_ids())
    stdout.write(f"Search: analysed {written} proposals.")
