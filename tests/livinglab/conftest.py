"""The pilot, co-design and desk fixtures, for the parallel-limit tests that rate pilots, sign up for sessions,
answer surveys and text claim codes; and the site's Redis cache for the cache tests."""

import pytest
from django.core.cache import caches

from tests.codesign.conftest import consent, make_session, make_survey, pilot  # noqa: F401
from tests.conftest import skip_or_fail
from tests.desk.conftest import centre, desk_resident, dong, staff  # noqa: F401
from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401


@pytest.fixture
def redis_cache(settings):
    """The default cache as production configures it (``livinglab.cache.FallbackRedisCache``) on the test Redis."""
    if not settings.REDIS_URL:
        skip_or_fail("needs Redis (REDIS_URL)")
    settings.CACHES = {
        "default": {
            "BACKEND": "livinglab.cache.FallbackRedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "cache-tests",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    yield caches["default"]
    caches["default"].clear()
