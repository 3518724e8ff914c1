"""Which database errors are "busy" or "away" (503 with Retry-After) and which stay errors (500)."""

import sqlite3

import psycopg
import pytest
from django.db import IntegrityError, InterfaceError, OperationalError
from django.test import RequestFactory
from psycopg_pool import PoolTimeout

from livinglab.database_busy import DatabaseBusyMiddleware, is_database_away, is_database_busy, server_error
from tests.live.servers import free_port, postgres_url


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


# --- away: the database cannot be reached, or dropped the connection ------------------------------------


def real_refused_connection_error() -> psycopg.OperationalError:
    """What psycopg raises when nothing listens where the database should be (a port just found free)."""
    try:
        psycopg.connect(f"postgres://postgres@127.0.0.1:{free_port()}/postgres", connect_timeout=5)
    except psycopg.OperationalError as error:
        return error
    raise AssertionError("a free port accepted a PostgreSQL connection")


def real_unopenable_sqlite_error(tmp_path) -> sqlite3.OperationalError:
    try:
        sqlite3.connect(tmp_path / "no-such-directory" / "db.sqlite3")
    except sqlite3.OperationalError as error:
        return error
    raise AssertionError("SQLite opened a file in a directory that does not exist")


def test_a_refused_postgresql_connection_is_away_not_busy():
    error = raised(real_refused_connection_error())
    assert is_database_away(error)
    assert not is_database_busy(error)


def test_an_sqlite_file_that_cannot_be_opened_is_away(tmp_path):
    assert is_database_away(raised(real_unopenable_sqlite_error(tmp_path)))


@pytest.mark.parametrize(
    "cause",
    [
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        psycopg.errors.ConnectionFailure("connection failure"),
        psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly"),
        psycopg.OperationalError("the connection is closed"),
    ],
    ids=["admin-shutdown", "starting-up", "connection-failure", "server-closed", "closed"],
)
def test_postgresql_restarting_or_a_lost_connection_is_away(cause):
    assert is_database_away(raised(cause))


def test_a_connection_used_after_it_was_lost_is_away():
    assert is_database_away(raised(psycopg.InterfaceError("connection already closed"), wrapper=InterfaceError))


@pytest.mark.parametrize(
    "error",
    [
        raised(psycopg.errors.UndefinedTable('relation "x" does not exist')),
        raised(psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")),  # busy, not away
        raised(psycopg.errors.QueryCanceled("canceling statement due to statement timeout, connection is closed")),
        raised(sqlite3.OperationalError("disk I/O error")),
        raised(sqlite3.IntegrityError("connection refused"), wrapper=IntegrityError),
        ConnectionRefusedError("connection refused"),
        None,
    ],
    ids=["undefined-table", "lock-timeout", "answered-with-a-sqlstate", "disk-io", "integrity", "not-wrapped", "none"],
)
def test_errors_from_a_working_connection_are_not_away(error):
    assert not is_database_away(error)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_postgresql_session_ended_by_the_server_is_away():
    """A real backend ended by the server (what a restart does to every session), then the dead connection used."""
    connection = psycopg.connect(postgres_url("postgres"), autocommit=True)
    try:
        with pytest.raises(psycopg.OperationalError) as ended:
            connection.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        assert is_database_away(raised(ended.value))
        with pytest.raises(psycopg.OperationalError) as reused:
            connection.execute("SELECT 1")
        assert is_database_away(raised(reused.value))
    finally:
        connection.close()


def test_the_middleware_answers_an_unreachable_database_with_a_503_that_says_so():
    middleware = DatabaseBusyMiddleware(lambda request: None)
    response = middleware.process_exception(
        RequestFactory().post("/proposals/1/vote/"), raised(real_refused_connection_error())
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "Briefly unavailable" in body and "may not have been completed" in body
    assert "Many people are using the site" not in body


def test_the_500_handler_answers_503_when_the_database_was_away_outside_the_view(tmp_path):
    try:
        raise raised(real_unopenable_sqlite_error(tmp_path))
    except OperationalError:
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
