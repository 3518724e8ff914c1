"""Values kept in the process in front of the shared cache (``livinglab.cache.get_kept``).

Every post reads which terms are current (``home.legal``); kept in the process for a few seconds, that read no
longer goes to Redis each time. What must hold: another process's change is seen once the seconds are over (and
not before, or nothing is saved), this process's own writes are seen at once, and a miss is never kept.
"""

import threading

import pytest
from django.core.cache import caches

from livinglab.cache import get_kept


def written_elsewhere(cache, key: str, value) -> None:
    """As another process writes it: straight to Redis, past this process's cache object."""
    client = cache._cache.get_client(key, write=True)
    client.set(cache.make_key(key), cache._cache._serializer.dumps(value))


def redis_reads(monkeypatch, cache) -> list[str]:
    reads = []
    original = type(cache._cache).get

    def counting(self, key, default):
        reads.append(key)
        return original(self, key, default)

    monkeypatch.setattr(type(cache._cache), "get", counting)
    return reads


@pytest.mark.redis
def test_a_kept_value_is_read_from_redis_once_within_its_seconds(redis_cache, monkeypatch):
    redis_cache.set("terms", {"version": 1})
    reads = redis_reads(monkeypatch, redis_cache)
    assert [get_kept(redis_cache, "terms", 60) for _ in range(5)] == [{"version": 1}] * 5
    assert len(reads) == 1


@pytest.mark.redis
def test_another_processs_change_is_seen_once_the_seconds_are_over(redis_cache):
    redis_cache.set("terms", {"version": 1})
    assert get_kept(redis_cache, "terms", 60) == {"version": 1}
    written_elsewhere(redis_cache, "terms", {"version": 2})
    assert get_kept(redis_cache, "terms", 60) == {"version": 1}  # kept: the other process's write is not seen yet
    assert get_kept(redis_cache, "terms", 0) == {"version": 2}  # kept for no time: read again


def deleted_then_written_elsewhere(delete):
    def write(cache):
        delete(cache)
        written_elsewhere(cache, "terms", {"version": 2})

    return write


@pytest.mark.redis
@pytest.mark.parametrize(
    "write",
    [
        lambda cache: cache.set("terms", {"version": 2}),
        lambda cache: cache.set_many({"terms": {"version": 2}}),
        deleted_then_written_elsewhere(lambda cache: cache.delete("terms")),
        deleted_then_written_elsewhere(lambda cache: cache.delete_many(["terms"])),
        deleted_then_written_elsewhere(lambda cache: cache.clear()),
    ],
    ids=["set", "set_many", "delete", "delete_many", "clear"],
)
def test_this_processs_own_write_is_seen_at_once(redis_cache, write):
    redis_cache.set("terms", {"version": 1})
    assert get_kept(redis_cache, "terms", 60) == {"version": 1}
    write(redis_cache)
    assert get_kept(redis_cache, "terms", 60) == {"version": 2}


@pytest.mark.redis
def test_a_read_that_a_write_of_this_process_overtook_is_not_kept(redis_cache, monkeypatch):
    """The read fetched the old value, and before it could keep it, a request of this process wrote the new one."""
    redis_cache.set("terms", {"version": 1})
    original = type(redis_cache._cache).get

    def overtaken(self, key, default):
        value = original(self, key, default)
        monkeypatch.setattr(type(redis_cache._cache), "get", original)
        redis_cache.set("terms", {"version": 2})
        return value

    monkeypatch.setattr(type(redis_cache._cache), "get", overtaken)
    assert get_kept(redis_cache, "terms", 60) == {"version": 1}  # what it read, answered once
    assert get_kept(redis_cache, "terms", 60) == {"version": 2}  # not kept: read again


@pytest.mark.redis
def test_writes_of_other_keys_leave_the_kept_value_alone(redis_cache, monkeypatch):
    redis_cache.set("terms", {"version": 1})
    reads = redis_reads(monkeypatch, redis_cache)
    assert get_kept(redis_cache, "terms", 60) == {"version": 1}
    redis_cache.set("stamp:1", "a")
    redis_cache.delete("stamp:1")
    redis_cache.set_many({"stamp:2": "b"})
    assert get_kept(redis_cache, "terms", 60) == {"version": 1}
    assert len(reads) == 1


@pytest.mark.redis
def test_a_miss_is_not_kept(redis_cache):
    assert get_kept(redis_cache, "terms", 60) is None
    written_elsewhere(redis_cache, "terms", {"version": 1})
    assert get_kept(redis_cache, "terms", 60) == {"version": 1}


@pytest.mark.redis
def test_every_thread_of_the_process_shares_what_is_kept(redis_cache):
    redis_cache.set("terms", {"version": 1})
    assert get_kept(redis_cache, "terms", 60) == {"version": 1}
    written_elsewhere(redis_cache, "terms", {"version": 2})
    seen = []
    thread = threading.Thread(target=lambda: seen.append(get_kept(caches["default"], "terms", 60)))
    thread.start()
    thread.join()
    assert seen == [{"version": 1}]


def test_a_cache_in_the_process_memory_is_read_as_it_is(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kept"}}
    cache = caches["default"]
    cache.set("terms", {"version": 1})
    assert get_kept(cache, "terms", 60) == {"version": 1}
    cache.set("terms", {"version": 2})
    assert get_kept(cache, "terms", 60) == {"version": 2}
    cache.clear()
