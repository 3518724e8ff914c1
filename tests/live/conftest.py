import pytest

from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401 - the pilot page tree, for pilot sockets


@pytest.fixture
def live_site_directory(tmp_path):
    """A directory holding a freshly migrated database for the servers one test starts."""
    from .servers import migrated_site

    migrated_site(tmp_path / "site")
    return tmp_path / "site"


@pytest.fixture(autouse=True)
def _close_async_test_connections():
    """Async tests reach the database from asgiref's one worker thread; close what it opened, so the test
    database can be dropped at the end (PostgreSQL refuses while a session is open)."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)
