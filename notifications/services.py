"""Following proposals and reading notifications; each function is one transaction.

Changes to a person's unread count are pushed to their open pages after the commit, like every live update.
"""

from collections.abc import Iterable

import rules
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count

from livinglab.live import broadcast, push_message, render_in_each_language, user_group

from .models import Follow, Notification, NotificationKind, NotificationPreference


def follow_proposal(proposal, *, user) -> Follow:
    """Start following; following twice is a no-op."""
    if not rules.has_perm("notifications.follow_proposal", user, proposal):
        raise PermissionDenied("You cannot follow this proposal.")
    with transaction.atomic():
        follow, _created = Follow.objects.get_or_create(user=user, proposal=proposal)
    return follow


def unfollow_proposal(proposal, *, user) -> None:
    """Stop following; unfollowing what one does not follow is a no-op."""
    if not rules.has_perm("notifications.follow_proposal", user, proposal):
        raise PermissionDenied("You cannot follow this proposal.")
    with transaction.atomic():
        Follow.objects.filter(user=user, proposal=proposal).delete()


def is_following(proposal, *, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(user=user, proposal=proposal).exists()


def follow_automatically(*, user_id: int, proposal_id: int) -> None:
    """Authors and voters follow what they filed or supported; a later unfollow is not undone by voting."""
    Follow.objects.get_or_create(user_id=user_id, proposal_id=proposal_id)


def mark_read(notification: Notification, *, user) -> Notification:
    if not rules.has_perm("notifications.read_notification", user, notification):
        raise PermissionDenied("This is not your notification.")
    with transaction.atomic():
        if not notification.is_read:
            Notification.objects.filter(pk=notification.pk).update(is_read=True)
            notification.is_read = True
            transaction.on_commit(lambda: push_unread_counts([user.pk]))
    return notification


def mark_all_read(*, user) -> int:
    with transaction.atomic():
        count = Notification.objects.for_user(user).unread().update(is_read=True)
        if count:
            transaction.on_commit(lambda: push_unread_counts([user.pk]))
    return count


def set_email_preference(*, user, email_on_status_change: bool) -> NotificationPreference:
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.update_or_create(
            user=user, defaults={"email_on_status_change": email_on_status_change}
        )
    return preference


def wants_status_email(user) -> bool:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference is None or preference.email_on_status_change


def notify(
    recipient_ids: Iterable[int],
    *,
    kind: NotificationKind,
    text: str,
    url: str = "",
    proposal_id: int | None = None,
    pilot_id: int | None = None,
) -> list[Notification]:
    """Store one notification per recipient and push their new unread counts after the commit."""
    recipient_ids = sorted(set(recipient_ids))
    if not recipient_ids:
        return []
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            Notification(
                recipient_id=pk, kind=kind, text=text[:300], url=url, proposal_id=proposal_id, pilot_id=pilot_id
            )
            for pk in recipient_ids
        )
        transaction.on_commit(lambda: push_unread_counts(recipient_ids))
    return created


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.for_user(user).unread().count()


def push_unread_counts(user_ids: Iterable[int]) -> bool:
    """Send each person's bell its new count, counted in one query for all of them."""
    user_ids = list(user_ids)
    counts = dict(
        Notification.objects.filter(recipient_id__in=user_ids, is_read=False)
        .values_list("recipient_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    messages = []
    for pk in user_ids:
        fragments = render_in_each_language(
            "notifications/includes/bell_link.html", {"unread": counts.get(pk, 0), "live": True}
        )
        messages.append((user_group(pk), push_message(fragments)))
    return broadcast(messages)
