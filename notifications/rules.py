"""Who may follow proposals and read notifications, declared once."""

import rules


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def proposal_is_visible(user, proposal) -> bool:
    return proposal is not None and not proposal.is_hidden


@rules.predicate
def is_recipient(user, notification) -> bool:
    return notification is not None and notification.recipient_id == user.pk


rules.add_perm("notifications.follow_proposal", is_signed_in & proposal_is_visible)
rules.add_perm("notifications.read_notification", is_signed_in & is_recipient)
