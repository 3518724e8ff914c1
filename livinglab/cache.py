"""A Redis cache that degrades to a local one while Redis is away, so writes keep working.

What lives in the cache here is short-lived and can be rebuilt: rate-limit counters (``livinglab.ratelimit``
and allauth's), cached search counts. When Redis stops answering, every call would otherwise raise, and
commenting, submitting, signing in and resetting a password would answer 500. Instead each call falls back
to this worker's memory cache: limits then hold per worker process instead of site-wide, which is logged
once per outage. After ``RETRY_AFTER`` seconds the next call tries Redis again; when it answers, the
fallback is no longer used and a line says so. Nothing a person wrote is in the cache, so nothing is lost.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
DEFAULT_RETRY_AFTER = 5.0
# The methods RedisCache implements itself; BaseCache builds everything else (decr, get_or_set, async) on them.
DEGRADING_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


# The writes after which a value kept in the process (``get_kept``) is dropped: of one key or of several (with
# where their ``version`` argument stands), or of all (``clear``).
KEY_WRITES = {"add": 3, "set": 3, "touch": 2, "delete": 1, "incr": 2}
KEYS_WRITES = {"set_many": 2, "delete_many": 1}


# Django's incr asks EXISTS and then INCRBY: two round trips, and if the key expires between them INCRBY makes it
# again without its expiry (a rate-limit window's counter that never goes). One script does both atomically.
INCR_EXISTING = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end return false"
)


# A fixed window's counter in one round trip: created at 0 with its expiry if missing, then counted (a rate limit's
# slot, livinglab.ratelimit). Django's add and then incr were two.
COUNT_IN_WINDOW = "redis.call('SET', KEYS[1], 0, 'NX', 'EX', ARGV[1]) return redis.call('INCR', KEYS[1])"


class _ReusingClient(RedisCacheClient):
    """Django's client, keeping one ``redis.Redis`` per connection pool: Django builds a new one on every call
    (a twentieth of a vote's time), although it holds no state beyond the pool. ``incr`` is one round trip."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client

    def incr(self, key, delta):
        value = self.get_client(key, write=True).eval(INCR_EXISTING, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def count_in_window(self, key, timeout: int) -> int:
        return self.get_client(key, write=True).eval(COUNT_IN_WINDOW, 1, key, timeout)


class _Shared:
    """What every ``FallbackRedisCache`` of one process with the same settings shares: Redis's connection pool,
    whether Redis is away, the local fallback's name, and the values kept in the process (``get_kept``).

    Django makes a cache object per thread and per async context, so under ASGI every request gets a new one.
    Kept on the object, the pool (and so a TCP connection to Redis) was opened per request and the outage state
    was forgotten per request: each request waited for its own connect timeout and wrote to a fallback no other
    request read, so limits did not hold while Redis was away.
    """

    def __init__(self, name: str):
        self.name = name
        self.client = None
        self.down_until = 0.0
        self.lock = threading.Lock()
        self.keepable: set[str] = set()  # the full keys ever read with get_kept (a handful)
        self.kept: dict[str, tuple[float, object]] = {}  # full key: (read at, value)
        self.writes = 0  # moved on by each write of a keepable key: a read begun before it keeps nothing


_shared: dict[tuple, _Shared] = {}
_shared_lock = threading.Lock()


def _shared_for(identity: tuple) -> _Shared:
    with _shared_lock:
        if identity not in _shared:
            _shared[identity] = _Shared(f"redis-fallback-{len(_shared)}")
        return _shared[identity]


class FallbackRedisCache(RedisCache):
    """Django's ``RedisCache`` with a per-process ``LocMemCache`` behind it for outages.

    Settings: ``OPTIONS`` go to redis-py as for ``RedisCache`` (set short ``socket_connect_timeout`` and
    ``socket_timeout`` so a hung Redis costs a fraction of a second); ``RETRY_AFTER`` (seconds) is how long
    to use the fallback before trying Redis again. One connection pool per process and settings (``_Shared``).
    """

    def __init__(self, server, params):
        params = dict(params)
        self.retry_after = float(params.pop("RETRY_AFTER", DEFAULT_RETRY_AFTER))
        super().__init__(server, params)
        local_params = {key: value for key, value in params.items() if key in {"TIMEOUT", "KEY_PREFIX", "VERSION"}}
        identity = (tuple(self._servers), repr(sorted(self._options.items())), repr(sorted(local_params.items())))
        self.shared = _shared_for(identity)
        self._class = _ReusingClient
        self.fallback = LocMemCache(self.shared.name, local_params)

    @property
    def _cache(self):
        """The process's client (and so its connection pool) for these settings, made on first use."""
        shared = self.shared
        if shared.client is None:
            with shared.lock:
                if shared.client is None:
                    shared.client = self._class(self._servers, **self._options)
        return shared.client

    @property
    def redis_is_down(self) -> bool:
        return time.monotonic() < self.shared.down_until

    def _went_down(self, name: str, error: Exception) -> None:
        with self.shared.lock:
            first = self.shared.down_until == 0.0
            self.shared.down_until = time.monotonic() + self.retry_after
        if first:
            logger.error("Redis cache unreachable (%s in %s): using this worker's local cache", error, name)

    def get_kept(self, key, seconds: float, version=None):
        """``get``, with the value kept in this process for ``seconds``: for a value every request reads and that
        seldom changes, whose change may reach the other processes a few seconds late. A miss is not kept. This
        process's own ``set``, ``delete`` or ``clear`` of the key drops the kept value at once."""
        full = self.make_key(key, version=version)
        shared = self.shared
        shared.keepable.add(full)
        kept = shared.kept.get(full)
        now = time.monotonic()
        if kept is not None and now - kept[0] < seconds:
            return kept[1]
        writes = shared.writes
        value = self.get(key, version=version)
        # Kept only if no write of this process began or ended meanwhile: it may have read what that write replaced.
        if value is not None and shared.writes == writes:
            shared.kept[full] = (now, value)
        return value

    def _forget_kept(self, name: str, args, kwargs) -> None:
        """Before and after each write: drops what it changes, and what a read running beside it would keep."""
        shared = self.shared
        if not shared.keepable:
            return
        if name == "clear":
            shared.writes += 1
            shared.kept.clear()
            return
        position = KEY_WRITES.get(name) or KEYS_WRITES[name]
        version = kwargs.get("version", args[position] if len(args) > position else None)
        keys = args[0] if args else kwargs.get("key", kwargs.get("keys", kwargs.get("data", ())))
        for key in [keys] if name in KEY_WRITES else list(keys):
            full = self.make_key(key, version=version)
            if full in shared.keepable:
                shared.writes += 1
                shared.kept.pop(full, None)

    def _came_back(self) -> None:
        with self.shared.lock:
            was_down = self.shared.down_until != 0.0
            self.shared.down_until = 0.0
        if was_down:
            logger.warning("Redis cache reachable again: leaving the local fallback")


def get_kept(cache, key: str, seconds: float):
    """``cache.get(key)``, kept in this process for ``seconds`` where the cache is shared (``FallbackRedisCache.
    get_kept``); any other cache is this process's memory already."""
    getter = getattr(cache, "get_kept", None)
    return getter(key, seconds) if getter is not None else cache.get(key)


def count_in_window(cache, key: str, timeout: int, version=None) -> int:
    """Count one more in ``key``, creating it for ``timeout`` seconds when it does not exist, atomically: one script
    on a ``FallbackRedisCache`` (``count_in_window``), ``add`` and then ``incr`` on any other cache (the local one
    counts under its lock)."""
    if isinstance(cache, FallbackRedisCache):
        return cache.count_in_window(key, timeout, version=version)
    return _add_and_incr(cache, key, timeout, version=version)


def _add_and_incr(cache, key: str, timeout: int, version=None) -> int:
    for _attempt in range(3):
        cache.add(key, 0, timeout=timeout, version=version)
        try:
            return cache.incr(key, version=version)
        except ValueError:
            # The key expired between add and incr (a window just ended): create it again.
            continue
    raise RuntimeError(f"could not count key {key}")


def _redis_count_in_window(self, key: str, timeout: int, version=None) -> int:
    key = self.make_and_validate_key(key, version=version)
    return self._cache.count_in_window(key, max(1, int(timeout)))


def _degrading(name: str, redis_method=None, local_method=None):
    redis_method = redis_method or getattr(RedisCache, name)
    local_method = local_method or getattr(LocMemCache, name)

    def method(self, *args, **kwargs):
        if not self.redis_is_down:
            try:
                result = redis_method(self, *args, **kwargs)
            except REDIS_DOWN as error:
                self._went_down(name, error)
            else:
                if self.shared.down_until:
                    self._came_back()
                return result
        return local_method(self.fallback, *args, **kwargs)

    def write(self, *args, **kwargs):
        """A write: what the process kept of the keys it writes goes, before and after (``get_kept``)."""
        self._forget_kept(name, args, kwargs)
        try:
            return method(self, *args, **kwargs)
        finally:
            self._forget_kept(name, args, kwargs)

    chosen = write if name in KEY_WRITES or name in KEYS_WRITES or name == "clear" else method
    chosen.__name__ = name
    chosen.__doc__ = f"``{name}`` on Redis, or on the local fallback while Redis is away."
    return chosen


for _name in DEGRADING_METHODS:
    setattr(FallbackRedisCache, _name, _degrading(_name))
FallbackRedisCache.count_in_window = _degrading("count_in_window", _redis_count_in_window, _add_and_incr)
