"""The one door through which services announce what happened, after their transaction commits.

Services call ``publish`` from ``transaction.on_commit``. It pushes live fragments over the channel layer,
stores notifications for followers and sends e-mail; a failure there is logged and never fails the request.
"""

import logging

logger = logging.getLogger(__name__)


def publish(
    event: str, *, proposal_id: int | None = None, pilot_id: int | None = None, actor_id: int | None = None, **data
) -> None:
    """Announce ``event`` (a dotted name such as ``proposal.voted``) about a proposal or a pilot."""
