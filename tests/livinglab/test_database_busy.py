"""Which database errors are "busy" (503 with Retry-After) and which stay errors (500)."""

import sqlite3

import psycopg
import pytest
from django.db import IntegrityError, OperationalError
from django.test import RequestFactory
from psycopg_pool import PoolTimeout

from livinglab.database_busy import DatabaseBusyMiddleware, is_database_busy, server_error


def raised(cause: BaseException, wrapper=OperationalError) -> BaseException:
    """``cause`` wrapped the way Django's database layer wraps a driver's error."""
    try:
        try:
            raise cause
        except Exception as error:
            raise wrapper(*error.args) from error
    except Exception as wrapped:
        return wrapped


def real_sqlite_lock_error(tmp_path) -> sqlite3.OperationalError:
    holder = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(tmp_path / "db.sqlite3", timeout=0, isolation_level=None)
    try:
        waiter.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return error
    finally:
        holder.close()
        waiter.close()
    raise AssertionError("the second writer got the lock")


@pytest.mark.parametrize(
    "cause",
    [
        PoolTimeout("couldn't get a connection after 30.00 sec"),
        psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
        psycopg.errors.TooManyConnections("sorry, too many clients already"),
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.OperationalError("connection failed: FATAL:  sorry, too many clients already"),
    ],
    ids=["pool-timeout", "lock-timeout", "too-many-connections", "deadlock", "too-many-clients-on-connect"],
)
def test_a_busy_postgresql_is_busy(cause):
    assert is_database_busy(raised(cause))


def test_a_locked_sqlite_database_is_busy(tmp_path):
    assert is_database_busy(raised(real_sqlite_lock_error(tmp_path)))


@pytest.mark.parametrize(
    "error",
    [
        raised(sqlite3.OperationalError("no such table: proposals_proposal")),
        raised(psycopg.errors.UndefinedTable('relation "x" does not exist')),
        raised(sqlite3.IntegrityError("database is locked"), wrapper=IntegrityError),  # not an OperationalError
        ValueError("database is locked"),
        None,
    ],
    ids=["missing-table", "undefined-table", "integrity-error", "not-a-database-error", "no-error"],
)
def test_other_errors_are_not_busy(error):
    assert not is_database_busy(error)


def test_the_middleware_answers_a_busy_view_with_a_503_and_retry_after(tmp_path):
    middleware = DatabaseBusyMiddleware(lambda request: None)
    request = RequestFactory().post("/proposals/1/vote/")
    response = middleware.process_exception(request, raised(real_sqlite_lock_error(tmp_path)))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Please try again in 5 seconds." in response.content.decode()


def test_the_middleware_leaves_other_errors_to_django():
    middleware = DatabaseBusyMiddleware(lambda request: None)
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("boom")) is None


def test_the_500_handler_answers_503_when_the_database_was_busy_outside_the_view(tmp_path):
    request = RequestFactory().get("/")
    try:
        raise raised(real_sqlite_lock_error(tmp_path))
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


@pytest.mark.django_db
def test_the_500_handler_keeps_other_errors_a_500():
    request = RequestFactory().get("/")
    try:
        raise raised(sqlite3.OperationalError("disk I/O error"))
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 500
    assert "Retry-After" not in response
