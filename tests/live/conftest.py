import pytest

from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401 - the pilot page tree, for pilot sockets


@pytest.fixture
def live_site_directory(tmp_path):
    """A directory holding a freshly migrated database for the servers one test starts."""
    from .servers import migrated_site

    migrated_site(tmp_path / "site")
    return tmp_path / "site"
