import pytest


@pytest.fixture
def live_site_directory(tmp_path):
    """A directory holding a freshly migrated database for the servers one test starts."""
    from .servers import migrated_site

    migrated_site(tmp_path / "site")
    return tmp_path / "site"
