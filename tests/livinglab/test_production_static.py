"""Production static files: collectstatic succeeds under WhiteNoise's manifest storage and pages render with it.

Issue 15 point 1: a vendored file that named a missing source map made ``collectstatic`` fail, leaving no
manifest, and every page answered 500. ``make prod-check`` serves the same under daphne; these tests make the
suite itself catch it.
"""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings

from tests.factories import ProposalFactory

# The references ManifestStaticFilesStorage rewrites (its own patterns): a line comment in JS, a block in CSS.
SOURCE_MAP = re.compile(rb"(?m)^(?://# sourceMappingURL=(\S+)|/\*# sourceMappingURL=(\S+)[ \t]*\*/)\s*$")
PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def static_files():
    for finder in finders.get_finders():
        yield from finder.list(ignore_patterns=[])


def test_every_source_map_a_static_file_names_exists():
    missing = []
    for path, storage in static_files():
        if not path.endswith((".js", ".css")):
            continue
        with storage.open(path) as handle:
            for js_reference, css_reference in SOURCE_MAP.findall(handle.read()):
                name = (js_reference or css_reference).decode()
                if name.startswith("data:"):
                    continue
                target = f"{path.rsplit('/', 1)[0]}/{name}" if "/" in path else name
                if not finders.find(target):
                    missing.append(f"{path} -> {name}")
    assert not missing, missing


@pytest.mark.slow
@pytest.mark.django_db
def test_pages_render_with_collected_manifest_static(client, tmp_path, settings):
    proposal = ProposalFactory()
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path / "static"):
        call_command("collectstatic", interactive=False, verbosity=0)
        assert (tmp_path / "static" / "staticfiles.json").exists()
        for url in ("/proposals/", proposal.get_absolute_url()):
            response = client.get(url)
            assert response.status_code == 200, url
            hashed = re.findall(r"/static/css/site\.([0-9a-f]{12})\.css", response.content.decode())
            assert hashed, "the stylesheet is linked by its hashed name"
            assert (tmp_path / "static" / "css" / f"site.{hashed[0]}.css").exists()
            icon = re.findall(
                r'<link rel="icon" href="(/static/favicon\.[0-9a-f]{12}\.svg)"', response.content.decode()
            )
            assert icon, "every page names the site's icon by its hashed name"
        # What browsers ask for whatever a page names: a redirect to the same hashed icon, kept for a day.
        response = client.get("/favicon.ico")
        assert response.status_code == 302
        assert response["Location"] == icon[0]
        assert "max-age=86400" in response["Cache-Control"]
        assert (tmp_path / "static" / icon[0].removeprefix("/static/")).exists()
