"""Django's ASGI handler, with the middleware chain built for the synchronous code it runs, on a few kept threads.

Every HTTP view of the site is synchronous, and so is part of its middleware (WhiteNoise, ours). Django's own
``ASGIHandler`` always builds the chain in async mode, so each request crossed between the event loop and its
thread again and again: into the outer synchronous middleware, back to the loop for the URL resolution, into
the thread for each ``process_view`` (CSRF, consent) and once more for the view; every crossing copies the
request's context back and forth. Here the chain is built as under WSGI, and the request's whole synchronous
part (the request_started signal, the middleware and view, closing the response) runs in its thread in one
crossing (``handle`` and ``respond``).

Django also starts a new thread for every request (and one more to join it), and runs as many requests at once
as arrive. Here each worker process keeps ``ASGI_REQUEST_THREADS`` threads (``WEB_THREADS``, default 2) and
gives each request one of them for its synchronous code, as gunicorn's threaded workers do under WSGI; a
request that finds them all busy waits on the event loop for the next one. Python runs one thread at a time,
so more threads in one process do not serve more requests: they wait for each other, and that waiting cost a
vote 8.5 ms of CPU with 8 at once in one process against 5.1 ms with one thread and 5.6 ms with two
(docs/benchmarks.md). More requests at once come from more processes (``WEB_CONCURRENCY``). What Django's
handler does around the request is kept: reading the body, the request signals (once each, in the request's
thread), sending the response, streaming (closed after it is sent), noticing a client that went away, and every
thread-sensitive call of the request going to the request's one thread. An async view, if one is ever added,
still runs: Django's synchronous path awaits it. WebSockets go to Channels and do not pass here.
"""

import asyncio
import weakref
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix


class _Sent(Exception):
    """The response went out: ends the wait for the client to go away."""


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        # The threads that are free, per event loop (one in a server's worker; tests may run several in turn).
        self._free_threads = weakref.WeakKeyDictionary()

    async def handle(self, scope, receive, send):
        """Django's ``handle``, with the request's synchronous part in one crossing into its thread (``respond``).

        Django crosses three times: for the request_started signal, for the middleware and view, and to close the
        response (request_finished). Each crossing copies the request's context both ways and moves every
        ``Local`` in it to the other thread (asgiref), which was the largest single cost of a vote after its
        queries. A body already in memory is closed before it is sent; a streamed one after, as Django does.
        """
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with closing(body_file):
            set_script_prefix(get_script_prefix(scope))
            response = None
            try:
                try:
                    async with asyncio.TaskGroup() as group:
                        group.create_task(self.listen_for_disconnect(receive))
                        response = await sync_to_async(self.respond, thread_sensitive=True)(scope, body_file)
                        await self.send_response(response, send)
                        raise _Sent
                except* (_Sent, RequestAborted):
                    pass
            except BaseExceptionGroup as group_error:
                if len(group_error.exceptions) == 1:
                    raise group_error.exceptions[0] from None
                raise
            if response is None:
                # The client went away before the answer: the request still finishes (its connection goes back).
                await signals.request_finished.asend(sender=self.__class__)
            elif response.streaming:
                await sync_to_async(response.close, thread_sensitive=True)()

    def respond(self, scope, body_file):
        """In the request's thread: request_started, the request, its response, closed unless it is streamed."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        free = self._threads()
        thread = await free.get()
        try:
            # The request's thread-sensitive calls (its middleware and view, its signals, a streamed body) all
            # go to this one thread; a context given its executor neither starts nor joins a thread.
            async with ThreadSensitiveContext(executor=thread):
                await self.handle(scope, receive, send)
        finally:
            free.put_nowait(thread)

    def _threads(self) -> asyncio.Queue:
        loop = asyncio.get_running_loop()
        free = self._free_threads.get(loop)
        if free is None:
            free = self._free_threads[loop] = asyncio.Queue()
            for number in range(settings.ASGI_REQUEST_THREADS):
                free.put_nowait(ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"request-{number}"))
        return free
