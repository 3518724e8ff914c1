"""Following proposals and reading notifications; each function is one transaction.

Changes to a person's unread count are pushed to their open pages after the commit, like every live update.
"""

from collections.abc import Iterable

import rules
from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from livinglab import ratelimit
from livinglab.errors import ActionRefused
from livinglab.live import broadcast, push_message, render_in_each_language, user_group

from .models import (
    ALWAYS_ON,
    DEFAULT_CHANNELS,
    Channel,
    ChannelSetting,
    Follow,
    Notification,
    NotificationKind,
    NotificationPreference,
)


def follow_limit(user):
    """Following and unfollowing (proposals and challenges alike) share ``FOLLOW_RATE_LIMIT`` per person."""
    return ratelimit.limited(
        "follow",
        user.pk,
        settings.FOLLOW_RATE_LIMIT,
        message=_("You have followed and unfollowed many times in a short while. Please wait a while and try again."),
    )


def follow_proposal(proposal, *, user) -> Follow:
    """Start following; following twice is a no-op."""
    if not rules.has_perm("notifications.follow_proposal", user, proposal):
        raise ActionRefused(_("You cannot follow this proposal."), status=403)
    with follow_limit(user), transaction.atomic():
        follow, _created = Follow.objects.get_or_create(user=user, proposal=proposal)
    return follow


def unfollow_proposal(proposal, *, user) -> None:
    """Stop following; unfollowing what one does not follow is a no-op."""
    if not rules.has_perm("notifications.follow_proposal", user, proposal):
        raise ActionRefused(_("You cannot follow this proposal."), status=403)
    with follow_limit(user), transaction.atomic():
        Follow.objects.filter(user=user, proposal=proposal).delete()


def is_following(proposal, *, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(user=user, proposal=proposal).exists()


def follow_automatically(*, user_id: int, proposal_id: int) -> None:
    """Authors and voters follow what they filed or supported; a later unfollow is not undone by voting.

    One ``INSERT … ON CONFLICT DO NOTHING`` (PostgreSQL, SQLite): no read first, no savepoint, safe inside the
    voter's transaction. Written out rather than through ``bulk_create``, whose building of one row was a
    twentieth of a vote's time; the names come from the model.
    """
    table = Follow._meta.db_table
    with connections[router.db_for_write(Follow)].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, proposal_id, created_at) VALUES (%s, %s, %s) "  # noqa: S608 - names from _meta
            "ON CONFLICT (user_id, proposal_id) DO NOTHING",
            [user_id, proposal_id, timezone.now()],
        )


def mark_read(notification: Notification, *, user) -> Notification:
    if not rules.has_perm("notifications.read_notification", user, notification):
        raise ActionRefused(_("This is not your notification."), status=403)
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


# --- preferences ---------------------------------------------------------------------------------------


def wanted(user_ids: Iterable[int], *, kind: str, channel: str) -> set[int]:
    """Those of ``user_ids`` who take ``kind`` on ``channel``: their own setting, else the default. One query."""
    user_ids = set(user_ids)
    if not user_ids or (kind, channel) in ALWAYS_ON:
        return user_ids
    default = kind in DEFAULT_CHANNELS.get(channel, ())
    chosen = dict(
        ChannelSetting.objects.filter(user_id__in=user_ids, kind=kind, channel=channel).values_list(
            "user_id", "enabled"
        )
    )
    return {pk for pk in user_ids if chosen.get(pk, default)}


def channel_choices(user) -> dict[tuple[str, str], bool]:
    """Every (kind, channel) with whether ``user`` takes it, for the settings page."""
    chosen = {
        (kind, channel): enabled
        for kind, channel, enabled in ChannelSetting.objects.filter(user=user).values_list("kind", "channel", "enabled")
    }
    return {
        (kind, channel): (kind, channel) in ALWAYS_ON or chosen.get((kind, channel), kind in DEFAULT_CHANNELS[channel])
        for kind in NotificationKind.values
        for channel in Channel.values
    }


def set_channel_choices(*, user, choices: dict[tuple[str, str], bool], follow_on_comment: bool) -> None:
    """Store the person's choices; a choice equal to the default stores nothing (and drops an old row)."""
    with transaction.atomic():
        for (kind, channel), enabled in choices.items():
            if kind not in NotificationKind.values or channel not in Channel.values or (kind, channel) in ALWAYS_ON:
                continue
            if enabled == (kind in DEFAULT_CHANNELS[channel]):
                ChannelSetting.objects.filter(user=user, kind=kind, channel=channel).delete()
            else:
                ChannelSetting.objects.update_or_create(
                    user=user, kind=kind, channel=channel, defaults={"enabled": enabled}
                )
        NotificationPreference.objects.update_or_create(user=user, defaults={"follow_on_comment": follow_on_comment})


def follows_on_comment(user_id: int) -> bool:
    preference = NotificationPreference.objects.filter(user_id=user_id).first()
    return preference is None or preference.follow_on_comment


def notify(
    recipient_ids: Iterable[int],
    *,
    kind: NotificationKind,
    text: str,
    url: str = "",
    proposal_id: int | None = None,
    pilot_id: int | None = None,
) -> list[Notification]:
    """Store one notification per recipient who takes ``kind`` on the site, and push their new unread counts
    after the commit."""
    recipient_ids = sorted(wanted(recipient_ids, kind=kind, channel=Channel.IN_APP))
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
    # The bell depends only on the count: render each distinct count once, not once per person.
    bells: dict[int, dict] = {}
    messages = []
    for pk in user_ids:
        unread = counts.get(pk, 0)
        if unread not in bells:
            bells[unread] = push_message(
                render_in_each_language("notifications/includes/bell_link.html", {"unread": unread, "live": True})
            )
        messages.append((user_group(pk), bells[unread]))
    return broadcast(messages)
