"""Schemathesis generates requests from the OpenAPI schema and calls the API in-process (through WSGI, with the
whole middleware stack): no 5xx, and every response, errors included, must match the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


# Loading the schema needs no database: the schema view only reads the router.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def in_process(settings):
    """No rate limit, and the test's database connection stays open between requests.

    Django's own test client detaches ``close_old_connections`` for the same reason: the WSGI handler would
    otherwise close the connection that holds the test's transaction (PostgreSQL) after each request.
    """
    settings.API_RATE_LIMIT = "1000000/m"
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case, public_data, in_process):
    # A cursor or a slug can match the schema and still name nothing: the API answers that with a 400 and a
    # message, which this heuristic check would call a rejection of valid data. Every other check runs.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
