"""A database that is busy answers 503 with ``Retry-After``, never 500.

Busy means the request could not get its turn: SQLite's write lock stayed taken past the busy timeout,
PostgreSQL gave up waiting for a row lock (``lock_timeout``) or refused another client, or every
connection of the pool stayed in use past its timeout. The request did nothing; trying again later
works. Everything else stays a 500.

Errors raised in a view reach ``DatabaseBusyMiddleware``; errors raised before the view (a session or
user loaded by a middleware) reach ``server_error``, the project's ``handler500``.
"""

import logging
import sys

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults
from psycopg_pool import PoolTimeout

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# PostgreSQL: lock_not_available, too_many_connections, deadlock_detected, serialization_failure.
BUSY_SQLSTATES = {"55P03", "53300", "40P01", "40001"}
BUSY_MESSAGES = ("database is locked", "database table is locked", "too many clients already")


def is_database_busy(error: BaseException | None) -> bool:
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__ or error
    if isinstance(cause, PoolTimeout) or getattr(cause, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    message = str(cause).lower()
    return any(text in message for text in BUSY_MESSAGES)


def busy_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    logger.warning("Database busy on %s %s: %s", request.method, request.path, error)
    # Rendered without the request: its context processors would ask the busy database again.
    body = loader.render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseBusyMiddleware:
    """Turns a busy database in a view into a 503 with ``Retry-After``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_busy(exception):
            return busy_response(request, exception)
        return None


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    """``handler500``: a busy database outside the view still gets its 503; anything else the 500 page."""
    error = sys.exception()
    if is_database_busy(error):
        return busy_response(request, error)
    return defaults.server_error(request, template_name)
