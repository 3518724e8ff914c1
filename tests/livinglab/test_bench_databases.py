"""Benchmarks drop only the databases they created: at the end, on an error and when terminated; never another.

``bench/owned_database.py`` is the one way bench/api, bench/run, bench/sensors, bench/search and
bench/search_indexing get a database. These tests use the suite's PostgreSQL server, with names of their own.
"""

import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection

from bench import owned_database as owned_module
from bench.owned_database import owned_database

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def server():
    database = connection.settings_dict
    user = database["USER"] or "postgres"
    return f"postgres://{user}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"


def exists(server: str, name: str) -> bool:
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        return bool(admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def test_the_database_exists_inside_the_block_and_is_dropped_after_it(server):
    with owned_database("ll_test_owned", server=server) as database:
        assert database.name.startswith("ll_test_owned_")
        assert exists(server, database.name)
        with psycopg.connect(database.url) as inside:
            assert inside.execute("SELECT current_database()").fetchone()[0] == database.name
    assert not exists(server, database.name)


def test_an_error_in_the_block_still_drops_it(server):
    with pytest.raises(RuntimeError), owned_database("ll_test_owned", server=server) as database:
        raise RuntimeError("the benchmark failed")
    assert not exists(server, database.name)


def test_keep_leaves_it_for_inspection(server):
    with owned_database("ll_test_owned", server=server, keep=True) as database:
        pass
    try:
        assert exists(server, database.name)
    finally:
        with psycopg.connect(server + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{database.name}"')


def test_a_name_that_exists_is_refused_and_left_alone(server, monkeypatch):
    suffix = uuid.uuid4().hex[:10]
    taken = f"ll_test_taken_{suffix}"
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{taken}"')
    try:
        # The random part comes out as the taken name's: the helper must refuse it, not reuse or drop it.
        monkeypatch.setattr(owned_module.uuid, "uuid4", lambda: SimpleNamespace(hex=suffix + "ffff"))
        refused = pytest.raises(SystemExit, match="exists; a benchmark only drops databases it created")
        with refused, owned_database("ll_test_taken", server=server):
            pass  # pragma: no cover - never reached
        assert exists(server, taken)
    finally:
        with psycopg.connect(server + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{taken}"')


def test_a_terminated_benchmark_drops_its_database(server):
    script = (
        "import sys, time; sys.path.insert(0, sys.argv[1]);"
        "from bench.owned_database import owned_database\n"
        "with owned_database('ll_test_owned', server=sys.argv[2]) as d:\n"
        "    print(d.name, flush=True); time.sleep(600)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(ROOT), server], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        name = child.stdout.readline().strip()  # printed once the database exists
        assert name.startswith("ll_test_owned_")
        assert exists(server, name)
        child.terminate()
        assert child.wait(timeout=120) == 143
    finally:
        child.kill()
    assert not exists(server, name)
