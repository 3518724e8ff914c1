#!/usr/bin/env python
"""bench/search_indexing: CPU time per document of bulk indexing, in this process, on PostgreSQL.

Two paths, each timed with this process's CPU time (``time.process_time``: the figure we control, steady on a
busy machine):

- ``manage.py search_index --rebuild`` against the loopback Elasticsearch stand-in of ``tests/search`` (run in a
  child process, so its CPU is not counted): read public proposals, build each bulk action, serialise, send;
- ``manage.py search_index --analyse``: the database backend's Korean analysis (Kiwi) of every proposal.

It creates its own database (``<prefix>_<random>``, refusing one that exists), migrates it, bulk-creates
proposals with bench/search.py's generator, and drops that database at the end, and only that one.

    .venv/bin/python bench/search_indexing.py --proposals 10000 [--profile /tmp/rebuild.prof] [--skip-analyse]
"""

import argparse
import cProfile
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.owned_database import owned_database  # noqa: E402 - after the path is set

LOOPBACK = (
    "import time; from tests.search.loopback_elasticsearch import LoopbackElasticsearch as L; s = L().__enter__(); "
    "print(s.url, flush=True); time.sleep(10**6)"
)


def bench_search_module():
    spec = importlib.util.spec_from_file_location("bench_search", Path(__file__).with_name("search.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cpu(function, profile: str | None = None) -> float:
    profiler = cProfile.Profile() if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    function()
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--prefix", default="ll_bench_indexing", help="database name prefix (a suffix is added)")
    parser.add_argument("--profile", help="write a cProfile of the rebuild here")
    parser.add_argument("--profile-analyse", help="write a cProfile of the analysis here")
    parser.add_argument("--skip-analyse", action="store_true")
    args = parser.parse_args()
    stand_in = subprocess.Popen([sys.executable, "-c", LOOPBACK], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        with owned_database(args.prefix) as database:
            run(args, database.url, stand_in.stdout.readline().strip())
    finally:
        stand_in.terminate()
        stand_in.wait()


def run(args, database_url: str, elasticsearch_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "livinglab.settings.test",
            "DATABASE_URL": database_url,
            "REDIS_URL": "",
            "ELASTICSEARCH_URL": elasticsearch_url,
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    from proposals.models import Proposal

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    bench_search_module().populate(args.proposals)
    public = Proposal.objects.public().count()
    call_command("search_index", "--rebuild", "--no-progress", verbosity=0)  # warm-up: imports, first index
    seconds = cpu(lambda: call_command("search_index", "--rebuild", "--no-progress", verbosity=0), args.profile)
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"rebuild: {public} documents, {seconds:.2f} CPU s, {public / seconds:.0f} documents per CPU second")
    if not args.skip_analyse:
        from search.analysis import _kiwi
        from search.search_text import refresh_search_text

        _kiwi()
        ids = list(Proposal.objects.values_list("pk", flat=True))
        seconds = cpu(lambda: refresh_search_text(ids), args.profile_analyse)
        print(f"analyse: {len(ids)} proposals, {seconds:.2f} CPU s, {len(ids) / seconds:.0f} per CPU second")


if __name__ == "__main__":
    main()
