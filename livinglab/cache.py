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
from django.core.cache.backends.redis import RedisCache
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


class FallbackRedisCache(RedisCache):
    """Django's ``RedisCache`` with a per-process ``LocMemCache`` behind it for outages.

    Settings: ``OPTIONS`` go to redis-py as for ``RedisCache`` (set short ``socket_connect_timeout`` and
    ``socket_timeout`` so a hung Redis costs a fraction of a second); ``RETRY_AFTER`` (seconds) is how long
    to use the fallback before trying Redis again.
    """

    def __init__(self, server, params):
        params = dict(params)
        self.retry_after = float(params.pop("RETRY_AFTER", DEFAULT_RETRY_AFTER))
        super().__init__(server, params)
        local_params = {key: value for key, value in params.items() if key in {"TIMEOUT", "KEY_PREFIX", "VERSION"}}
        self.fallback = LocMemCache(f"redis-fallback-{id(self)}", local_params)
        self._down_until = 0.0
        self._state_lock = threading.Lock()

    @property
    def redis_is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _went_down(self, name: str, error: Exception) -> None:
        with self._state_lock:
            first = self._down_until == 0.0
            self._down_until = time.monotonic() + self.retry_after
        if first:
            logger.error("Redis cache unreachable (%s in %s): using this worker's local cache", error, name)

    def _came_back(self) -> None:
        with self._state_lock:
            was_down = self._down_until != 0.0
            self._down_until = 0.0
        if was_down:
            logger.warning("Redis cache reachable again: leaving the local fallback")


def _degrading(name: str):
    redis_method = getattr(RedisCache, name)
    local_method = getattr(LocMemCache, name)

    def method(self, *args, **kwargs):
        if not self.redis_is_down:
            try:
                result = redis_method(self, *args, **kwargs)
            except REDIS_DOWN as error:
                self._went_down(name, error)
            else:
                if self._down_until:
                    self._came_back()
                return result
        return local_method(self.fallback, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"``{name}`` on Redis, or on the local fallback while Redis is away."
    return method


for _name in DEGRADING_METHODS:
    setattr(FallbackRedisCache, _name, _degrading(_name))
