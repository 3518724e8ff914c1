"""Suite-wide fixtures. In CI (CI=true) a test that needs a missing service fails instead of skipping."""

import os

import pytest
from django.core.cache import cache

from .factories import AdministratorFactory, ExpertFactory, ResidentFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str):
    if IN_CI:
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    """Browser tests run last, and carry the ``browser`` marker (so ``-m "not browser"`` skips them)."""
    for item in items:
        if "/tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and "serialized_rollback" not in marker.kwargs:
            # Transactional tests flush every table; serialized rollback puts back what migrations created
            # (Wagtail's root page and collection, the role groups) for the tests that follow.
            item.add_marker(pytest.mark.django_db(**marker.kwargs, serialized_rollback=True), append=False)
    items.sort(key=lambda item: "/tests/browser/" in str(item.path))


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits live in the cache; each test starts with a clean slate (Redis or locmem alike).
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _require_services(request):
    from django.conf import settings
    from django.db import connection

    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if request.node.get_closest_marker("redis") and not settings.REDIS_URL:
        skip_or_fail("needs Redis: set REDIS_URL=redis://...")


@pytest.fixture
def resident(db):
    return ResidentFactory()


@pytest.fixture
def expert(db):
    return ExpertFactory()


@pytest.fixture
def administrator(db):
    return AdministratorFactory()
