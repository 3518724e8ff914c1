"""The socket on a challenge page: its stage tracker, live."""

from channels.db import database_sync_to_async

from livinglab.live import LiveConsumer

from .live import challenge_group, live_challenge


@database_sync_to_async
def _is_live_challenge(pk: int) -> bool:
    return live_challenge(pk) is not None


class ChallengeConsumer(LiveConsumer):
    """Anyone reading a published challenge page; drafts and other pages are refused."""

    async def live_groups(self):
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        if not await _is_live_challenge(pk):
            return None
        return [challenge_group(pk)]
