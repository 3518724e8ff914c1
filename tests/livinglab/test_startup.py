"""A server process imports the URLconf and builds its address tables before it serves (livinglab/startup.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import clear_url_caches, reverse
from django.urls.resolvers import URLResolver
from django.utils import translation

from livinglab.startup import warm_up

ROOT = Path(__file__).resolve().parents[2]
# Plain, namespaced (proposals:…, with and without arguments) and a library's (Wagtail's admin, allauth).
ADDRESSES = [("proposals:list", []), ("proposals:vote", [7]), ("account_login", []), ("wagtailadmin_home", [])]


@pytest.fixture
def tables_built(monkeypatch):
    """Every address table Django builds from now on (one per resolver and language)."""
    built = []
    original = URLResolver._populate

    def recording(self):
        built.append((self, translation.get_language()))
        return original(self)

    monkeypatch.setattr(URLResolver, "_populate", recording)
    return built


def reverse_everywhere() -> dict[str, list[str]]:
    found = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found[code] = [reverse(name, args=args) for name, args in ADDRESSES]
    return found


def test_after_the_warm_up_no_address_builds_a_table_in_any_language(tables_built):
    clear_url_caches()
    warm_up()
    tables_built.clear()
    found = reverse_everywhere()
    assert tables_built == []
    assert found["ko"][1] == found["en"][1] == "/proposals/7/vote/"


def test_without_it_the_first_addresses_in_each_language_build_their_tables(tables_built):
    clear_url_caches()
    reverse_everywhere()
    # The root and the proposals namespace, in each of the two languages.
    assert len(tables_built) >= 2 * len(settings.LANGUAGES)
    assert {language for _resolver, language in tables_built} == {code for code, _ in settings.LANGUAGES}


def test_a_second_warm_up_builds_nothing_again(tables_built):
    clear_url_caches()
    warm_up()
    tables_built.clear()
    warm_up()
    assert tables_built == []


def test_the_asgi_application_is_warm_once_imported():
    """In a process of its own, as a server worker starts: importing the application imports the URLconf, and the
    addresses of every language are then built without building a table."""
    probe = """
import json, sys
import livinglab.asgi
from django.conf import settings
from django.urls.resolvers import URLResolver
imported = settings.ROOT_URLCONF in sys.modules
built = []
original = URLResolver._populate
URLResolver._populate = lambda self: (built.append(1), original(self))[1]
from tests.livinglab.test_startup import reverse_everywhere
reverse_everywhere()
print(json.dumps({"imported": imported, "built": len(built)}))
"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "livinglab.settings.test", "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"imported": True, "built": 0}
