"""A database that is busy or briefly away answers 503 with ``Retry-After``, never 500.

Busy means the request could not get its turn: SQLite's write lock stayed taken past the busy timeout,
PostgreSQL gave up waiting for a row lock (``lock_timeout``) or refused another client, or every
connection of the pool stayed in use past its timeout.

Away means the database could not be reached or dropped the request's connection: PostgreSQL restarting or
shutting down (it ends every session with ``57P01``), a connection refused or lost on the way (SQLSTATE class
``08``, or the driver's own "server closed the connection"), a connection used after it was lost, SQLite's file
that cannot be opened. The request's work most likely did not commit, but a connection lost during its COMMIT
cannot tell, so the page says the request *may* not have been completed; the site's actions are safe to repeat
(a second vote is the first one). A connection that failed is closed when the request ends (Django marks it
unusable) and the next request gets another.

Everything else (a missing table, a constraint, a syntax error) stays a 500: those are the site's bugs.

Errors raised in a view reach ``DatabaseBusyMiddleware``; errors raised before the view (a session or
user loaded by a middleware) or after it (a session saved) reach ``server_error``, the project's ``handler500``.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults
from psycopg_pool import PoolTimeout

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# PostgreSQL: lock_not_available, too_many_connections, deadlock_detected, serialization_failure.
BUSY_SQLSTATES = {"55P03", "53300", "40P01", "40001"}
BUSY_MESSAGES = ("database is locked", "database table is locked", "too many clients already")
# PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now; and the whole class 08, connection_exception.
AWAY_SQLSTATES = {"57P01", "57P02", "57P03"}
# What the drivers say, without an SQLSTATE, when a connection cannot be made or was lost (psycopg, sqlite3).
AWAY_MESSAGES = (
    "connection failed",
    "connection refused",
    "could not connect",
    "server closed the connection",
    "connection is closed",
    "connection is lost",
    "connection already closed",
    "terminating connection",
    "the database system is",  # "… is starting up", "… is shutting down", "… is in recovery mode"
    "unable to open database file",
)


def _cause(error: BaseException) -> BaseException:
    return error.__cause__ or error


def is_database_busy(error: BaseException | None) -> bool:
    if not isinstance(error, OperationalError):
        return False
    cause = _cause(error)
    if isinstance(cause, PoolTimeout) or getattr(cause, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    message = str(cause).lower()
    return any(text in message for text in BUSY_MESSAGES)


def is_database_away(error: BaseException | None) -> bool:
    """The database could not be reached, or lost the request's connection (busy errors are not this)."""
    if not isinstance(error, OperationalError | InterfaceError) or is_database_busy(error):
        return False
    cause = _cause(error)
    sqlstate = getattr(cause, "sqlstate", None) or ""
    if sqlstate in AWAY_SQLSTATES or sqlstate.startswith("08"):
        return True
    if sqlstate:
        return False  # PostgreSQL answered with another error: the connection works
    message = str(cause).lower()
    return any(text in message for text in AWAY_MESSAGES)


def unavailable_response(request: HttpRequest, error: BaseException) -> HttpResponse | None:
    """The 503 for a busy or away database, or None for any other error."""
    if is_database_busy(error):
        logger.warning("Database busy on %s %s: %s", request.method, request.path, error)
        reason = "busy"
    elif is_database_away(error):
        logger.error("Database unreachable on %s %s: %s", request.method, request.path, error)
        reason = "away"
    else:
        return None
    # Rendered without the request: its context processors would ask the database again.
    body = loader.render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS, "reason": reason})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseBusyMiddleware:
    """Turns a busy or away database in a view into a 503 with ``Retry-After``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable_response(request, exception)


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    """``handler500``: a busy or away database outside the view still gets its 503; anything else the 500 page."""
    error = sys.exception()
    return unavailable_response(request, error) or defaults.server_error(request, template_name)
