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
