"""200 parallel users against two ASGI workers on a PostgreSQL with max_connections=100.

Compares persistent connections per thread (``DATABASE_CONN_MAX_AGE=60``, no pool: what .env.example used
to recommend) with psycopg's pool (the default now). It starts its own throwaway PostgreSQL cluster on a
spare port, so the shared server is never exhausted. Each user loads a proposal page, votes, and loads the
list, all users at once. Figures in docs/benchmarks.md.

Re-run: ``.venv/bin/python bench/db_connections.py [--users 200] [--mode pool|persistent|both]``
"""

import argparse
import collections
import contextlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live.servers import LiveSite, Server, free_port, send, wait_for_port  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
MODES = {
    "persistent": {"DATABASE_POOL_MAX_SIZE": "0", "DATABASE_CONN_MAX_AGE": "60"},
    "pool": {},  # the defaults: pool of 10 per process, 30 s timeout, CONN_MAX_AGE 0
}


@contextlib.contextmanager
def throwaway_cluster(directory: Path):
    """A PostgreSQL 15 cluster owned by the postgres user, on a spare port, removed afterwards."""
    data, port = directory / "pgdata", free_port()
    directory.mkdir(parents=True, exist_ok=True)
    shutil.chown(directory, "postgres")
    run_as_postgres(PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off"
    run_as_postgres(PG_BIN / "pg_ctl", "-D", data, "-o", options, "-l", directory / "pg.log", "-w", "start")
    try:
        wait_for_port(port)
        yield f"postgres://postgres@127.0.0.1:{port}"
    finally:
        run_as_postgres(PG_BIN / "pg_ctl", "-D", data, "-m", "immediate", "stop")


def run_as_postgres(*command):
    subprocess.run(["runuser", "-u", "postgres", "--", *map(str, command)], check=True, capture_output=True)


def peak_connections(server_url: str, stop: threading.Event, peak: list[int]):
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as watcher:
        while not stop.is_set():
            count = watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
            peak[0] = max(peak[0], count.fetchone()[0])
            time.sleep(0.05)


def one_user(servers: list[Server], proposal: int, session: str, index: int) -> list[int]:
    server = servers[index % len(servers)]
    paths = [("GET", f"/proposals/{proposal}/"), ("POST", f"/proposals/{proposal}/vote/"), ("GET", "/proposals/")]
    return [send(server, path, session=session, method=method, timeout=120)[0] for method, path in paths]


def run_mode(name: str, users: int, server_url: str, directory: Path) -> dict:
    database = f"bench_{name}"
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    site = LiveSite(directory / name, database_url=f"{server_url}/{database}")
    site.directory.mkdir(parents=True, exist_ok=True)
    site.migrate()
    data = site.seed(users)
    servers = [Server(site, port, **MODES[name]).start() for port in site.reserve_ports(2)]
    stop, peak = threading.Event(), [0]
    watcher = threading.Thread(target=peak_connections, args=(server_url, stop, peak), daemon=True)
    watcher.start()
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=users) as pool:
            answers = pool.map(
                lambda pair: one_user(servers, data["proposal"], pair[1]["session"], pair[0]),
                enumerate(data["voters"]),
            )
            statuses = collections.Counter(status for user in answers for status in user)
    finally:
        elapsed = time.monotonic() - started
        stop.set()
        logs = "".join(server.output() for server in servers)
        for server in servers:
            server.stop()
    votes = site.manage("shell", "-c", "from proposals.models import Vote; print(Vote.objects.count())")
    return {
        "mode": name,
        "answers": dict(statuses),
        "too many clients": logs.count("too many clients"),
        "peak connections": peak[0],
        "votes stored": int(votes.strip().splitlines()[-1]),
        "seconds": round(elapsed, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-db-"))
    directory.chmod(0o755)  # the postgres user owns the cluster inside
    try:
        with throwaway_cluster(directory / "cluster") as server_url:
            for name in MODES if args.mode == "both" else [args.mode]:
                print(run_mode(name, args.users, server_url, directory), flush=True)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
