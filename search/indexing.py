"""Keeping the search index in step with proposals. Called by services after their transaction commits."""


def proposal_changed(proposal_id: int) -> None:
    """Index (or drop from the index) one proposal after it was created, edited, voted on, hidden or moved."""
