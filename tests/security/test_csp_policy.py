"""Content-Security-Policy: inline scripts only with the request's nonce, on every page of the site.

The Chromium check that no page logs a violation is ``tests/browser/test_csp.py``.
"""

import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.template import engines
from django.test import RequestFactory
from django.utils.csp import CSP

from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401 - the page tree fixtures

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def our_templates():
    for path in ROOT.glob("*/templates/**/*.html"):
        if ".venv" not in path.parts:
            yield path
    yield from (ROOT / "livinglab" / "templates").glob("**/*.html")


def test_every_inline_script_in_our_templates_carries_the_nonce():
    offenders = []
    for path in our_templates():
        for tag in SCRIPT_TAG.findall(path.read_text()):
            if "src=" in tag or 'type="application/json"' in tag or "{{ csp_nonce }}" in tag:
                continue
            offenders.append(f"{path.relative_to(ROOT)}: {tag}")
    assert not offenders, offenders


def test_no_template_asks_htmx_to_evaluate_code():
    """hx-on handlers and js: values are run by eval, which the policy (rightly) refuses."""
    offenders = []
    for path in our_templates():
        text = path.read_text()
        if re.search(r"\shx-on[:-]|hx-vals=[\"']js:|hx-vars=", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


@pytest.mark.django_db
def test_site_policy_forbids_inline_scripts_and_foreign_scripts(client):
    policy = client.get("/accounts/login/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "https://*.tile.openstreetmap.org" in directives["img-src"]


@pytest.mark.django_db
def test_a_nonce_used_by_a_template_is_announced_in_the_header(client, settings):
    def view(request):
        html = engines["django"].from_string('<script nonce="{{ csp_nonce }}">1</script>').render(request=request)
        return HttpResponse(html)

    request = RequestFactory().get("/")
    response = ContentSecurityPolicyMiddleware(view)(request)
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    assert CSP.UNSAFE_INLINE not in response.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]


@pytest.mark.django_db
def test_admin_policy_is_the_only_one_with_inline_scripts(admin_client_logged_in):
    policy = admin_client_logged_in.get("/admin/").headers["Content-Security-Policy"]
    assert "'unsafe-inline'" in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'self'" in policy


@pytest.fixture
def admin_client_logged_in(client, administrator):
    client.force_login(administrator)
    return client


INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.IGNORECASE | re.DOTALL)


def inline_scripts(html: str) -> list[str]:
    """The bodies of the scripts a strict policy would block: inline, without a nonce, and code (not data)."""
    return [
        body
        for attributes, body in INLINE_SCRIPT.findall(html)
        if body.strip() and "src=" not in attributes and "nonce=" not in attributes and "json" not in attributes
    ]


@pytest.mark.django_db
def test_the_site_writes_no_inline_script_without_its_nonce(client, make_pilot):  # noqa: F811
    pilot = make_pilot()
    for url in ["/", "/proposals/", pilot.url, "/accounts/login/"]:
        assert not inline_scripts(client.get(url).content.decode()), url


@pytest.mark.django_db
def test_the_wagtail_admin_still_writes_inline_scripts_so_its_policy_allows_them(client, administrator, make_pilot):  # noqa: F811
    """Why WAGTAILADMIN_CSP keeps 'unsafe-inline' for scripts (Wagtail 8.0).

    Wagtail's editors start their widgets with inline scripts that carry no nonce and cannot be given one:
    ``InlinePanel`` (``wagtailadmin/panels/inline_panel.html`` and ``multiple_chooser_panel.html``), every chooser
    widget (``BaseChooser.render`` in ``wagtail/admin/widgets/chooser.py`` appends ``<script>new ImageChooser(…)
    </script>`` in Python, with no request to take a nonce from), and the date, time and date-time widgets
    (``wagtailadmin/widgets/*_input.html``). Their bodies hold per-field ids, so hashes cannot list them either.
    Under ``script-src 'self' 'nonce-…'`` Chromium refuses them and the pilot editor's "Add" buttons, choosers and
    date pickers do nothing. When this test fails, Wagtail has moved them to data attributes: drop
    'unsafe-inline' from WAGTAILADMIN_CSP and let tests/browser/test_csp.py prove the admin.
    """
    pilot = make_pilot()
    client.force_login(administrator)
    scripts = inline_scripts(client.get(f"/admin/pages/{pilot.pk}/edit/").content.decode())
    assert any("new InlinePanel(" in body for body in scripts)
    assert any(re.search(r"new \w*Chooser\(", body) for body in scripts)
    assert any("initDateChooser(" in body for body in scripts)
