"""Limits that hold under parallel requests: every limit takes its slot in one atomic cache step.

A request *takes a slot* before it acts: one atomic step creates the window's counter if it is missing and
counts (``livinglab.cache.count_in_window``: one script in Redis, ``add`` and ``incr`` under the local cache's
lock elsewhere), so twenty parallel requests against a limit of five see the values 1 to 20 and exactly five are
let through. Reading first and counting on commit, as the first version did, lets every parallel request read the same
old count.

Semantics, in one place:
- The window is fixed (``5/h`` is five per clock hour, keyed by ``time // period``), per scope and identity
  (a user's pk, an IP address).
- A refused request gives its count back at once, so the counter never runs ahead of what was allowed.
- An action that fails after taking its slot (bad input, a rolled-back transaction, a lost race) gives the
  slot back through ``Slot.release``; ``holding`` does this for any exception. A slot taken inside an outer
  transaction that is rolled back later stays used: the limit errs on the careful side.
- When Redis is away the cache falls back to a local one (``livinglab.cache``): limits then hold per worker
  process, and the outage is logged, instead of every write failing.
"""

import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from django.core.cache import caches

from .cache import count_in_window
from .errors import ActionRefused

logger = logging.getLogger(__name__)

CACHE_ALIAS = "default"
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Wall-clock seconds that pick the window; tests pin it so a burst cannot straddle two windows.
clock = time.time


class Rate(NamedTuple):
    limit: int
    period: int


def parse_rate(rate: str) -> Rate:
    """``"5/h"`` -> 5 per 3600 s; ``"10/m"`` -> 10 per 60 s; ``"3/10m"`` -> 3 per 600 s."""
    match = RATE.match(rate or "")
    if not match:
        raise ValueError(f"Bad rate {rate!r}: expected something like '5/h' or '10/m'.")
    count, multiple, unit = match.groups()
    return Rate(int(count), int(multiple or 1) * PERIOD_SECONDS[unit])


def _key(scope: str, identity, period: int) -> str:
    return f"ratelimit:{scope}:{identity}:{int(clock() // period)}"


@dataclass
class Slot:
    """One use of a limit, held by an action; ``release`` gives it back when the action did not happen."""

    key: str
    released: bool = False

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        # ValueError: the window ended meanwhile, so there is nothing left to give back.
        with contextlib.suppress(ValueError):
            caches[CACHE_ALIAS].decr(self.key)


def take(scope: str, identity, rate: str) -> Slot | None:
    """Take one slot of ``rate`` for ``identity`` in ``scope``; None when the limit is reached."""
    parsed = parse_rate(rate)
    cache = caches[CACHE_ALIAS]
    key = _key(scope, identity, parsed.period)
    count = count_in_window(cache, key, parsed.period + 5)
    slot = Slot(key)
    if count > parsed.limit:
        slot.release()
        return None
    return slot


@contextmanager
def holding(scope: str, identity, rate: str, *, refuse: Callable[[], Exception]) -> Iterator[Slot]:
    """Run the block with a slot taken; raise ``refuse()`` when there is none; give it back if the block fails."""
    with holding_all([(scope, identity, rate)], refuse=refuse) as slots:
        yield slots[0]


Limit = tuple[str, object, str]


def take_all(limits: Iterable[Limit]) -> list[Slot] | None:
    """One slot of every ``(scope, identity, rate)``, or none at all: the ones taken are given back on a refusal."""
    slots = []
    for scope, identity, rate in limits:
        slot = take(scope, identity, rate)
        if slot is None:
            for taken in slots:
                taken.release()
            return None
        slots.append(slot)
    return slots


@contextmanager
def holding_all(limits: Iterable[Limit], *, refuse: Callable[[], Exception]) -> Iterator[list[Slot]]:
    """``holding`` for several limits at once (a text counts per number, per address and per sender, say)."""
    slots = take_all(limits)
    if slots is None:
        raise refuse()
    try:
        yield slots
    except BaseException:
        for slot in slots:
            slot.release()
        raise


def limited(scope: str, identity, rate: str, *, message: str):
    """``holding`` that refuses the project's one way: ``ActionRefused(message)`` with 429 (``livinglab.errors``)."""
    return holding(scope, identity, rate, refuse=lambda: ActionRefused(message, status=429))
