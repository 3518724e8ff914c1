import pytest

from .servers import LiveSite


@pytest.fixture(scope="session")
def live_site_directory(tmp_path_factory):
    """One migrated database file for every server this session starts (migrating takes seconds)."""
    directory = tmp_path_factory.mktemp("live-site")
    LiveSite(directory).migrate()
    return directory
