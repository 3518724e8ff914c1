"""The transition table next to ``ProposalStatus``, and the lists of statuses derived from it."""

import pytest

from proposals.models import (
    ADMIN_MOVABLE_STATUSES,
    OPEN_STATUSES,
    PILOT_STATUSES,
    PUBLIC_STATUSES,
    TRANSITIONS,
    UNDECIDED_STATUSES,
    VOTING_STATUSES,
    ProposalStatus,
    administrator_transitions,
    transition_path,
)

S = ProposalStatus


def test_every_status_in_the_table_is_a_status():
    for from_status, moves in TRANSITIONS.items():
        assert from_status in S.values
        assert set(moves) <= set(S.values)


def test_the_derived_lists():
    assert set(UNDECIDED_STATUSES) == set(VOTING_STATUSES) == {S.PUBLISHED, S.UNDER_REVIEW}
    assert set(OPEN_STATUSES) == {S.PUBLISHED, S.UNDER_REVIEW, S.ACCEPTED}
    assert set(ADMIN_MOVABLE_STATUSES) == {S.PUBLISHED, S.UNDER_REVIEW, S.ACCEPTED, S.PILOTING}
    assert set(PILOT_STATUSES) == {S.ACCEPTED, S.PILOTING, S.COMPLETED}
    assert set(PUBLIC_STATUSES) == set(S.values) - {S.WITHDRAWN}


def test_administrators_never_withdraw_for_the_author():
    for status in S.values:
        assert S.WITHDRAWN not in administrator_transitions(status)


@pytest.mark.parametrize(
    ("start", "end", "path"),
    [
        (S.PUBLISHED, S.COMPLETED, [S.UNDER_REVIEW, S.ACCEPTED, S.PILOTING, S.COMPLETED]),
        (S.ACCEPTED, S.PILOTING, [S.PILOTING]),
        (S.PILOTING, S.PILOTING, []),
        (S.PUBLISHED, S.WITHDRAWN, [S.WITHDRAWN]),
    ],
)
def test_a_path_follows_the_table(start, end, path):
    assert transition_path(start, end) == path


@pytest.mark.parametrize(
    ("start", "end"), [(S.REJECTED, S.PILOTING), (S.COMPLETED, S.PUBLISHED), (S.ACCEPTED, S.WITHDRAWN)]
)
def test_no_path_leads_back_or_out_of_a_final_state(start, end):
    assert transition_path(start, end) is None
