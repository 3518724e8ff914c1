"""Live updates: group names, the broadcast helper, and the base class of the pushing consumers.

Groups are named from primary keys only (``proposal-<id>``, ``proposal-list``, ``pilot-<id>``, ``user-<id>``),
so no title or user input ever reaches the channel layer's key space. A push is a ``live.push`` message that
carries HTML rendered from the page's own partials, once per site language, and optionally a second version
for signed-in viewers; the consumer sends the one that fits its socket and htmx swaps it in out of band.
"""

import asyncio
import contextlib
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from html.parser import HTMLParser
from importlib import import_module

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.apps import apps
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header
from django_tasks_db.backend import DatabaseBackend

logger = logging.getLogger(__name__)

PROPOSAL_LIST_GROUP = "proposal-list"
# Consecutive channel-layer failures (about six seconds with backoff) before a group's sockets are closed.
MAX_LAYER_FAILURES = 5

# Close codes a browser sees; htmx's ws extension reconnects only on 1006/1011/1012/1013, so these stop it.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


def proposal_group(pk: int) -> str:
    return f"proposal-{int(pk)}"


def pilot_group(pk: int) -> str:
    return f"pilot-{int(pk)}"


def user_group(pk: int) -> str:
    return f"user-{int(pk)}"


def session_group(pk: int) -> str:
    """Every socket a signed-in person has open, whatever page it serves: told when their session ends."""
    return f"user-sessions-{int(pk)}"


def end_live_sessions(user_pk: int) -> bool:
    """Close every socket of ``user_pk`` (logout, deactivation, password or role change, erasure).

    Each worker's consumers close with 4401, which htmx does not retry; a page that is still signed in
    reconnects on its next load with its current rights.
    """
    return broadcast([(session_group(user_pk), {"type": "live.session_ended", "user_id": int(user_pk)})])


def _session_user_is_current(scope, user_pk: int) -> bool:
    """Whether the socket's session, read afresh, still signs in ``user_pk`` with the same rights hash."""
    session = scope.get("session")
    session_key = getattr(session, "session_key", None)
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if str(store.get(SESSION_KEY, "")) != str(user_pk):
        return False
    user = get_user_model()._default_manager.filter(pk=user_pk, is_active=True).first()
    if user is None or getattr(user, "erased_at", None) is not None:
        return False
    return constant_time_compare(store.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())


session_user_is_current = database_sync_to_async(_session_user_is_current)


def render_in_each_language(template_name: str, context: dict) -> dict[str, str]:
    """The same partial rendered once per site language, for sockets whose viewers read different ones."""
    rendered = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rendered[code] = render_to_string(template_name, context)
    return rendered


def push_message(
    anonymous: dict[str, str], *, signed_in: dict[str, str] | None = None, actor_id: int | None = None
) -> dict:
    """A ``live.push`` message: what anonymous viewers get, what signed-in ones get, and who caused it.

    ``actor_id`` lets the actor's own sockets skip the push: their own htmx request already swapped in a
    render made for them, which a render made for everyone would overwrite.
    """
    return {"type": "live.push", "anonymous": anonymous, "signed_in": signed_in, "actor_id": actor_id}


def broadcast(messages: list[tuple[str, dict]]) -> bool:
    """Send ``(group, message)`` pairs over the channel layer; log and return False on any failure.

    Called after commit from request threads, so a Redis outage must cost a log line, never the response.
    """
    if not messages:
        return True
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        _run_to_the_end(_send_all, layer, messages)
    except Exception:
        logger.exception("Live update broadcast to %s failed", ", ".join(sorted({group for group, _ in messages})))
        return False
    return True


def layer_reaches_other_processes() -> bool:
    """Whether a message sent from another process (the task worker) reaches this site's sockets.

    Not with the in-memory layer of the embedded default: each process has its own, so a push sent by the worker
    of ``make run`` reaches no socket of its web server.
    """
    layer = get_channel_layer()
    return layer is not None and not isinstance(layer, InMemoryChannelLayer)


def enqueue_push(task, *args) -> None:
    """Enqueue ``task``, whose work ends in a broadcast, for the task worker; where the worker's broadcast would
    reach no socket (``layer_reaches_other_processes``), run it here instead, in the process serving them."""
    if layer_reaches_other_processes():
        task.enqueue(*args)
    else:
        task.call(*args)


def enqueue_push_on_commit(task, *args) -> None:
    """``enqueue_push`` for the moment the caller's transaction commits; call it inside that transaction (from an
    ``IN_TRANSACTION`` receiver).

    Where the worker reads its queue from this database (``django_tasks_db``) and its push reaches the sockets, the
    task's row is written in the caller's transaction, as an outbox: the worker sees it exactly when the
    transaction commits and never when it rolls back, nothing is lost if the process stops between the commit and
    an enqueue, and the action commits once instead of twice (a vote's push was a commit of its own, the largest
    single part of a vote's time after its own transaction). Anywhere else it is enqueued, or run, after the commit.
    """
    if layer_reaches_other_processes() and _queued_in_this_database(task):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(enqueue_push, task, *args), robust=True)


def _queued_in_this_database(task) -> bool:
    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    return router.db_for_write(apps.get_model("django_tasks_database", "DBTaskResult")) == DEFAULT_DB_ALIAS


def _run_to_the_end(function, *args) -> None:
    """Run the coroutine ``function(*args)`` to the end from synchronous code, whatever the thread runs.

    ``async_to_sync`` refuses a thread whose event loop is running (synchronous code called from a coroutine, or
    a synchronous driver such as Playwright's that keeps a loop in its thread): there the send runs on a loop of
    its own in a helper thread, and this thread waits for it, as it would have for ``async_to_sync``.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(function)(*args)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-broadcast") as pool:
        pool.submit(async_to_sync(function), *args).result()


async def _send_all(layer, messages):
    for group, message in messages:
        await layer.group_send(group, message)


class _ElementExtractor(HTMLParser):
    """Finds the element with a given id and keeps its exact source, children included."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, element_id: str):
        super().__init__(convert_charrefs=False)
        self.element_id = element_id
        self.start = None
        self.end = None
        self.depth = 0
        self._line_offsets = []

    def feed_source(self, source: str):
        offset = 0
        for line in source.splitlines(keepends=True):
            self._line_offsets.append(offset)
            offset += len(line)
        self.feed(source)
        self.close()

    def _position(self) -> int:
        line, column = self.getpos()
        return self._line_offsets[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.end is not None:
            return
        if self.start is None:
            if dict(attrs).get("id") == self.element_id:
                self.start = self._position()
                if tag in self.VOID:
                    self.end = self.start + len(self.get_starttag_text())
                else:
                    self.depth = 1
        elif tag not in self.VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.start is None or self.end is not None:
            return
        self.depth -= 1
        if self.depth == 0:
            self.end = self._position() + len(f"</{tag}>")


def extract_element(source: str, element_id: str) -> str:
    """The outer HTML of the element with ``element_id`` in rendered ``source``, or "" if it is absent.

    Lets a push carry one small piece of a partial (a vote count) while the markup keeps one source.
    """
    extractor = _ElementExtractor(element_id)
    extractor.feed_source(source)
    if extractor.start is None or extractor.end is None:
        return ""
    return source[extractor.start : extractor.end]


def language_from_scope(scope) -> str:
    """The site language a socket's viewer reads: their language cookie, else Accept-Language, else default."""
    cookie = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
    candidates = [cookie] if cookie else []
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates += [code for code, _quality in parse_accept_lang_header(accept) if code != "*"]
    for candidate in candidates:
        try:
            return get_supported_language_variant(candidate)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class WorkerGroups:
    """One channel-layer subscription per group and worker, fanned out to that worker's sockets in one pass.

    Channels would otherwise hand a group message to every consumer through its own channel queue and task,
    several event-loop hops per socket before the first byte leaves; at 1,000 sockets that is hundreds of
    milliseconds of Python on one core (docs/benchmarks.md). Here one listener task per group receives the
    message once and calls each member's handler directly.
    """

    def __init__(self):
        self.members: dict[str, set] = {}
        self.listeners: dict[str, asyncio.Task] = {}
        self.lock = asyncio.Lock()

    async def join(self, group: str, consumer) -> None:
        async with self.lock:
            members = self.members.setdefault(group, set())
            members.add(consumer)
            if group in self.listeners:
                return
            try:
                layer = get_channel_layer()
                channel = await layer.new_channel(prefix="live.")
                await layer.group_add(group, channel)
            except Exception:
                # Redis is down: this socket fails to open (1011) and htmx will try again; keep no trace of it.
                members.discard(consumer)
                if not members:
                    del self.members[group]
                raise
            self.listeners[group] = asyncio.create_task(self._listen(layer, group, channel))

    async def leave(self, group: str, consumer) -> None:
        async with self.lock:
            members = self.members.get(group)
            if members is None:
                return
            members.discard(consumer)
            if members:
                return
            del self.members[group]
            listener = self.listeners.pop(group, None)
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener

    async def _listen(self, layer, group: str, channel: str) -> None:
        failures = 0
        try:
            while True:
                try:
                    message = await layer.receive(channel)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    failures += 1
                    if failures > MAX_LAYER_FAILURES:
                        raise
                    logger.warning("Live group %s: channel layer failed, retrying", group, exc_info=True)
                    await asyncio.sleep(min(0.1 * 2**failures, 2.0))
                    # A Redis that restarted empty has forgotten the group: join it again (it is idempotent).
                    with contextlib.suppress(Exception):
                        await layer.group_add(group, channel)
                    continue
                failures = 0
                await self._deliver(group, message)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await layer.group_discard(group, channel)
            raise
        except Exception:
            # Redis stayed away: close the sockets with 1011, on which htmx reconnects (with backoff),
            # subscribes again and refetches what it missed.
            logger.exception("Live group %s lost its channel layer", group)
            async with self.lock:
                members = self.members.pop(group, set())
                self.listeners.pop(group, None)
            for consumer in members:
                with contextlib.suppress(Exception):
                    await consumer.close(code=1011)

    async def _deliver(self, group: str, message: dict) -> None:
        """Every member's handler, one after another in this task: no queue, no task, no hop per socket."""
        handler_name = message.get("type", "").replace(".", "_")
        if not handler_name.startswith("live_"):
            return
        for consumer in list(self.members.get(group, ())):
            handler = getattr(consumer, handler_name, None)
            if handler is None:
                continue
            try:
                await handler(message)
            except Exception:
                logger.warning("Live push to one socket failed", exc_info=True)


_worker_groups: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, WorkerGroups]" = weakref.WeakKeyDictionary()


def worker_groups() -> WorkerGroups:
    """This worker's groups, one registry per event loop (tests run one loop each)."""
    loop = asyncio.get_running_loop()
    groups = _worker_groups.get(loop)
    if groups is None:
        groups = _worker_groups[loop] = WorkerGroups()
    return groups


class LiveConsumer(AsyncWebsocketConsumer):
    """A socket that only listens: it joins the groups ``live_groups`` allows and relays their pushes.

    Subclasses return the group names, or None to refuse. A refusal is sent after accepting the handshake,
    with a 44xx close code: the browser then sees why, and htmx does not retry it forever.
    """

    refusal_code = CLOSE_NOT_FOUND
    # No channel of its own: pushes arrive through ``WorkerGroups``, so each socket costs the channel layer
    # nothing (no queue, no task, no Redis subscription), and only the group listeners depend on Redis.
    channel_layer_alias = None

    async def live_groups(self) -> list[str] | None:
        raise NotImplementedError

    async def connect(self):
        self.user = self.scope.get("user")
        self.language = language_from_scope(self.scope)
        self.joined = []
        groups = await self.live_groups()
        if groups is None:
            await self.accept()
            await self.close(code=self.refusal_code)
            return
        if self.is_signed_in:
            groups = [*groups, session_group(self.user.pk)]
        registry = worker_groups()
        for group in groups:
            await registry.join(group, self)
            self.joined.append(group)
        await self.accept()

    async def disconnect(self, code):
        registry = worker_groups()
        for group in getattr(self, "joined", []):
            try:
                await registry.leave(group, self)
            except Exception:
                # The layer may be the reason we are closing (Redis gone); nothing left to clean then.
                logger.warning("Could not leave live group %s", group, exc_info=True)
        self.joined = []

    async def receive(self, text_data=None, bytes_data=None):
        """Clients have nothing to say on these sockets; anything they send is ignored."""

    @property
    def is_signed_in(self) -> bool:
        return bool(self.user is not None and getattr(self.user, "is_authenticated", False))

    def pick(self, variants: dict[str, str] | None) -> str:
        if not variants:
            return ""
        return variants.get(self.language) or variants.get(settings.LANGUAGE_CODE) or next(iter(variants.values()))

    async def live_push(self, event):
        if event.get("actor_id") and self.is_signed_in and event["actor_id"] == self.user.pk:
            return
        variants = event.get("signed_in") if self.is_signed_in and event.get("signed_in") else event["anonymous"]
        html = self.pick(variants)
        if html:
            await self.send(text_data=html)

    async def live_close(self, event):
        await self.close(code=event.get("code", CLOSE_NOT_FOUND))

    async def live_session_ended(self, event):
        if self.is_signed_in and event.get("user_id") == self.user.pk:
            await self.close(code=CLOSE_UNAUTHENTICATED)


class PrivateLiveConsumer(LiveConsumer):
    """A socket for one signed-in person's own group: every push re-checks that their session still holds.

    The close message from ``end_live_sessions`` can be lost (a Redis blip, a worker that joined late), so a
    private push is never sent on the strength of the handshake alone.
    """

    refusal_code = CLOSE_UNAUTHENTICATED

    async def live_push(self, event):
        if not self.is_signed_in or not await session_user_is_current(self.scope, self.user.pk):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await super().live_push(event)


def render_for(language: str, template_name: str, context: dict) -> str:
    with translation.override(language):
        return render_to_string(template_name, context)
