"""Sockets for seats left: one per session page, one per page that lists sessions."""

from channels.db import database_sync_to_async
from wagtail.models import Page

from livinglab.live import LiveConsumer

from .live import page_sessions_group, session_seats_group
from .models import Session


@database_sync_to_async
def _is_published_session(pk: int) -> bool:
    return Session.objects.published().filter(pk=pk, page__live=True).exists()


@database_sync_to_async
def _is_live_page(pk: int) -> bool:
    return Page.objects.live().public().filter(pk=pk).exists()


class SessionSeatsConsumer(LiveConsumer):
    """Anyone reading a published session: its seats left, live."""

    async def live_groups(self):
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        return [session_seats_group(pk)] if await _is_published_session(pk) else None


class PageSessionsConsumer(LiveConsumer):
    """Anyone reading a live page that lists sessions: their seats left, live."""

    async def live_groups(self):
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        return [page_sessions_group(pk)] if await _is_live_page(pk) else None
