#!/usr/bin/env python
"""bench/sensors: readings pulled from a SensorThings server (INSERT against COPY), a scheduled 10-minute pull
of every sensor with its rollup refresh, a pilot page's p95 and the comparison time.

Creates its own PostgreSQL database (a fresh name each run; refuses one that exists), migrates it, and
measures through the real pull path, ``sensors.pulls.pull_source``: HTTP requests with ``$filter``/``$top``
and ``@iot.nextLink`` paging, JSON decoding, then ``sensors.ingest.ingest`` (parsing, unit checks, quality
flags, the dedup query against stored rows, storage, the hourly and daily rollup refresh) and one
announcement per pull (metrics, data version, live push).

The loopback SensorThings server of the test suite (``tests/sensors/sensorthings_server.py``) serves the
readings, generated page by page (``sensors.generate.pm25_series``, 10-minute PM2.5) so a year of 600
sensors is never held in memory; it runs in a child process, so its JSON encoding does not share this
process's interpreter lock. Steps:

1. pull: ``--streams`` sensors × ``--days`` days of 10-minute readings, the first half of the streams at one
   source stored with plain INSERTs (one prepared ``INSERT … ON CONFLICT DO NOTHING`` run for every row,
   ``executemany``), the second half at another source with COPY into a staging table and one
   ``INSERT … SELECT … ON CONFLICT DO NOTHING``, one after the other in the same run;
2. a scheduled pull ten minutes later: one new reading for every stream, the whole pull and the rollup
   refresh inside it;
3. a pilot page with 24 sites and ``--year-days`` of 10-minute data: the comparison uncached, then p50/p95
   of ``--repeat`` requests (the test client, whole middleware stack) with the query count.

Drops the database it created at the end, and only that one.

    .venv/bin/python bench/sensors.py                            # quick: 600 sensors × 3 days
    .venv/bin/python bench/sensors.py --streams 600 --days 365   # the district: 31.5 million readings

BENCH_POSTGRES_URL overrides the server (without a database name).
"""

import argparse
import datetime
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.owned_database import owned_database  # noqa: E402 - after the path is set

STEP = 600  # seconds between readings
PER_DAY = 86400 // STEP
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def serve(streams: int, readings, address, ready) -> None:
    """The child process: the loopback SensorThings server with Datastreams 1..streams, each serving the
    first ``readings.value`` readings of its generated series."""
    from sensors.generate import pm25_series
    from tests.sensors.sensorthings_server import SensorThingsServer

    cache: dict = {}

    def series(ds_id: int):
        key = (ds_id, readings.value)
        if key not in cache:
            if len(cache) > 8:
                cache.clear()
            cache[key] = pm25_series(START, readings.value, step_seconds=STEP, seed=ds_id)
        return cache[key]

    server = SensorThingsServer()
    server.state.series = series
    server.state.max_top = 10_000
    for ds_id in range(1, streams + 1):
        server.state.add_datastream(ds_id)
    address.value = server.httpd.server_address[1]
    with server:
        ready.set()
        server.thread.join()


class Timer:
    """Wraps a module's function to add up the time spent in it (the real function still runs)."""

    def __init__(self, module, name):
        self.module, self.name, self.original = module, name, getattr(module, name)
        self.seconds, self.calls = 0.0, 0
        setattr(module, name, self)

    def __call__(self, *args, **kwargs):
        began = time.perf_counter()
        try:
            return self.original(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - began
            self.calls += 1

    def reset(self):
        self.seconds, self.calls = 0.0, 0


def run(args, server_url: str, readings) -> None:
    import django

    django.setup()
    # Imported after django.setup(): the models need the app registry, and the settings are chosen by main().
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from home import demo as home_demo
    from pilots.models import PilotIndexPage, PilotPage
    from proposals.models import Area, Category
    from sensors import pulls, rollups
    from sensors.evidence import evidence
    from sensors.generate import pm25_series
    from sensors.ingest import ingest
    from sensors.models import DataStream, PilotEvidence, Reading, SensorSite, SiteRole, Source

    home = home_demo.build_pages()
    home_demo.build_areas()
    home_demo.build_categories()
    area, category = Area.objects.filter(parent__isnull=False).first(), Category.objects.first()
    index = PilotIndexPage(title="Pilots", slug="pilots")
    home.add_child(instance=index)
    index.save_revision().publish()

    def make_pilot(slug):
        page = PilotPage(title=slug, slug=slug, summary="Bench pilot.", area=area, category=category)
        index.add_child(instance=page)
        page.save_revision().publish()
        return page

    def make_streams(pilot, count, prefix, sources=()):
        streams = []
        for n in range(count):
            site = SensorSite.objects.create(
                pilot=pilot,
                code=f"{prefix}-{n}",
                name=f"{prefix} {n}",
                latitude=37.5 + n / 1000,
                longitude=126.9,
                role=SiteRole.PILOT if n % 2 == 0 else SiteRole.CONTROL,
            )
            source = sources[n * len(sources) // count] if sources else None
            streams.append(
                DataStream.objects.create(site=site, observed_property="pm25", source=source, external_id=str(n + 1))
            )
        return streams

    def make_source(name):
        return Source.objects.create(name=name, url=server_url, timeout_seconds=60, page_size=args.page_size)

    print(f"PostgreSQL {connection.pg_version}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    ingest_timer = Timer(pulls, "ingest")
    refresh_timer = Timer(rollups, "refresh")

    # 1. The backlog of --days, pulled: half the streams with INSERT, half with COPY.
    by_insert, by_copy = make_source("insert"), make_source("copy")
    district = make_pilot("district")
    streams = make_streams(district, args.streams, "s", sources=(by_insert, by_copy))
    readings.value = args.days * PER_DAY
    for method, source in (("insert", by_insert), ("copy", by_copy)):
        ingest_timer.reset()
        refresh_timer.reset()
        began = time.perf_counter()
        log = pulls.pull_source(source, method=method)
        elapsed = time.perf_counter() - began
        assert log.status == "ok", log.error
        print(
            f"pull, {method:6}: {log.stored:>11,} readings in {elapsed:7.1f} s = {log.stored / elapsed:>8,.0f} "
            f"readings/s; of which ingest {ingest_timer.seconds:.1f} s in {ingest_timer.calls} batches "
            f"(rollup refresh {refresh_timer.seconds:.1f} s), HTTP and JSON the rest"
        )

    # 2. Ten minutes later: one new reading for every stream, pulled from one source.
    scheduled = make_source("scheduled")
    DataStream.objects.filter(pk__in=[s.pk for s in streams]).update(source=scheduled)
    readings.value += 1
    ingest_timer.reset()
    refresh_timer.reset()
    began = time.perf_counter()
    log = pulls.pull_source(scheduled)
    whole = time.perf_counter() - began
    assert (log.status, log.stored) == ("ok", len(streams)), (log.status, log.stored, log.error)
    print(
        f"10-minute pull of {len(streams)} sensors: {whole * 1000:.0f} ms in all ({len(streams) + 1} requests); "
        f"ingest {ingest_timer.seconds * 1000:.0f} ms, of which rollup refresh {refresh_timer.seconds * 1000:.0f} ms"
    )
    print(f"readings stored: {Reading.objects.count():,}")

    # 3. A pilot page with 24 sites and --year-days of data (stored directly: setup, not measured).

    page = make_pilot("page")
    page_streams = make_streams(page, 24, "p")
    t = time.perf_counter()
    stored = 0
    for s in page_streams:
        epochs, values = pm25_series(START, args.year_days * PER_DAY, step_seconds=STEP, seed=1000 + s.pk)
        items = [
            (datetime.datetime.fromtimestamp(e, datetime.UTC), v, None)
            for e, v in zip(epochs.tolist(), values.tolist(), strict=True)
        ]
        stored += ingest([(s, items)], now=START + datetime.timedelta(days=800)).stored
    print(f"pilot page data: {stored:,} readings for 24 sites in {time.perf_counter() - t:.1f} s")
    PilotEvidence.objects.create(
        pilot=page, pilot_start=(START + datetime.timedelta(days=args.year_days // 2)).date(), baseline_days=90
    )

    cold = []
    for _ in range(5):
        cache.clear()
        t = time.perf_counter()
        evidence(page.pk)
        cold.append(time.perf_counter() - t)
    print(
        "comparison (rollups read, daily means, 2 x 2000 bootstrap), uncached: "
        f"median {statistics.median(cold) * 1000:.0f} ms"
    )
    client = Client(HTTP_HOST="localhost")
    url = page.url
    client.get(url)

    times = []
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as queries:
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
        assert response.status_code == 200
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(
        f"pilot page (24 sites, {args.year_days} days): p50 {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, {len(queries.captured_queries)} queries"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=600, help="sensors pulled (the district has 600)")
    parser.add_argument("--days", type=int, default=3, help="days of 10-minute readings each (a year: 365)")
    parser.add_argument("--page-size", type=int, default=1000, help="the sources' $top (SensorThings page size)")
    parser.add_argument("--year-days", type=int, default=365, help="days of data behind the pilot page")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if args.streams < 2:
        parser.error("--streams must be at least 2 (half are stored with INSERT, half with COPY)")

    # The server starts before Django (and any database connection) exists in this process.
    context = multiprocessing.get_context("fork")
    readings, port, ready = context.Value("q", 0), context.Value("i", 0), context.Event()
    server = context.Process(target=serve, args=(args.streams, readings, port, ready), daemon=True)
    server.start()
    if not ready.wait(60):
        server.terminate()
        raise SystemExit("the SensorThings server did not start")
    server_url = f"http://127.0.0.1:{port.value}/v1.1"

    try:
        with owned_database("ll_bench_sensors") as database:
            os.environ["DATABASE_URL"] = database.url
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livinglab.settings.dev")
            run(args, server_url, readings)
    finally:
        server.terminate()
        server.join(10)


if __name__ == "__main__":
    main()
