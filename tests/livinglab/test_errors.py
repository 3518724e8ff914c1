"""One way to refuse: ``ActionRefused`` becomes its status and message in one place, for pages and htmx."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from livinglab.demo import builders
from livinglab.errors import ActionRefused
from livinglab.middleware import ActionRefusedMiddleware

pytestmark = pytest.mark.django_db


def request(*, htmx: bool):
    made = RequestFactory().post("/somewhere/", HTTP_HX_REQUEST="true" if htmx else None)
    made.htmx = HtmxDetails(made)
    return made


def middleware():
    return ActionRefusedMiddleware(lambda request: HttpResponse())


@pytest.mark.parametrize("status", [400, 403, 404, 409, 429])
def test_a_refusal_answers_with_its_status_and_message(status):
    response = middleware().process_exception(request(htmx=False), ActionRefused("Voting is closed.", status=status))
    assert response.status_code == status
    assert "Voting is closed." in response.content.decode()
    assert "<html" in response.content.decode()


def test_htmx_gets_a_small_alert_not_a_page():
    response = middleware().process_exception(request(htmx=True), ActionRefused("Voting is closed.", status=409))
    body = response.content.decode()
    assert response.status_code == 409
    assert 'role="alert"' in body
    assert "<html" not in body


def test_the_message_is_escaped():
    response = middleware().process_exception(request(htmx=True), ActionRefused("<script>x</script>", status=400))
    assert "<script>" not in response.content.decode()


def test_other_exceptions_are_left_to_django():
    assert middleware().process_exception(request(htmx=False), ValueError("boom")) is None


@pytest.mark.urls("tests.livinglab.refusing_urls")
def test_a_refusal_no_view_catches_is_answered_by_the_site_middleware(client):
    page = client.get("/refuse/")
    assert page.status_code == 429
    assert "Not so often, please." in page.content.decode()
    fragment = client.get("/refuse/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 429
    assert 'role="alert"' in fragment.content.decode()


def test_every_app_registers_its_demo_builder_in_order():
    names = [f"{build.__module__}.{build.__name__}" for build in builders()]
    assert names == [
        "proposals.demo.build",
        "pilots.demo.build",
        "challenges.demo.build",
        "codesign.demo.build",
        "sensors.demo.build",
        "search.demo.build",
    ]
