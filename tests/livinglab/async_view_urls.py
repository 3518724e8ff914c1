"""Views for tests/livinglab/test_asgi.py: an async view the synchronous chain must still await, and synchronous
views that say which thread served them, how many ran at once, whether two requests were served together, and
when a streamed body was sent."""

import asyncio
import threading

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path


async def async_view(request):
    await asyncio.sleep(0)
    return HttpResponse(b"awaited")


class Seen:
    """What the synchronous views saw; reset by the test that reads it."""

    lock = threading.Lock()
    running = 0
    most_at_once = 0
    threads: set[str] = set()
    arrived: dict[str, threading.Event] = {}
    events: list[str] = []

    @classmethod
    def reset(cls):
        cls.running = cls.most_at_once = 0
        cls.threads = set()
        cls.arrived = {"a": threading.Event(), "b": threading.Event()}
        cls.events = []


def thread_view(request):
    with Seen.lock:
        Seen.running += 1
        Seen.most_at_once = max(Seen.most_at_once, Seen.running)
        Seen.threads.add(threading.current_thread().name)
    # Let the others run, as a view waiting for its database would.
    threading.Event().wait(0.01)
    with Seen.lock:
        Seen.running -= 1
    return HttpResponse(threading.current_thread().name)


def meet_view(request, me, other):
    """Answers "met" once the other request has arrived too: both were being served at the same time."""
    Seen.arrived[me].set()
    return HttpResponse(b"met" if Seen.arrived[other].wait(timeout=60) else b"alone")


def streamed_view(request):
    def body():
        for part in ("one ", "two"):
            Seen.events.append(f"sent {part.strip()}")
            yield part

    return StreamingHttpResponse(body())


urlpatterns = [
    path("streamed/", streamed_view),
    path("async-view/", async_view),
    path("thread/", thread_view),
    path("meet/<str:me>/<str:other>/", meet_view),
]
