#!/usr/bin/env python
"""bench/sensors: ingest rate (INSERT against COPY), incremental rollup refresh, pilot page p95, comparison time.

Creates its own PostgreSQL database (a fresh name each run; refuses one that exists), migrates it, and measures
through the real path (``sensors.ingest.ingest``: checks, flags, dedup against stored rows, storage, rollups):

1. ingest: ``--streams`` streams × ``--days`` days of 10-minute readings, half the streams loaded with plain
   INSERTs (bulk_create … ON CONFLICT DO NOTHING) and half with COPY into a staging table, side by side;
2. a 10-minute pull of 600 sensors (one reading each): the whole ingest and the rollup refresh in it;
3. a pilot page with 24 sites and ``--year-days`` of 10-minute data: p50/p95 of ``--repeat`` requests (the
   test client, whole middleware stack) with the query count, cold and warm comparisons.

Drops the database it created at the end, and only that one.

    .venv/bin/python bench/sensors.py
    .venv/bin/python bench/sensors.py --streams 600 --days 7 --year-days 365 --repeat 30

BENCH_POSTGRES_URL overrides the server (without a database name).
"""

import argparse
import datetime
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def create_postgres(admin_url: str) -> str:

    name = f"ll_bench_sensors_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url + "/postgres", autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            raise SystemExit(f"database {name} exists; not touching it")
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_postgres(admin_url: str, name: str) -> None:

    with psycopg.connect(admin_url + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def readings(start, count, seed):
    from sensors.generate import pm25_series

    epochs, values = pm25_series(start, count, step_seconds=600, seed=seed)
    return [
        (datetime.datetime.fromtimestamp(int(e), datetime.UTC), v, None)
        for e, v in zip(epochs, values.tolist(), strict=True)
    ]


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    from home import demo as home_demo
    from pilots.models import PilotIndexPage, PilotPage
    from sensors import rollups
    from sensors.ingest import ingest
    from sensors.models import DataStream, PilotEvidence, SensorSite, SiteRole

    home = home_demo.build_pages()
    home_demo.build_areas()
    home_demo.build_categories()
    from proposals.models import Area, Category

    area, category = Area.objects.filter(parent__isnull=False).first(), Category.objects.first()
    index = PilotIndexPage(title="Pilots", slug="pilots")
    home.add_child(instance=index)
    index.save_revision().publish()

    def make_pilot(slug):
        page = PilotPage(title=slug, slug=slug, summary="Bench pilot.", area=area, category=category)
        index.add_child(instance=page)
        page.save_revision().publish()
        return page

    def make_streams(pilot, count, prefix):
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
            streams.append(DataStream.objects.create(site=site, observed_property="pm25"))
        return streams

    print(f"PostgreSQL {connection.pg_version}, {os.cpu_count()} cores")
    district = make_pilot("district")
    streams = make_streams(district, args.streams, "s")
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    per_stream = args.days * 144
    half = len(streams) // 2
    for method, group in (("insert", streams[:half]), ("copy", streams[half:])):
        total, elapsed = 0, 0.0
        for i in range(0, len(group), 50):
            batch = [(s, readings(start, per_stream, s.pk)) for s in group[i : i + 50]]
            t = time.perf_counter()
            result = ingest(batch, method=method, now=start + datetime.timedelta(days=400))
            elapsed += time.perf_counter() - t
            total += result.stored
        print(
            f"ingest {method:6}: {total:>9,} readings in {elapsed:6.1f} s = {total / elapsed:>8,.0f} readings/s "
            "(checks, flags, dedup, store, hourly+daily rollups)"
        )

    # A scheduled pull: one new reading for each of the streams, ten minutes after the last.
    moment = start + datetime.timedelta(days=args.days)
    batch = [(s, [(moment, 20.0, None)]) for s in streams]
    t = time.perf_counter()
    ingest(batch, now=moment + datetime.timedelta(minutes=5))
    whole = time.perf_counter() - t
    touched = {s.pk: (moment, moment + datetime.timedelta(minutes=10)) for s in streams}
    t = time.perf_counter()
    rollups.refresh(touched)
    refresh = time.perf_counter() - t
    print(
        f"10-minute pull of {len(streams)} sensors: ingest {whole * 1000:.0f} ms, of which rollup refresh "
        f"(alone, again) {refresh * 1000:.0f} ms"
    )

    page = make_pilot("page")
    page_streams = make_streams(page, 24, "p")
    year = args.year_days * 144
    t = time.perf_counter()
    stored = 0
    for s in page_streams:
        stored += ingest([(s, readings(start, year, 1000 + s.pk))], now=start + datetime.timedelta(days=800)).stored
    print(f"pilot page data: {stored:,} readings for 24 sites in {time.perf_counter() - t:.1f} s")
    PilotEvidence.objects.create(
        pilot=page, pilot_start=(start + datetime.timedelta(days=args.year_days // 2)).date(), baseline_days=90
    )
    from django.core.cache import cache

    from sensors.evidence import evidence

    cold = []
    for _ in range(5):
        cache.clear()
        t = time.perf_counter()
        evidence(page.pk)
        cold.append(time.perf_counter() - t)
    print(
        f"comparison (rollups read, daily means, 2 x 2000 bootstrap), uncached: median {statistics.median(cold) * 1000:.0f} ms"
    )
    client = Client(HTTP_HOST="localhost")
    url = page.url
    client.get(url)
    from django.test.utils import CaptureQueriesContext

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
    parser.add_argument("--streams", type=int, default=600)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--year-days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    name = create_postgres(admin_url)
    os.environ["DATABASE_URL"] = f"{admin_url}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livinglab.settings.dev")
    try:
        run(args)
    finally:
        drop_postgres(admin_url, name)


if __name__ == "__main__":
    main()
