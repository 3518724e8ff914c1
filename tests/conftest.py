"""Suite-wide fixtures. In CI (CI=true) a test that needs a missing service fails instead of skipping."""

import os
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from livinglab import events, ratelimit, sms

from .factories import AdministratorFactory, ExpertFactory, ResidentFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str):
    if IN_CI:
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


SERVED_STACK = re.compile(r"/tests/(browser|live|faults)/")
SERVED_STACK_TIMEOUT = 1200


def pytest_collection_modifyitems(items):
    """Browser tests run last, and carry the ``browser`` marker (so ``-m "not browser"`` skips them)."""
    for item in items:
        if "/tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)
        if SERVED_STACK.search(str(item.path)) and item.get_closest_marker("timeout") is None:
            # These start real servers, and the first one in each worker migrates a database (~20 s on a quiet
            # machine, minutes beside a CPU hog). The timeout only guards against a hang: give them room.
            item.add_marker(pytest.mark.timeout(SERVED_STACK_TIMEOUT))
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
def _pinned_rate_window(monkeypatch):
    # Fixed-window limits are keyed by the clock's window: on a busy machine a test's burst could straddle
    # two windows and see its limit reset halfway. Every test runs inside one window; the tests about
    # windows moving on set the clock themselves.
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_030.0)


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's language, whatever language an earlier test in this worker left active
    (a test that activates Korean and fails before deactivating it must not turn the next test's messages)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_sms_outbox():
    # Texts "sent" with the locmem SMS backend (livinglab.sms.outbox), like Django's mail.outbox.
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _require_services(request):
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


@pytest.fixture
def emitted():
    """Domain events as after-commit receivers see them: (name, payload) pairs, in order."""
    recorded = []

    def record(event):
        recorded.append((event.name, dict(event.payload)))

    events.subscribe(tuple(events.EVENTS), phase=events.AFTER_COMMIT)(record)
    yield recorded
    events.unsubscribe(tuple(events.EVENTS), record, phase=events.AFTER_COMMIT)


@pytest.fixture
def emit_committed(django_capture_on_commit_callbacks):
    """Emit a domain event as a committed service would: its after-commit receivers (and tasks) run at once."""

    def run(name, **payload):
        with django_capture_on_commit_callbacks(execute=True):
            events.emit(name, **payload)

    return run
