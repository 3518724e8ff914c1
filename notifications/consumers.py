"""The socket behind the bell: a signed-in person's own notifications, live."""

from livinglab.live import CLOSE_UNAUTHENTICATED, LiveConsumer, user_group


class NotificationConsumer(LiveConsumer):
    """Pushes the unread count to the bell; only for signed-in people, and only their own group."""

    refusal_code = CLOSE_UNAUTHENTICATED

    async def live_groups(self):
        if not self.is_signed_in:
            return None
        return [user_group(self.user.pk)]
