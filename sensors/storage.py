"""Writing raw readings: PostgreSQL's COPY into a staging table (or plain INSERTs), idempotent on (stream, time).

On PostgreSQL ``sensors_reading`` is partitioned by month (migration 0002); the partitions a batch needs are
created before it is loaded. SQLite keeps one plain table and uses INSERT … ON CONFLICT DO NOTHING.
"""

import datetime

from django.db import connection

from .models import Reading

COPY = "copy"
INSERT = "insert"


def is_partitioned() -> bool:
    return connection.vendor == "postgresql"


def _month_start(moment: datetime.datetime) -> datetime.date:
    return datetime.date(moment.year, moment.month, 1)


def _next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def ensure_partitions(first: datetime.datetime, last: datetime.datetime) -> None:
    """Create the monthly partitions (UTC months) that hold readings from ``first`` to ``last``.

    The partitions that exist are read from the catalogue each time (one query), never remembered by the
    process: a transaction that created one may have rolled back since.
    """
    if not is_partitioned():
        return
    month = _month_start(first.astimezone(datetime.UTC))
    end = _month_start(last.astimezone(datetime.UTC))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "WHERE pg_inherits.inhparent = 'sensors_reading'::regclass"
        )
        existing = {name for (name,) in cursor.fetchall()}
        while month <= end:
            name = f"sensors_reading_{month:%Y%m}"
            if name not in existing:
                following = _next_month(month)
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF sensors_reading "
                    f"FOR VALUES FROM ('{month.isoformat()} 00:00+00') TO ('{following.isoformat()} 00:00+00')"
                )
            month = _next_month(month)


def store_rows(rows: list[tuple[int, datetime.datetime, float, int]], *, method: str | None = None) -> int:
    """Store (stream_id, time, value, flags) rows; rows already stored are skipped. Returns rows written."""
    if not rows:
        return 0
    method = method or (COPY if is_partitioned() else INSERT)
    ensure_partitions(min(r[1] for r in rows), max(r[1] for r in rows))
    if method == COPY:
        return _copy(rows)
    return _insert(rows)


def adapt_time(moment: datetime.datetime):
    """A datetime as the database driver takes it (SQLite stores Django's text form)."""
    return connection.ops.adapt_datetimefield_value(moment)


def _insert(rows) -> int:
    # One prepared statement run for every row (psycopg pipelines it); the ORM's bulk_create built a model
    # instance and SQL per row, several times slower.
    sql = (
        f"INSERT INTO {Reading._meta.db_table} (stream_id, time, value, flags) VALUES (%s, %s, %s, %s) "  # noqa: S608
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(s, adapt_time(t), v, f) for s, t, v, f in rows])
    return len(rows)


def _copy(rows) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS sensors_reading_load "
            "(stream_id bigint, time timestamptz, value double precision, flags smallint) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE sensors_reading_load")
        with cursor.copy(
            "COPY sensors_reading_load (stream_id, time, value, flags) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "timestamptz", "float8", "int2"])
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            "INSERT INTO sensors_reading (stream_id, time, value, flags) "
            "SELECT stream_id, time, value, flags FROM sensors_reading_load ON CONFLICT DO NOTHING"
        )
        written = cursor.rowcount
        cursor.execute("TRUNCATE sensors_reading_load")
    return written
