#!/usr/bin/env python
"""bench/search_analysis: the cost of Korean analysis (search.analysis, Kiwi) in the write and read paths.

Prints the analyser's load time (once per process), indexing throughput (proposals analysed per second, title
and description, in batches as `search_index --analyse` does and one at a time as the write path does), and the
time to analyse a query. Texts are the demo proposals' (proposals.demo), repeated.

    .venv/bin/python bench/search_analysis.py [--proposals 2000]
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def texts(count: int) -> list[tuple[str, str]]:
    from proposals.demo import PLACES, TEXTS

    pairs = [
        (problem[f"title_{lang}"].format(place=place), problem[f"text_{lang}"].format(place=place))
        for problem in TEXTS["problems"]
        for places in PLACES.values()
        for place_ko, place_en in places
        for lang, place in (("ko", place_ko), ("en", place_en))
    ]
    return (pairs * (count // len(pairs) + 1))[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livinglab.settings.test")
    import django

    django.setup()
    from search import analysis

    started = time.perf_counter()
    analysis._kiwi()
    load = time.perf_counter() - started
    pairs = texts(args.proposals)

    started = time.perf_counter()
    analysis.analyse_many([title for title, _ in pairs])
    analysis.analyse_many([text for _, text in pairs])
    batch = len(pairs) / (time.perf_counter() - started)

    single = pairs[: max(1, len(pairs) // 10)]
    started = time.perf_counter()
    for title, text in single:
        analysis.analyse_many([title])
        analysis.analyse_many([text])
    one_by_one = len(single) / (time.perf_counter() - started)

    timings = []
    for query in ["사거리에서", "가로등을", "LED가로등", "무너질 것 같아요", "버스 정류장", "kiosk"] * 20:
        analysis._word_tokens.cache_clear()
        started = time.perf_counter()
        analysis.query_token_groups(query.split())
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"analyser load (once per process): {load:.2f} s")
    print(f"indexing throughput, batches: {batch:.0f} proposals/s ({len(pairs)} proposals)")
    print(f"indexing throughput, one at a time (write path): {one_by_one:.0f} proposals/s")
    print(f"query analysis: p50 {statistics.median(timings):.2f} ms, p95 {timings[int(len(timings) * 0.95)]:.2f} ms")


if __name__ == "__main__":
    main()
