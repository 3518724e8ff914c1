"""A busy database answers 503 with Retry-After, never 500, on the served stack.

The test holds the lock itself (SQLite's write lock, a PostgreSQL row lock, or the pool's only
connection), so the server's request cannot get its turn; once the lock is let go, the same vote works.
"""

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from .servers import LiveSite, Server, postgres_site, send

pytestmark = [pytest.mark.slow]


def assert_busy(answer: tuple[int, dict, str]):
    status, headers, body = answer
    assert status == 503, body[:500]
    assert headers.get("Retry-After") == "5"
    assert "Many people are using the site at this moment" in body


def assert_voted(answer: tuple[int, dict, str], proposal: int, count: int):
    status, _, body = answer
    assert status == 200, body[:500]
    assert f'<strong id="vote-count-{proposal}">{count}</strong>' in body


def test_a_vote_waiting_past_the_sqlite_busy_timeout_gets_a_503(live_site_directory):
    site = LiveSite(live_site_directory)
    data = site.seed(1)
    proposal, session = data["proposal"], data["voters"][0]["session"]
    server = Server(site, site.reserve_ports(1)[0], SQLITE_BUSY_TIMEOUT="0.3").start()
    holder = sqlite3.connect(live_site_directory / "live.sqlite3", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process is writing, and keeps writing
        assert_busy(send(server, f"/proposals/{proposal}/vote/", session=session))
        status, _, _ = send(server, f"/proposals/{proposal}/", session=session, method="GET")
        assert status == 200  # readers are not held up by a writer (WAL)
        holder.execute("ROLLBACK")
        assert_voted(send(server, f"/proposals/{proposal}/vote/", session=session), proposal, 1)
    finally:
        holder.close()
        server.stop()
    assert "Internal Server Error" not in server.output()


@pytest.fixture
def pg_site(tmp_path):
    with postgres_site(tmp_path / "site") as site:
        yield site


def hold_row_lock(site: LiveSite, proposal: int) -> psycopg.Connection:
    holder = psycopg.connect(site.database_url)
    holder.execute("SELECT id FROM proposals_proposal WHERE id = %s FOR UPDATE", [proposal])
    return holder


@pytest.mark.postgres
def test_a_vote_waiting_past_the_lock_timeout_gets_a_503(pg_site):
    data = pg_site.seed(1)
    proposal, session = data["proposal"], data["voters"][0]["session"]
    server = Server(pg_site, pg_site.reserve_ports(1)[0], DATABASE_LOCK_TIMEOUT_MS="300").start()
    holder = hold_row_lock(pg_site, proposal)
    try:
        assert_busy(send(server, f"/proposals/{proposal}/vote/", session=session))
        holder.rollback()
        assert_voted(send(server, f"/proposals/{proposal}/vote/", session=session), proposal, 1)
    finally:
        holder.close()
        server.stop()
    assert "Internal Server Error" not in server.output()


@pytest.mark.postgres
def test_a_request_finding_every_pooled_connection_taken_gets_a_503(pg_site):
    data = pg_site.seed(2)
    proposal = data["proposal"]
    first, second = (voter["session"] for voter in data["voters"])
    pool = {"DATABASE_POOL_MIN_SIZE": "1", "DATABASE_POOL_MAX_SIZE": "1", "DATABASE_POOL_TIMEOUT": "0.5"}
    server = Server(pg_site, pg_site.reserve_ports(1)[0], DATABASE_LOCK_TIMEOUT_MS="0", **pool).start()
    holder = hold_row_lock(pg_site, proposal)
    try:
        with ThreadPoolExecutor(max_workers=1) as background:
            # The first vote waits for the row lock on the pool's only connection.
            waiting = background.submit(send, server, f"/proposals/{proposal}/vote/", session=first)
            assert wait_for_lock_waiter(pg_site), "the first vote never reached the row lock"
            assert_busy(send(server, f"/proposals/{proposal}/", session=second, method="GET"))
            holder.rollback()
            assert_voted(waiting.result(), proposal, 1)
    finally:
        holder.close()
        server.stop()
    assert "Internal Server Error" not in server.output()


def wait_for_lock_waiter(site: LiveSite) -> bool:
    """Whether a session of the site waits on a lock, polled until it does (an event, not a pause)."""
    with psycopg.connect(site.database_url, autocommit=True) as watcher:
        for _ in range(600):
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting:
                return True
            watcher.execute("SELECT pg_sleep(0.05)")
    return False
