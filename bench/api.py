#!/usr/bin/env python
"""bench/api: the public API's proposal pages and the proposals CSV build with 100,000 proposals.

Creates its own database (PostgreSQL by default, a fresh name each run; refuses to touch one that exists),
fills it with the same generator as bench/search, measures in-process (Django's test client, the whole
middleware stack) p50/p95 of a 100-proposal page for several orderings, filters and a deep cursor, with the
number of queries each took, then builds the full proposals CSV and reports rows/s and the peak Python
memory the build allocated. Drops the database it created at the end, and only that one.

    .venv/bin/python bench/api.py                         # PostgreSQL on 127.0.0.1:5432 as postgres
    .venv/bin/python bench/api.py --engine sqlite          # a temporary SQLite file
    .venv/bin/python bench/api.py --proposals 20000 --repeat 30
    .venv/bin/python bench/api.py --only csv                # the proposals CSV build alone
    .venv/bin/python bench/api.py --only pages --without-index proposal_api_point_newest   # with, then without

``--without-index NAME`` measures the pages twice on the same data: with every index, then after dropping
``NAME`` (and analysing again), so an index is judged before and after in the same minutes.

BENCH_POSTGRES_URL overrides the server (without a database name).
"""

import argparse
import contextlib
import importlib.util
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.owned_database import owned_database  # noqa: E402 - after the path is set


def load_generator():
    """bench/search's proposal generator (its module name would shadow the ``search`` app, hence by path)."""
    spec = importlib.util.spec_from_file_location("bench_search_generator", ROOT / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(function, repeat: int) -> tuple[float, float, int, float]:
    """p50 and p95 wall-clock ms, the query count (-1 if it varied), and p50 ms of this process's CPU time.

    The CPU column is what the request costs the web process whatever else the machine runs: on a shared
    machine the wall clock also counts the time the process waited for a core (and SQL runs in PostgreSQL's own
    process, so it is not in it).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        function()
    timings, cpu, queries = [], [], set()
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started, cpu_started = time.perf_counter(), time.process_time()
            function()
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        queries.add(len(captured))
    p95 = statistics.quantiles(sorted(timings), n=20)[-1]
    return statistics.median(timings), p95, max(queries) if len(queries) == 1 else -1, statistics.median(cpu)


BOUNDING_BOX = "127.00,37.52,127.06,37.58"


def page_cases(client):
    def get(query):
        def call():
            response = client.get("/api/v1/proposals/", query)
            assert response.status_code == 200, response.content[:300]
            return response

        return call

    deep = {"page_size": 100}
    for _ in range(50):  # follow up to 50 pages: the cursor of page 51
        cursor = client.get("/api/v1/proposals/", deep).json()["next_cursor"]
        if not cursor:
            break
        deep["cursor"] = cursor
    return [
        ("newest first", get({"page_size": 100})),
        ("most votes", get({"page_size": 100, "ordering": "-vote_count"})),
        (
            "district + category + status",
            get({"page_size": 100, "area": "seongdong-gu", "category": "safety", "status": "published"}),
        ),
        ("bounding box", get({"page_size": 100, "bbox": BOUNDING_BOX})),
        ("page 51 by cursor", get(deep)),
        ("GeoJSON, newest first", lambda: client.get("/api/v1/proposals/geojson/", {"page_size": 100})),
    ]


def measure_pages(client, args) -> list[tuple[str, float, float, int, float]]:
    rows = []
    for label, function in page_cases(client):
        p50, p95, queries, cpu = timed(function, args.repeat)
        rows.append((label, p50, p95, queries, cpu))
        print(f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {queries} queries, CPU p50 {cpu:.1f} ms", file=sys.stderr)
    return rows


def explain_bounding_box(client) -> None:
    """The plan of the bounding-box page's proposal query, with its execution time, on stderr."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get("/api/v1/proposals/", {"page_size": 100, "bbox": BOUNDING_BOX})
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured[0]["sql"])
        print("\n".join(line for (line,) in cursor.fetchall()), file=sys.stderr)


def csv_build() -> tuple[int, float, float, int, int]:
    """Rows, rows/s (wall clock), rows per second of this process's CPU time, peak memory, bytes."""
    from django.utils import timezone

    from opendata.build import build_file, state_of
    from opendata.datasets import PROPOSALS

    state = state_of(PROPOSALS)
    started, cpu_started = time.perf_counter(), time.process_time()
    record = build_file(PROPOSALS, "csv", state=state, built_at=timezone.now())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    tracemalloc.start()
    build_file(PROPOSALS, "csv", state=state, built_at=timezone.now())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return record.rows, record.rows / elapsed, record.rows / cpu, peak, record.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--engine", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--only", choices=["pages", "csv"], help="Measure only the API pages or only the CSV build.")
    parser.add_argument(
        "--without-index", metavar="NAME", help="Measure the pages again after dropping this index (PostgreSQL)."
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    database = owned_database("ll_bench_api") if args.engine == "postgres" else contextlib.nullcontext()
    try:
        with database as owned:
            os.environ.update(
                DJANGO_SETTINGS_MODULE="livinglab.settings.test",
                DATABASE_URL=owned.url if owned else f"sqlite:///{workdir / 'bench.sqlite3'}",
                REDIS_URL="",
                ELASTICSEARCH_URL="",
                API_RATE_LIMIT="100000000/m",
                OPENDATA_ROOT=str(workdir / "opendata"),
            )
            run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args, workdir: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_generator().populate(args.proposals)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # every table: the area join misestimated without it
    print(f"set up {args.proposals} proposals in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    client = Client()
    rows = measure_pages(client, args) if args.only != "csv" else []
    if rows and args.without_index:
        explain_bounding_box(client)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP INDEX "{args.without_index}"')
            cursor.execute("ANALYZE proposals_proposal")
        print(f"dropped {args.without_index}", file=sys.stderr)
        without = {row[0]: row[1:3] for row in measure_pages(client, args)}
        explain_bounding_box(client)

    engine = connection.vendor
    if engine == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            engine += " " + cursor.fetchone()[0]
    print(f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, {engine}")
    print(f"Proposals: {args.proposals:,}; {args.repeat} timed requests per case after 3 warm-ups.\n")
    if rows and args.without_index:
        print(f"| page of 100 proposals | p50 (ms) | p95 (ms) | without {args.without_index}: p50 | p95 | queries |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, p50, p95, queries, _cpu in rows:
            print(
                f"| {label} | {p50:.1f} | {p95:.1f} | {without[label][0]:.1f} | {without[label][1]:.1f} | {queries} |"
            )
    elif rows:
        print("| page of 100 proposals | p50 (ms) | p95 (ms) | CPU p50 (ms) | queries |")
        print("|---|---:|---:|---:|---:|")
        for label, p50, p95, queries, cpu in rows:
            print(f"| {label} | {p50:.1f} | {p95:.1f} | {cpu:.1f} | {queries} |")
    print(f"\nLoad average at the end: {' '.join(f'{value:.1f}' for value in os.getloadavg())}")
    if args.only == "pages":
        return
    csv_rows, rate, cpu_rate, peak, size = csv_build()
    print(
        f"\nProposals CSV: {csv_rows:,} public rows, {size / 1e6:.1f} MB, built at {rate:,.0f} rows/s "
        f"({cpu_rate:,.0f} rows per CPU-second of the Python process); "
        f"peak Python memory allocated during the build {peak / 1e6:.1f} MB."
    )


if __name__ == "__main__":
    main()
