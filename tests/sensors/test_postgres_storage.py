"""PostgreSQL storage: monthly partitions made as data arrive, the BRIN index on time, and COPY and INSERT
storing the very same rows, each of them once."""

import datetime

import pytest
from django.db import connection

from sensors import storage
from sensors.ingest import ingest
from sensors.models import Reading

from .conftest import utc

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "WHERE pg_inherits.inhparent = 'sensors_reading'::regclass"
        )
        return {name for (name,) in cursor.fetchall()}


def _partition_of(stream_id: int, moment: datetime.datetime) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM sensors_reading WHERE stream_id = %s AND time = %s",
            [stream_id, moment],
        )
        return cursor.fetchone()[0]


def test_a_reading_in_a_new_month_creates_its_partition_and_lands_in_it(make_stream):
    stream = make_stream()
    assert "sensors_reading_203107" not in _partitions()
    ingest([(stream, [(utc(2031, 7, 31, 14, 59), 10.0, None)])], now=utc(2031, 8, 1))
    assert "sensors_reading_203107" in _partitions()
    assert _partition_of(stream.pk, utc(2031, 7, 31, 14, 59)) == "sensors_reading_203107"


def test_the_next_reading_in_that_month_uses_the_same_partition(make_stream):
    stream = make_stream()
    ingest([(stream, [(utc(2031, 7, 1), 10.0, None)])], now=utc(2031, 8, 1))
    before = _partitions()
    ingest([(stream, [(utc(2031, 7, 31, 23, 59), 11.0, None)])], now=utc(2031, 8, 1))
    assert _partitions() == before
    assert _partition_of(stream.pk, utc(2031, 7, 31, 23, 59)) == "sensors_reading_203107"


def test_months_are_utc_months_and_a_batch_across_them_makes_each(make_stream):
    stream = make_stream()
    # 1 September 00:30 in Seoul is still 31 August in UTC: August's partition.
    seoul_midnight = datetime.datetime(2031, 9, 1, 0, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
    ingest([(stream, [(seoul_midnight, 1.0, None), (utc(2031, 11, 2), 2.0, None)])], now=utc(2032, 1, 1))
    assert {"sensors_reading_203108", "sensors_reading_203109", "sensors_reading_203110", "sensors_reading_203111"} <= (
        _partitions()
    )
    assert _partition_of(stream.pk, seoul_midnight) == "sensors_reading_203108"


def test_readings_have_a_brin_index_on_time_inherited_by_each_partition(make_stream):
    ingest([(make_stream(), [(utc(2031, 7, 1), 10.0, None)])], now=utc(2031, 8, 1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef ILIKE '%%USING brin (%%'")
        brin = dict(cursor.fetchall())
    assert 'USING brin ("time")' in brin["sensors_reading"] or "USING brin (time)" in brin["sensors_reading"]
    assert "sensors_reading_203107" in brin
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'sensors_reading'")
        assert cursor.fetchone()[0] == "p"  # a partitioned table


BATCH_TIMES = [
    utc(2031, 7, 1, 0, 0),
    utc(2031, 7, 1, 0, 10),
    datetime.datetime(2031, 7, 1, 9, 20, 0, 500000, tzinfo=datetime.timezone(datetime.timedelta(hours=9))),
    utc(2031, 8, 1, 0, 0),
]


def _rows(stream_id: int) -> list[tuple]:
    return [(stream_id, moment, 10.0 + n / 3, n % 2) for n, moment in enumerate(BATCH_TIMES)]


def _stored(stream_id: int) -> list[tuple]:
    return list(Reading.objects.filter(stream_id=stream_id).order_by("time").values_list("time", "value", "flags"))


def test_copy_and_insert_store_identical_rows(make_stream):
    by_copy, by_insert = make_stream("c"), make_stream("i")
    assert storage.store_rows(_rows(by_copy.pk), method=storage.COPY) == 4
    assert storage.store_rows(_rows(by_insert.pk), method=storage.INSERT) == 4
    assert _stored(by_copy.pk) == _stored(by_insert.pk)
    assert _stored(by_copy.pk)[2][0] == utc(2031, 7, 1, 0, 20, 0, 500000)  # to the microsecond, in UTC


@pytest.mark.parametrize("method", [storage.COPY, storage.INSERT])
def test_a_repeated_batch_stores_nothing_twice(make_stream, method):
    stream = make_stream()
    storage.store_rows(_rows(stream.pk), method=method)
    assert storage.store_rows(_rows(stream.pk), method=method) == 0
    assert Reading.objects.filter(stream=stream).count() == 4


@pytest.mark.parametrize("method", [storage.COPY, storage.INSERT])
def test_a_batch_half_stored_already_writes_only_the_new_half(make_stream, method):
    stream = make_stream()
    storage.store_rows(_rows(stream.pk)[:2], method=method)
    assert storage.store_rows(_rows(stream.pk), method=method) == 2
    assert Reading.objects.filter(stream=stream).count() == 4


@pytest.mark.parametrize("method", [storage.COPY, storage.INSERT])
def test_the_ingest_path_counts_duplicates_with_either_method(make_stream, method):
    stream = make_stream()
    items = [(moment, 10.0 + n, None) for n, moment in enumerate(BATCH_TIMES)]
    first = ingest([(stream, items)], now=utc(2032, 1, 1), method=method)
    again = ingest([(stream, items)], now=utc(2032, 1, 1), method=method)
    assert (first.stored, again.stored, again.duplicates) == (4, 0, 4)
    stream.refresh_from_db()
    assert stream.reading_count == 4 and Reading.objects.filter(stream=stream).count() == 4
