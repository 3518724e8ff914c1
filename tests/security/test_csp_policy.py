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
def test_the_admin_runs_under_the_sites_policy(admin_client_logged_in):
    policy = admin_client_logged_in.get("/admin/").headers["Content-Security-Policy"]
    assert policy.split("script-src")[1].split(";")[0].split() == ["'self'"]
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


ADMIN_INIT = re.compile(r'<script type="application/json" data-admin-init="(\w+)">(.*?)</script>', re.DOTALL)


@pytest.mark.django_db
def test_the_wagtail_admin_starts_its_widgets_from_data_not_inline_scripts(client, administrator, make_pilot):  # noqa: F811
    """Wagtail 8.0 starts these widgets with inline scripts; the adminscripts app writes their calls as data.

    ``InlinePanel`` and ``MultipleChooserPanel`` (their ``js_init`` blocks), every chooser widget (Wagtail writes
    ``new ImageChooser(…)`` in ``BaseChooser.render``) and the date, time and date-time widgets. If this fails
    with a new inline script, a Wagtail upgrade has added one: write it as data too (adminscripts/initialisers.py).
    """
    pilot = make_pilot()
    client.force_login(administrator)
    html = client.get(f"/admin/pages/{pilot.pk}/edit/").content.decode()
    assert not inline_scripts(html)
    started = {name for name, _ in ADMIN_INIT.findall(html)}
    assert {"InlinePanel", "MultipleChooserPanel", "ImageChooser", "Chooser", "initDateChooser"} <= started
    assert "/static/adminscripts/admin-init.js" in html
    # The new child an "Add" button copies from the InlinePanel's template carries its widgets' data too.
    template = re.search(r'<template id="id_phases-EMPTY_FORM_TEMPLATE">(.*?)</template>', html, re.DOTALL)
    assert not inline_scripts(template.group(1))
    assert '<script type="application/json" data-admin-init="initDateChooser">["id_phases-__prefix__-start"' in (
        template.group(1)
    )


PLANTED = "</script><script>alert(1)</script>"


@pytest.mark.django_db
def test_markup_planted_in_a_page_title_reaches_the_admin_escaped_and_never_as_a_script(
    client,
    administrator,
    make_pilot,  # noqa: F811
):
    """A title is shown in the editor, the explorer, the chooser of a page that links to it and in its data."""
    pilot = make_pilot(title=f"Shelter {PLANTED}")
    client.force_login(administrator)
    for url in [f"/admin/pages/{pilot.pk}/edit/", f"/admin/pages/{pilot.get_parent().pk}/", "/admin/pages/search/?q=x"]:
        html = client.get(url).content.decode()
        assert PLANTED not in html, url
        assert not inline_scripts(html), url
        for _, data in ADMIN_INIT.findall(html):
            assert "<" not in data, url  # what admin-init.js reads is JSON, with no markup in it
