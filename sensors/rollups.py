"""Hourly and daily rollups: count, mean, min, max and the 10th/50th/90th percentiles per stream and period.

Refreshed for exactly the periods a pull touched, from the raw rows of those periods; pages read rollups only.
Days are Seoul days. The arithmetic is vectorised with numpy so a year of demo data rolls up in seconds.
"""

import datetime

import numpy as np
from django.db import connection

from .models import DailyRollup, HourlyRollup, Reading
from .storage import adapt_time

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


def summarise(stream_ids, epochs, values, flags, *, bucket: str) -> list[dict]:
    """Rollup rows for the readings given as arrays; ``bucket`` is "hour" or "day"."""
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
    rows = {
        "stream": s[group_starts],
        "start": t[group_starts],
        "count": counts,
        "mean_all": sums_all / counts,
    }
    # Clean readings only: the same groups, over the values with no flag (sorted order is kept).
    cv, cg = v[clean], group_of[clean]
    clean_counts = np.bincount(cg, minlength=len(group_starts))
    rows["clean_count"] = clean_counts
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
    rows.update(stats)
    out = []
    for i in range(len(group_starts)):
        row = {"stream_id": int(rows["stream"][i]), "start": _dt(rows["start"][i])}
        for name in FIELDS:
            value = rows[name][i]
            if name in ("count", "clean_count"):
                row[name] = int(value)
            else:
                row[name] = None if np.isnan(value) else round(float(value), 4)
        out.append(row)
    return out


def write(rows: list[dict], *, bucket: str) -> None:
    """Insert or replace the rollup rows (one statement per row, run as a batch)."""
    if not rows:
        return
    table = (HourlyRollup if bucket == "hour" else DailyRollup)._meta.db_table
    columns = ["stream_id", "start", *FIELDS]
    # Table and column names come from the model, never from input; values are parameters.
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "  # noqa: S608
        f"ON CONFLICT (stream_id, start) DO UPDATE SET " + ", ".join(f"{name} = excluded.{name}" for name in FIELDS)
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [(row["stream_id"], adapt_time(row["start"]), *(row[name] for name in FIELDS)) for row in rows]
        )


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
        rows = list(
            Reading.objects.filter(stream_id__in=stream_ids, time__gte=_dt(start), time__lt=_dt(end))
            .order_by()
            .values_list("stream_id", "time", "value", "flags")
        )
        if not rows:
            continue
        ids, times, values, flags = zip(*rows, strict=True)
        epochs = np.fromiter((_epoch(t) for t in times), dtype=np.int64, count=len(times))
        hours = np.asarray(hour_floor(epochs))
        hourly_mask = np.zeros(len(rows), dtype=bool)
        ids_arr = np.asarray(ids, dtype=np.int64)
        for stream_id in stream_ids:
            first, last = touched[stream_id]
            hourly_mask |= (
                (ids_arr == stream_id)
                & (hours >= _epoch(first) - _epoch(first) % HOUR)
                & (hours <= _epoch(last) - _epoch(last) % HOUR)
            )
        write(
            summarise(
                ids_arr[hourly_mask],
                epochs[hourly_mask],
                np.asarray(values)[hourly_mask],
                np.asarray(flags)[hourly_mask],
                bucket="hour",
            ),
            bucket="hour",
        )
        write(summarise(ids_arr, epochs, values, flags, bucket="day"), bucket="day")
