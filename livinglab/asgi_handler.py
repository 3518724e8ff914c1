"""Django's ASGI handler, with the middleware chain built for the synchronous code it runs.

Every HTTP view of the site is synchronous, and so is part of its middleware (WhiteNoise, ours). Django's own
``ASGIHandler`` always builds the chain in async mode, so each request crossed between the event loop and its
thread again and again: into the outer synchronous middleware, back to the loop for the URL resolution, into
the thread for each ``process_view`` (CSRF, consent) and once more for the view; every crossing copies the
request's context back and forth. Here the chain is built as under WSGI and runs in the request's own thread
in one crossing. What Django's handler does around it is unchanged: reading the body, the request signals,
one thread per request, sending the response, noticing a client that went away. An async view, if one is
ever added, still runs: Django's synchronous path awaits it. WebSockets go to Channels and do not pass here.
Measured on a vote: docs/benchmarks.md ("Every job at 1k, 10k and 100k, and votes beside their own SQL").
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
