"""The CSV writer's fast path (issue 14 performance): the same cells as the per-cell converters, formulas
neutralised (ASCII and full-width), timestamps as ISO 8601 text from the database, and malformed rows refused."""

import csv
import io
from datetime import UTC, datetime

import pytest

from opendata.datasets import PROPOSALS
from opendata.writers import write_csv
from tests.factories import ProposalFactory

KINDS = ["integer", "text", "text", "datetime", "boolean", "decimal"]
NAMES = ["id", "title", "note", "at", "flag", "value"]


def written(rows) -> tuple[int, list[list[str]]]:
    handle = io.StringIO()
    count = write_csv(handle, NAMES, KINDS, iter(rows))
    return count, list(csv.reader(io.StringIO(handle.getvalue())))


def test_cells_are_converted_by_kind_and_formulas_neutralised():
    moment = datetime(2026, 11, 29, 12, 30, tzinfo=UTC)
    count, table = written(
        [
            (1, "=SUM(A1)", None, moment, True, None),
            (2, "＝HYPERLINK(x)", "@cmd", "2026-11-29T12:30:00.000000+00:00", False, 3.5),
            (3, "plain 가로등", "-1+1", None, None, 0),
        ]
    )
    assert count == 3
    assert table == [
        NAMES,
        ["1", "'=SUM(A1)", "", "2026-11-29T12:30:00+00:00", "true", ""],
        ["2", "'＝HYPERLINK(x)", "'@cmd", "2026-11-29T12:30:00.000000+00:00", "false", "3.5"],
        ["3", "plain 가로등", "'-1+1", "", "", "0"],
    ]


def test_a_row_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match="3 cells for 6 columns"):
        written([(1, "a", "b")])


def test_an_empty_table_writes_the_header_only():
    assert written([]) == (0, [NAMES])


@pytest.mark.django_db
def test_proposal_rows_carry_their_timestamps_as_iso_text():
    proposal = ProposalFactory(title="+ 가로등")
    (row,) = list(PROPOSALS.read_rows())
    names = [column.name for column in PROPOSALS.columns]
    created = row[names.index("created_at")]
    assert isinstance(created, str) and "T" in created and created.endswith("+00:00")
    assert datetime.fromisoformat(created) == proposal.created_at
    assert datetime.fromisoformat(row[names.index("updated_at")]) == proposal.updated_at
