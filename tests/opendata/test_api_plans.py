"""The API's map box is answered from the newest-first point index on PostgreSQL (bench/api measured why)."""

import pytest
from django.db import connection

from opendata import queries
from opendata.api.params import parse_bbox
from tests.factories import ProposalFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _box_page(bbox: str):
    box = parse_bbox(bbox)
    rows = queries.proposal_rows().filter(
        latitude__gte=box.south, latitude__lte=box.north, longitude__gte=box.west, longitude__lte=box.east
    )
    return rows.order_by("-created_at", "-pk")[:101]


def test_bounding_box_page_walks_the_point_index_newest_first():
    for n in range(30):
        ProposalFactory(latitude=f"37.{500000 + n * 1000}", longitude="127.030000")
    ProposalFactory(latitude=None, longitude=None)
    with connection.cursor() as cursor:
        # With a few rows a scan and a sort are cheapest; forbid both to see which ordered path the planner
        # would walk, as it does at scale (bench/api: 50,000 proposals).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        # Incremental sort is a sort too: it once won on a busy run (another ordered index, sorted by its last keys).
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute("ANALYZE proposals_proposal")
    plan = _box_page("127.00,37.52,127.06,37.58").explain()
    assert "proposal_api_point_newest" in plan
    # The box is an index condition (tested on index entries), not a filter on every row read.
    assert "Index Cond: ((latitude >=" in plan
