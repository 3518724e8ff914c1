"""The socket behind the bell: a signed-in person's own notifications, live."""

from livinglab.live import PrivateLiveConsumer, user_group


class NotificationConsumer(PrivateLiveConsumer):
    """Pushes the unread count to the bell; only for signed-in people, only their own group, while signed in."""

    async def live_groups(self):
        if not self.is_signed_in:
            return None
        return [user_group(self.user.pk)]
