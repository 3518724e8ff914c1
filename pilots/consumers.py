"""The socket on a pilot page: new results and the residents' feedback average, live."""

from channels.db import database_sync_to_async
from wagtail.models import Page

from livinglab.live import LiveConsumer, pilot_group

from .models import PilotPage


@database_sync_to_async
def _is_live_pilot(pk: int) -> bool:
    return Page.objects.live().filter(pk=pk).type(PilotPage).exists()


class PilotConsumer(LiveConsumer):
    """Anyone reading a published pilot page; drafts and other pages are refused."""

    async def live_groups(self):
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        if not await _is_live_pilot(pk):
            return None
        return [pilot_group(pk)]
