"""Redis stops in the middle of a run: writes keep working on the local fallback (issue 15, point 9).

A throwaway ``redis-server`` on a spare port carries the cache (never the shared one). Commenting,
submitting, signing in and asking for a password reset answer 2xx/3xx before, during and after the outage;
the limits keep holding per worker while Redis is away, and the cache goes back to Redis when it returns.
"""

import logging

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from livinglab import ratelimit
from proposals.models import Comment, Proposal
from tests.conftest import skip_or_fail
from tests.factories import PASSWORD, CategoryFactory, DongFactory, ProposalFactory, ResidentFactory
from tests.live.servers import RedisServer

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


@pytest.fixture
def throwaway_redis(tmp_path, settings):
    if not RedisServer.available():
        skip_or_fail("needs redis-server on PATH for a throwaway Redis")
    server = RedisServer(tmp_path).start()
    settings.CACHES = {
        "default": {
            "BACKEND": "livinglab.cache.FallbackRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "faults",
            "RETRY_AFTER": 0,  # try Redis again on the next call, so the test sees it come back
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    yield server
    server.stop()


def writes_and_sign_in(number: int, *, resident, proposal, choices) -> dict[str, int]:
    """One round of what a resident does that touches the cache; returns each step's status."""
    signed_in = Client()
    statuses = {
        "login": signed_in.post(reverse("account_login"), {"login": resident.email, "password": PASSWORD}).status_code,
        "password reset": Client().post(reverse("account_reset_password"), {"email": resident.email}).status_code,
    }
    statuses["comment"] = signed_in.post(
        reverse("proposals:comment", args=[proposal.pk]), {"body": f"Still broken, round {number}"}
    ).status_code
    data = {
        "title": f"Broken street light, round {number}",
        "description": "The light at the corner of the market has been out for two weeks.",
        "category": choices["category"].pk,
        "area": choices["area"].pk,
        "latitude": "",
        "longitude": "",
    }
    statuses["submit"] = signed_in.post(reverse("proposals:create"), data).status_code
    return statuses


def test_writes_and_sign_in_survive_redis_stopping_and_coming_back(throwaway_redis, settings, caplog):
    settings.PROPOSAL_RATE_LIMIT = settings.COMMENT_RATE_LIMIT = "100/h"
    resident, proposal = ResidentFactory(), ProposalFactory()
    choices = {"category": CategoryFactory(), "area": DongFactory()}
    ok = {200, 302}

    before = writes_and_sign_in(1, resident=resident, proposal=proposal, choices=choices)
    assert set(before.values()) <= ok, before
    assert not cache.redis_is_down

    throwaway_redis.stop()
    with caplog.at_level(logging.ERROR, logger="livinglab.cache"):
        during = [writes_and_sign_in(n, resident=resident, proposal=proposal, choices=choices) for n in (2, 3)]
    for statuses in during:
        assert set(statuses.values()) <= ok, statuses
    assert sum("Redis cache unreachable" in r.getMessage() for r in caplog.records) == 1

    throwaway_redis.start()
    after = writes_and_sign_in(4, resident=resident, proposal=proposal, choices=choices)
    assert set(after.values()) <= ok, after
    cache.set("back-on-redis", 1)
    assert redis.Redis.from_url(throwaway_redis.url).keys("*back-on-redis*")

    # Nothing was lost: every accepted comment and submission is stored.
    assert Comment.objects.filter(proposal=proposal, author=resident).count() == 4
    assert Proposal.objects.filter(author=resident).count() == 4


def test_limits_still_hold_on_the_fallback_while_redis_is_away(throwaway_redis, monkeypatch):
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_000.0)
    throwaway_redis.stop()
    slots = [ratelimit.take("fallback", 1, "3/m") for _ in range(5)]
    assert [slot is not None for slot in slots] == [True, True, True, False, False]
