"""Blocked accounts read but do not take part: every app's services ask here before someone posts.

A moderator blocks a person who keeps abusing the site (``accounts.services.block_user``). Their sessions
stay (they may still read, follow what they follow and download their data); posting, voting, commenting,
reporting, rating and assessing are refused with a 403 that says why.
"""

from livinglab.errors import ActionRefused


def is_blocked(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.blocked_at is not None)


def refuse_if_blocked(user) -> None:
    """Raise a 403 ``ActionRefused`` with the moderator's reason when ``user`` is blocked."""
    if is_blocked(user):
        raise ActionRefused(user.blocked_message, status=403)
