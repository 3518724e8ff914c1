"""The Redis cache is one per process, although Django makes a cache object per thread and per request.

Under ASGI every request runs in a context of its own, so ``caches["default"]`` is a new object each time. The
connection pool, the "Redis is away" state and the local fallback must be the process's, or each request opens a
TCP connection to Redis (measured: a third of a vote's time), waits for its own connect timeout in an outage, and
keeps limits in a fallback no other request reads.
"""

import contextvars
import socket
import threading
import uuid

import pytest
from django.core.cache import caches

from livinglab.cache import count_in_window


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def in_other_thread(work):
    found = []
    thread = threading.Thread(target=lambda: found.append(work()))
    thread.start()
    thread.join()
    return found[0]


def in_new_async_context(work):
    """As an ASGI server runs each request: a task made from the server's context, where no request has left
    anything (asgiref's Local keeps Django's cache objects in context variables)."""
    return contextvars.Context().run(work)


@pytest.fixture
def unreachable_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "livinglab.cache.FallbackRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            # Its own prefix each time: a port the kernel hands out twice must not meet an earlier test's state.
            "KEY_PREFIX": f"cache-sharing-down-{uuid.uuid4().hex}",
            "RETRY_AFTER": 60,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    return caches["default"]


@pytest.mark.redis
@pytest.mark.parametrize("elsewhere", [in_other_thread, in_new_async_context], ids=["thread", "async-context"])
def test_cache_objects_of_one_process_share_one_connection_pool(redis_cache, elsewhere):
    other = elsewhere(lambda: caches["default"])
    assert other is not redis_cache  # Django's own behaviour: one object per thread or context
    redis_cache.set("shared", "yes")
    assert other.get("shared") == "yes"
    assert other._cache is redis_cache._cache
    assert (
        other._cache.get_client(write=True).connection_pool is redis_cache._cache.get_client(write=True).connection_pool
    )


@pytest.mark.redis
def test_different_settings_do_not_share_a_pool(redis_cache, settings):
    first = redis_cache._cache
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "KEY_PREFIX": "another-site"}}
    assert caches["default"]._cache is not first


def test_an_outage_seen_by_one_request_is_seen_by_the_next(unreachable_cache, caplog):
    """The first call finds Redis away; later requests go to the fallback without waiting for a connect
    timeout, and read what the earlier ones wrote there (a rate-limit counter must keep counting)."""
    assert unreachable_cache.add("limit", 1)
    assert unreachable_cache.redis_is_down
    other = in_new_async_context(lambda: caches["default"])
    assert other is not unreachable_cache
    assert other.redis_is_down
    assert other.incr("limit") == 2
    assert unreachable_cache.get("limit") == 2
    assert sum("Redis cache unreachable" in record.getMessage() for record in caplog.records) == 1


def test_fallbacks_of_different_settings_are_apart(unreachable_cache, settings):
    unreachable_cache.set("key", "first site")
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": settings.CACHES["default"]["LOCATION"][:-1] + "1"},
    }
    other = caches["default"]
    other.set("probe", 1)
    assert other.get("key") is None


def _record_commands(cache, monkeypatch) -> list:
    """The names of the commands ``cache`` sends to Redis until ``monkeypatch.undo()``."""
    commands = []
    client = cache._cache.get_client(write=True)
    original = client.execute_command

    def counted(*args, **options):
        commands.append(args[0])
        return original(*args, **options)

    monkeypatch.setattr(client, "execute_command", counted)
    return commands


@pytest.mark.redis
def test_incr_counts_an_existing_key_in_one_round_trip_and_refuses_a_missing_one(redis_cache, monkeypatch):
    redis_cache.set("hits", 5, timeout=300)
    commands = _record_commands(redis_cache, monkeypatch)
    assert redis_cache.incr("hits", 2) == 7
    with pytest.raises(ValueError, match="not found"):
        redis_cache.incr("never-set")
    monkeypatch.undo()
    assert commands == ["EVAL", "EVAL"]
    assert redis_cache.get("never-set") is None  # refusing did not create it
    raw = redis_cache._cache.get_client().ttl(redis_cache.make_and_validate_key("hits"))
    assert 0 < raw <= 300  # the count kept the key's expiry


@pytest.mark.redis
def test_a_window_counter_is_made_and_counted_in_one_round_trip(redis_cache, monkeypatch):
    """A rate limit's slot: the counter is created with its expiry when missing and counted, in one script."""
    commands = _record_commands(redis_cache, monkeypatch)
    assert [count_in_window(redis_cache, "window", 60) for _ in range(3)] == [1, 2, 3]
    monkeypatch.undo()
    assert commands == ["EVAL", "EVAL", "EVAL"]
    assert redis_cache.get("window") == 3  # Django's cache reads the script's number
    assert redis_cache.decr("window") == 2  # and a released slot gives one back
    raw = redis_cache._cache.get_client().ttl(redis_cache.make_and_validate_key("window"))
    assert 0 < raw <= 60
    # An existing counter keeps its expiry; it is not pushed back by later counts.
    redis_cache._cache.get_client().expire(redis_cache.make_and_validate_key("window"), 5)
    assert count_in_window(redis_cache, "window", 60) == 3
    assert 0 < redis_cache._cache.get_client().ttl(redis_cache.make_and_validate_key("window")) <= 5


def test_a_window_counter_counts_on_the_fallback_while_redis_is_away(unreachable_cache):
    assert [count_in_window(unreachable_cache, "window", 60) for _ in range(3)] == [1, 2, 3]
    assert unreachable_cache.redis_is_down
    assert unreachable_cache.fallback.get("window") == 3


def test_a_window_counter_counts_on_any_other_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "window"}}
    cache = caches["default"]
    assert [count_in_window(cache, "window", 60) for _ in range(3)] == [1, 2, 3]
    cache.delete("window")
    assert count_in_window(cache, "window", 60) == 1
