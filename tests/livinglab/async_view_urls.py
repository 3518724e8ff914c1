"""One async view, for tests/livinglab/test_asgi.py: the synchronous chain must still await it."""

import asyncio

from django.http import HttpResponse
from django.urls import path


async def async_view(request):
    await asyncio.sleep(0)
    return HttpResponse(b"awaited")


urlpatterns = [path("async-view/", async_view)]
