"""Writing raw readings: PostgreSQL's COPY into a staging table (or plain INSERTs), idempotent on (stream, time).

On PostgreSQL ``sensors_reading`` is partitioned by month (migration 0002); the partitions a batch needs are
created before it is loaded. SQLite keeps one plain table and uses INSERT … ON CONFLICT DO NOTHING.
"""

import datetime
from collections.abc import Callable

import numpy as np
from django.conf import settings
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


def time_adapter() -> Callable[[datetime.datetime], object]:
    """Django's datetime adapter for this connection without its per-value lookups: psycopg takes the aware
    datetime as it is, SQLite the naive UTC text Django writes (``str`` of the naive UTC datetime)."""
    if connection.vendor == "postgresql":
        return lambda moment: moment
    if connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone_name == "UTC":
        return _sqlite_utc_text
    return connection.ops.adapt_datetimefield_value


def _sqlite_utc_text(moment: datetime.datetime) -> str:
    if moment.tzinfo is None:
        return str(moment)
    return str(moment.astimezone(datetime.UTC).replace(tzinfo=None))


def adapt_time(moment: datetime.datetime):
    """A datetime as the database driver takes it (SQLite stores Django's text form)."""
    return time_adapter()(moment)


def epoch_sql() -> str | None:
    """SQL that turns a whole-second epoch parameter into the stored time, or None where there is none.

    Formatting millions of datetimes in Python cost more than storing them; the database does it from an
    integer for a fraction of that. SQLite's ``datetime(…, 'unixepoch')`` is exactly Django's text form of a
    whole second ("2026-05-01 00:10:00").
    """
    if connection.vendor == "postgresql":
        return "to_timestamp(%s)"
    if connection.vendor == "sqlite" and time_adapter() is _sqlite_utc_text:
        return "datetime(%s, 'unixepoch')"
    return None


def read_columns(stream_ids, start: datetime.datetime, end: datetime.datetime):
    """The stored readings of ``stream_ids`` from ``start`` (included) to ``end`` (excluded), as numpy columns:
    stream ids, epoch seconds (whole, floored), values and flags.

    Raw SQL with the epoch computed by the database: building a Python datetime per row through the ORM cost
    more than the rollup arithmetic it feeds.
    """
    ids = [int(pk) for pk in stream_ids]
    if not ids:
        return _empty_columns()
    if connection.vendor == "postgresql":
        epoch = "floor(extract(epoch FROM time))::bigint"
    else:
        epoch = "CAST(strftime('%%s', time) AS INTEGER)"
    # The table name comes from the model, the ids are integers; times are parameters.
    sql = (
        f"SELECT stream_id, {epoch}, value, flags FROM {Reading._meta.db_table} "  # noqa: S608
        f"WHERE stream_id IN ({', '.join(['%s'] * len(ids))}) AND time >= %s AND time < %s"
    )
    adapt = time_adapter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, adapt(start), adapt(end)])
        rows = cursor.fetchall()
    if not rows:
        return _empty_columns()
    stream_column, epoch_column, value_column, flag_column = zip(*rows, strict=True)
    return (
        np.asarray(stream_column, dtype=np.int64),
        np.asarray(epoch_column, dtype=np.int64),
        np.asarray(value_column, dtype=np.float64),
        np.asarray(flag_column, dtype=np.int64),
    )


def _empty_columns():
    return (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64), np.empty(0, np.int64))


def _insert(rows) -> int:
    # One prepared statement run for every row (psycopg pipelines it); the ORM's bulk_create built a model
    # instance and SQL per row, several times slower. On SQLite, whole seconds go in as epochs.
    table = Reading._meta.db_table
    # The table name comes from the model, the time expression from ``epoch_sql``; values are parameters.
    statement = (
        f"INSERT INTO {table} (stream_id, time, value, flags) VALUES (%s, {{time}}, %s, %s) "  # noqa: S608
        "ON CONFLICT DO NOTHING"
    )
    if connection.vendor == "sqlite" and epoch_sql():
        batches = [
            (epoch_sql(), [(s, int(t.timestamp()), v, f) for s, t, v, f in rows if not t.microsecond]),
            ("%s", [(s, _sqlite_utc_text(t), v, f) for s, t, v, f in rows if t.microsecond]),
        ]
    else:
        adapt = time_adapter()
        batches = [("%s", [(s, adapt(t), v, f) for s, t, v, f in rows])]
    written = 0
    with connection.cursor() as cursor:
        for time_sql, params in batches:
            if params:
                cursor.executemany(statement.format(time=time_sql), params)
                written += max(cursor.rowcount, 0)
    return written


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
