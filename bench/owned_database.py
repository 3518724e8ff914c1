"""The one way a benchmark gets a PostgreSQL database: it creates a fresh one and drops that one, never another.

    with owned_database("ll_bench_api") as database:      # database.name, database.url
        ...

The name is the prefix plus a random suffix; a name that already exists is refused, not reused. The database is
dropped when the block ends, when it raises, and when the process is terminated (SIGTERM unwinds through the
block, the way Ctrl-C does), so an interrupted benchmark leaves nothing behind. ``keep=True`` leaves it for
inspection and says so.
"""

import contextlib
import os
import signal
import sys
import uuid
from dataclasses import dataclass

import psycopg

DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432"


@dataclass(frozen=True)
class OwnedDatabase:
    admin_url: str
    name: str

    @property
    def url(self) -> str:
        return f"{self.admin_url}/{self.name}"


def admin_url() -> str:
    """The server benchmarks use, without a database name (``BENCH_POSTGRES_URL`` overrides it)."""
    return os.environ.get("BENCH_POSTGRES_URL", DEFAULT_ADMIN_URL)


def _create(server: str, prefix: str) -> OwnedDatabase:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server + "/postgres", autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            raise SystemExit(f"database {name} exists; a benchmark only drops databases it created")
        connection.execute(f'CREATE DATABASE "{name}"')
    return OwnedDatabase(server, name)


def _drop(database: OwnedDatabase) -> None:
    """Closes this process's Django connections first (if Django is set up), then drops the database by name."""
    if "django.db" in sys.modules:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()
    with psycopg.connect(database.admin_url + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


@contextlib.contextmanager
def owned_database(prefix: str, *, server: str | None = None, keep: bool = False):
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    database = _create(server or admin_url(), prefix)
    print(
        f"database {database.name} (created by this run; {'kept' if keep else 'dropped at the end'})", file=sys.stderr
    )
    try:
        yield database
    finally:
        signal.signal(signal.SIGTERM, previous)
        if not keep:
            _drop(database)
