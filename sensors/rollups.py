"""Hourly and daily rollups: count, mean, min, max and the 10th/50th/90th percentiles per stream and period.

Refreshed for exactly the periods a pull touched, from the raw rows of those periods; pages read rollups only.
Days are Seoul days. The arithmetic is vectorised with numpy so a year of demo data rolls up in seconds.
"""

import datetime

import numpy as np
from django.db import connection

from .models import DailyRollup, HourlyRollup
from .storage import epoch_sql, read_columns, time_adapter

HOUR = 3600
SEOUL_OFFSET = 9 * HOUR  # Asia/Seoul has had no daylight saving time since 1988
DAY = 24 * HOUR
FIELDS = ["count", "clean_count", "mean_all", "mean", "minimum", "maximum", "p10", "p50", "p90"]


def hour_floor(epoch):
    return epoch - np.mod(epoch, HOUR)


def day_floor(epoch):
    """The UTC instant of the Seoul midnight that starts the day of ``epoch``."""
    return epoch - np.mod(epoch + SEOUL_OFFSET, DAY)


def _epoch(moment: datetime.datetime) -> int:
    return int(moment.timestamp())


def _dt(epoch) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)


def _percentile(sorted_values, starts, counts, q):
    """Linear-interpolated percentile of each group of ``sorted_values`` (groups are contiguous runs)."""
    position = starts + (counts - 1) * q
    low = np.floor(position).astype(np.int64)
    high = np.ceil(position).astype(np.int64)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def summarise(stream_ids, epochs, values, flags, *, bucket: str) -> list[tuple]:
    """Rollup rows ``(stream_id, start epoch, *FIELDS)`` for the readings given as arrays; ``bucket`` is "hour"
    or "day". Empty statistics (a period with no clean reading) are None."""
    if len(values) == 0:
        return []
    stream_ids = np.asarray(stream_ids, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    flags = np.asarray(flags, dtype=np.int64)
    starts = (hour_floor if bucket == "hour" else day_floor)(np.asarray(epochs, dtype=np.int64))
    order = np.lexsort((values, starts, stream_ids))
    s, t, v, clean = stream_ids[order], starts[order], values[order], flags[order] == 0
    key_change = np.r_[True, (s[1:] != s[:-1]) | (t[1:] != t[:-1])]
    group_starts = np.flatnonzero(key_change)
    counts = np.diff(np.r_[group_starts, len(v)])
    group_of = np.cumsum(key_change) - 1
    sums_all = np.add.reduceat(v, group_starts)
    # Clean readings only: the same groups, over the values with no flag (sorted order is kept).
    cv, cg = v[clean], group_of[clean]
    clean_counts = np.bincount(cg, minlength=len(group_starts))
    stats = {name: np.full(len(group_starts), np.nan) for name in ("mean", "minimum", "maximum", "p10", "p50", "p90")}
    present = np.flatnonzero(clean_counts)
    if len(cv):
        c_starts = np.r_[0, np.cumsum(clean_counts[present])[:-1]]
        c_counts = clean_counts[present]
        stats["mean"][present] = np.add.reduceat(cv, c_starts) / c_counts
        stats["minimum"][present] = cv[c_starts]
        stats["maximum"][present] = cv[c_starts + c_counts - 1]
        for name, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
            stats[name][present] = _percentile(cv, c_starts, c_counts, q)
    # Column by column (numpy rounds, lists carry the values out): a year of hourly rows is 8,760 per stream.
    columns = {
        "count": counts.tolist(),
        "clean_count": clean_counts.tolist(),
        "mean_all": _nullable(sums_all / counts),
        **{name: _nullable(values) for name, values in stats.items()},
    }
    return list(
        zip(s[group_starts].tolist(), t[group_starts].tolist(), *(columns[name] for name in FIELDS), strict=True)
    )


def _nullable(values) -> list:
    """Rounded to 4 places, NaN (no clean reading) as None."""
    return [None if value != value else value for value in np.round(values, 4).tolist()]


def _array_literal(values) -> str:
    """A PostgreSQL array literal of numbers (None as NULL), passed as one text parameter: psycopg's own
    adaptation of a Python list costs several microseconds an element, this a fraction of one."""
    return "{" + ",".join("NULL" if value is None else repr(value) for value in values) + "}"


def write(rows: list[tuple], *, bucket: str) -> None:
    """Insert or replace the rollup rows: on PostgreSQL one statement over arrays (``unnest``), elsewhere one
    statement per row run as a batch."""
    if not rows:
        return
    table = (HourlyRollup if bucket == "hour" else DailyRollup)._meta.db_table
    columns = ["stream_id", "start", *FIELDS]
    upsert = "ON CONFLICT (stream_id, start) DO UPDATE SET " + ", ".join(f"{name} = excluded.{name}" for name in FIELDS)
    # Table and column names come from the model, never from input; values are parameters.
    if connection.vendor == "postgresql":
        # A year of hourly rows for 24 streams is 210,000 upserts: run one by one (even pipelined) they
        # cost more than everything else in an ingest; as arrays they are one statement.
        types = ["int8", "int8", "int4", "int4", *["float8"] * (len(FIELDS) - 2)]
        arrays = ", ".join(f"%s::{kind}[]" for kind in types)
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT stream_id, to_timestamp(start), {', '.join(FIELDS)} FROM unnest({arrays}) "
            f"AS batch (stream_id, start, {', '.join(FIELDS)}) {upsert}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [_array_literal(column) for column in zip(*rows, strict=True)])
        return
    start_sql = epoch_sql()
    if start_sql is None:
        adapt = time_adapter()
        start_sql, rows = "%s", [(row[0], adapt(_dt(row[1])), *row[2:]) for row in rows]
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES (%s, {start_sql}, {', '.join(['%s'] * len(FIELDS))}) {upsert}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def refresh(touched: dict[int, tuple[datetime.datetime, datetime.datetime]]) -> None:
    """Recompute the hourly and daily rollups of the periods each stream's new readings fall in."""
    # Streams touched over the same span (a scheduled pull: every stream, the same ten minutes) are read in
    # one query; the daily span covers the hourly one, so one read serves both.
    spans: dict[tuple[int, int], list[int]] = {}
    for stream_id, (first, last) in touched.items():
        start = int(day_floor(np.int64(_epoch(first))))
        end = int(day_floor(np.int64(_epoch(last)))) + DAY
        spans.setdefault((start, end), []).append(stream_id)
    for (start, end), stream_ids in spans.items():
        ids, epochs, values, flags = read_columns(stream_ids, _dt(start), _dt(end))
        if not len(ids):
            continue
        # Hourly rows are recomputed for the hours each stream's new readings fall in, not the whole day.
        order = sorted(stream_ids)
        first_hour = np.array([_epoch(touched[pk][0]) // HOUR * HOUR for pk in order], dtype=np.int64)
        last_hour = np.array([_epoch(touched[pk][1]) // HOUR * HOUR for pk in order], dtype=np.int64)
        position = np.searchsorted(np.array(order, dtype=np.int64), ids)
        hours = hour_floor(epochs)
        hourly_mask = (hours >= first_hour[position]) & (hours <= last_hour[position])
        write(
            summarise(ids[hourly_mask], epochs[hourly_mask], values[hourly_mask], flags[hourly_mask], bucket="hour"),
            bucket="hour",
        )
        write(summarise(ids, epochs, values, flags, bucket="day"), bucket="day")
