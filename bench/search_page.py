#!/usr/bin/env python
"""bench/search_page: the /search/ page beside `search_proposals()` on a database bench/search.py kept.

Alternates the two, request for request, so a busy machine slows both alike, and prints each one's p50 and p95 and
the ratio of the p50s (issue 16: the page within 1.5x of the call; each size's p50 within 1.5x of the smallest's).
With --first-visit nothing is kept between requests (a new query each time, as far as the caches can tell).

    .venv/bin/python bench/search_page.py ll_bench_search_1a2b3c4d [--query 가로등] [--repeat 60]

The database is only read (and migrated if it needs to be); it is never dropped.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", help="a database bench/search.py --keep left (ll_bench_search_...)")
    parser.add_argument("--query", default="가로등")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument(
        "--first-visit", action="store_true", help="nothing cached: results move to a new generation before each"
    )
    args = parser.parse_args()
    if not args.database.startswith("ll_bench_search_"):
        raise SystemExit("only a database bench/search.py created (ll_bench_search_...)")
    admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "livinglab.settings.test",
            "DATABASE_URL": f"{admin_url}/{args.database}",
            "REDIS_URL": "",
            "ELASTICSEARCH_URL": "",
        }
    )
    import django

    django.setup()
    from django.test import Client

    from proposals.models import Proposal
    from search.backends.database import forget_cached_results
    from search.interface import search_proposals

    client = Client()
    path = f"/search/?q={quote(args.query)}"

    def page():
        assert client.get(path).status_code == 200

    def call():
        search_proposals(args.query)

    timings = {page: [], call: []}
    for _ in range(3):
        page(), call()
    load = os.getloadavg()[0]
    for _ in range(args.repeat):
        for function in (page, call):
            if args.first_visit:
                forget_cached_results()  # what the call and the page's results section are kept under
            started = time.perf_counter()
            function()
            timings[function].append((time.perf_counter() - started) * 1000)
    load = (load + os.getloadavg()[0]) / 2
    figures = {}
    for function, name in ((page, "page"), (call, "search_proposals()")):
        values = sorted(timings[function])
        figures[name] = (statistics.median(values), statistics.quantiles(values, n=20)[-1])
    (page_p50, page_p95), (call_p50, call_p95) = figures["page"], figures["search_proposals()"]
    print(
        f"| {Proposal.objects.count():,} | {page_p50:.1f} | {page_p95:.1f} | {call_p50:.1f} | {call_p95:.1f} "
        f"| {page_p50 / call_p50:.2f} | {load:.1f} |"
    )


if __name__ == "__main__":
    main()
