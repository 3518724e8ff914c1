"""The ASGI application routes HTTP to Django and checks WebSocket origins against an allow-list; its HTTP handler
runs each request on one of a few kept threads, crossing into it once (livinglab/asgi_handler.py)."""

import asyncio
import threading

import pytest
from channels.routing import ProtocolTypeRouter
from channels.testing import HttpCommunicator
from django.core.handlers.asgi import ASGIHandler

from livinglab.asgi import application
from livinglab.asgi_handler import SyncChainASGIHandler


def test_application_is_a_protocol_router():
    assert isinstance(application, ProtocolTypeRouter)
    assert set(application.application_mapping) == {"http", "websocket"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_http_goes_through_django():
    communicator = HttpCommunicator(application, "GET", "/accounts/login/", headers=[(b"host", b"testserver")])
    response = await communicator.get_response()
    assert response["status"] == 200


# --- the middleware chain runs in the request's thread in one crossing (livinglab/asgi_handler.py) -------


@pytest.fixture
def crossings(monkeypatch):
    """How often a request crossed from its thread back to the event loop (asgiref's AsyncToSync)."""
    from asgiref import sync

    counted = {"to_loop": 0}
    original = sync.AsyncToSync.__call__

    def counting(self, *args, **kwargs):
        counted["to_loop"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sync.AsyncToSync, "__call__", counting)
    return counted


def test_the_http_handler_builds_its_chain_for_synchronous_views():
    handler = application.application_mapping["http"]
    assert not asyncio.iscoroutinefunction(handler._middleware_chain)
    # process_view hooks (CSRF, consent) are plain methods, not coroutines wrapped around a thread each.
    assert handler._view_middleware
    assert not any(asyncio.iscoroutinefunction(hook) for hook in handler._view_middleware)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_a_request_never_goes_back_to_the_event_loop_inside_the_chain(crossings):
    communicator = HttpCommunicator(application, "GET", "/accounts/login/", headers=[(b"host", b"testserver")])
    response = await communicator.get_response()
    assert response["status"] == 200
    assert crossings["to_loop"] == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_djangos_own_handler_went_back_to_the_loop_for_the_same_request(crossings):
    # The comparison the test above rests on: the stock handler adapts the chain around its async core.
    communicator = HttpCommunicator(ASGIHandler(), "GET", "/accounts/login/", headers=[(b"host", b"testserver")])
    response = await communicator.get_response()
    assert response["status"] == 200
    assert crossings["to_loop"] >= 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_process_view_hooks_and_errors_still_answer_through_asgi():
    # CSRF's process_view refuses a post without a token; a missing page is the site's 404.
    post = HttpCommunicator(application, "POST", "/proposals/1/vote/", headers=[(b"host", b"testserver")])
    assert (await post.get_response())["status"] == 403
    # The same post with a token passes CSRF, so the 403 above was its refusal: the view itself answers, with a 404
    # for a proposal that does not exist.
    token = "asgichaincsrftoken0123456789abcd"
    signed = HttpCommunicator(
        application,
        "POST",
        "/proposals/1/vote/",
        headers=[
            (b"host", b"testserver"),
            (b"cookie", f"csrftoken={token}".encode()),
            (b"x-csrftoken", token.encode()),
        ],
    )
    assert (await signed.get_response())["status"] == 404
    missing = HttpCommunicator(application, "GET", "/no-such-page-here/", headers=[(b"host", b"testserver")])
    assert (await missing.get_response())["status"] == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_an_async_view_still_runs_through_the_synchronous_chain(settings):
    settings.ROOT_URLCONF = "tests.livinglab.async_view_urls"
    handler = SyncChainASGIHandler()
    communicator = HttpCommunicator(handler, "GET", "/async-view/", headers=[(b"host", b"testserver")])
    response = await communicator.get_response()
    assert response["status"] == 200
    assert response["body"] == b"awaited"


# --- each worker process keeps a few threads for requests (ASGI_REQUEST_THREADS) -----------------------------


@pytest.fixture
def thread_views(settings):
    from tests.livinglab.async_view_urls import Seen

    settings.ROOT_URLCONF = "tests.livinglab.async_view_urls"
    Seen.reset()
    return Seen


async def _get_all(handler, paths):
    communicators = [HttpCommunicator(handler, "GET", path, headers=[(b"host", b"testserver")]) for path in paths]
    responses = await asyncio.gather(*(communicator.get_response(timeout=120) for communicator in communicators))
    assert [response["status"] for response in responses] == [200] * len(paths)
    return [response["body"].decode() for response in responses]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_requests_are_served_by_the_kept_threads_never_more_at_once(thread_views, settings):
    settings.ASGI_REQUEST_THREADS = 2
    names = await _get_all(SyncChainASGIHandler(), ["/thread/"] * 8)
    # Eight requests at once, on two threads that outlive them: no thread is started for a request.
    assert set(names) <= {"request-0_0", "request-1_0"}
    assert thread_views.most_at_once <= 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_two_kept_threads_serve_two_requests_at_the_same_time(thread_views, settings):
    settings.ASGI_REQUEST_THREADS = 2
    # Each view answers once the other has arrived: with one thread at a time they could not meet.
    assert await _get_all(SyncChainASGIHandler(), ["/meet/a/b/", "/meet/b/a/"]) == ["met", "met"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_with_one_thread_requests_wait_their_turn(thread_views, settings):
    settings.ASGI_REQUEST_THREADS = 1
    names = await _get_all(SyncChainASGIHandler(), ["/thread/"] * 4)
    assert set(names) == {"request-0_0"}
    assert thread_views.most_at_once == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_djangos_own_handler_starts_a_thread_per_request(thread_views):
    # What the tests above compare with: the stock handler's requests run on threads of their own, all at once.
    names = await _get_all(ASGIHandler(), ["/thread/"] * 4)
    assert not any(name.startswith("request-") for name in names)
    assert len(set(names)) == 4


# --- the request's synchronous part crosses into its thread once (SyncChainASGIHandler.respond) -------------


@pytest.fixture
def crossings_into_threads(monkeypatch):
    from asgiref import sync

    counted = {"to_thread": 0}
    original = sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        counted["to_thread"] += 1
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counting)
    return counted


@pytest.fixture
def request_signals(thread_views):
    from django.core.signals import request_finished, request_started

    def started(**kwargs):
        thread_views.events.append(f"started on {threading.current_thread().name}")

    def finished(**kwargs):
        thread_views.events.append(f"finished on {threading.current_thread().name}")

    request_started.connect(started)
    request_finished.connect(finished)
    yield thread_views.events
    request_started.disconnect(started)
    request_finished.disconnect(finished)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_a_request_crosses_into_its_thread_once(crossings_into_threads):
    communicator = HttpCommunicator(application, "GET", "/accounts/login/", headers=[(b"host", b"testserver")])
    assert (await communicator.get_response())["status"] == 200
    assert crossings_into_threads["to_thread"] == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_djangos_own_handler_crosses_three_times_for_the_same_request(crossings_into_threads):
    # The signal that starts the request, the middleware and view, and closing the response: one crossing each.
    communicator = HttpCommunicator(ASGIHandler(), "GET", "/accounts/login/", headers=[(b"host", b"testserver")])
    assert (await communicator.get_response())["status"] == 200
    assert crossings_into_threads["to_thread"] >= 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_a_request_starts_and_finishes_once_in_its_own_thread(request_signals):
    assert await _get_all(SyncChainASGIHandler(), ["/thread/"]) == ["request-0_0"]
    assert request_signals == ["started on request-0_0", "finished on request-0_0"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
# Django warns that it reads a synchronous iterator whole before sending it: what this view means to be.
@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators")
async def test_a_streamed_body_finishes_the_request_after_it_is_sent(request_signals):
    from asgiref.testing import ApplicationCommunicator

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/streamed/",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
    }
    communicator = ApplicationCommunicator(SyncChainASGIHandler(), scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=60)
    assert start["status"] == 200
    body = b""
    while True:
        # The last message of a streamed body may carry no body at all (which Channels' HttpCommunicator rejects).
        message = await communicator.receive_output(timeout=60)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(timeout=60)
    assert body == b"one two"
    assert request_signals == [
        "started on request-0_0",
        "sent one",
        "sent two",
        "finished on request-0_0",
    ]
