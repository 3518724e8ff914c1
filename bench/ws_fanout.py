"""WebSocket fan-out: N sockets on one proposal's page, one vote, and the time until every socket has it.

    .venv/bin/python bench/ws_fanout.py --clients 100 1000 --layer all --votes 5

For each channel layer it migrates a throwaway SQLite database, starts one daphne process
(``livinglab.asgi:application``), opens N WebSockets to ``/ws/proposals/<id>/`` from this process, then casts
votes over HTTP, one at a time. A vote's latency for one socket is the time from sending the POST to that
socket receiving the pushed vote panel: it includes the request, the commit, rendering the partial in two
languages, the channel layer and the socket write. p50/p99 are over every (vote, socket) pair.
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from tests.live.servers import LiveSite, Server, post  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def open_sockets(url: str, origin: str, count: int, batch: int = 100) -> list:
    sockets = []
    for start in range(0, count, batch):
        size = min(batch, count - start)
        sockets += await asyncio.gather(
            *(connect(url, origin=origin, open_timeout=60, ping_interval=None, max_queue=None) for _ in range(size))
        )
    return sockets


async def measure(server: Server, site: LiveSite, data: dict, *, clients: int, votes: int) -> dict:
    proposal = data["proposal"]
    url = f"{server.ws_url}/ws/proposals/{proposal}/"
    started = time.perf_counter()
    sockets = await open_sockets(url, site.origin(server.port), clients)
    connect_seconds = time.perf_counter() - started
    latencies: list[float] = []
    request_times: list[float] = []
    spreads: list[float] = []  # first socket to last socket, per vote: the fan-out itself
    missing = 0
    try:
        for vote in range(votes):
            arrivals: list[float] = []

            async def receive(socket, arrivals=arrivals):
                try:
                    await socket.recv()
                except websockets.ConnectionClosed:
                    return  # counted as missing below
                arrivals.append(time.perf_counter())

            readers = [asyncio.create_task(receive(socket)) for socket in sockets]
            await asyncio.sleep(0.2)  # every reader is waiting before the clock starts
            sent = time.perf_counter()
            status, _body = await asyncio.to_thread(
                post, server, f"/proposals/{proposal}/vote/", session=data["voters"][vote]["session"]
            )
            request_times.append(time.perf_counter() - sent)
            if status != 200:
                raise RuntimeError(f"vote {vote} failed with HTTP {status}")
            done, pending = await asyncio.wait(readers, timeout=30)
            for task in pending:
                task.cancel()
            missing += len(sockets) - len(arrivals)
            latencies += [arrival - sent for arrival in arrivals]
            if arrivals:
                spreads.append(max(arrivals) - min(arrivals))
    finally:
        closed = sum(1 for socket in sockets if socket.close_code is not None)
        await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)
    milliseconds = [value * 1000 for value in latencies]
    return {
        "clients": clients,
        "votes": votes,
        "connect_s": round(connect_seconds, 2),
        "received": len(latencies),
        "missing": missing,
        "closed_by_server": closed,
        "request_ms_median": round(statistics.median(request_times) * 1000, 1),
        "p50_ms": round(percentile(milliseconds, 0.50), 1),
        "p99_ms": round(percentile(milliseconds, 0.99), 1),
        "max_ms": round(max(milliseconds), 1),
        "spread_ms_median": round(statistics.median(spreads) * 1000, 1) if spreads else None,
    }


def run(layer: str, *, clients: int, votes: int, redis_url: str, directory: Path, migrated: Path) -> dict:
    site = LiveSite(directory / f"{layer}-{clients}", redis_url=redis_url if layer != "memory" else "")
    site.directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(migrated / "live.sqlite3", site.directory / "live.sqlite3")
    data = site.seed(votes)
    (port,) = site.reserve_ports(1)
    server = Server(site, port, LIVE_CHANNEL_LAYER="core" if layer == "redis-core" else "").start()
    try:
        result = asyncio.run(measure(server, site, data, clients=clients, votes=votes))
    finally:
        server.stop()
    if result["missing"]:
        errors = [line for line in server.output().splitlines() if "Error" in line or "Exception" in line]
        result["server_errors"] = sorted(set(errors))[:5]
    return {"layer": layer, **result}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[1000], help="socket counts to measure")
    parser.add_argument("--votes", type=int, default=5, help="votes per measurement, one after another")
    parser.add_argument(
        "--layer",
        choices=["memory", "redis", "redis-core", "all"],
        default="all",
        help="memory: in-process; redis: channels-redis's pub/sub layer (the project's); redis-core: RedisChannelLayer",
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15")
    parser.add_argument("--json", action="store_true", help="print one JSON object per line")
    args = parser.parse_args()

    layers = ["memory", "redis", "redis-core"] if args.layer == "all" else [args.layer]
    with tempfile.TemporaryDirectory(prefix="ws-fanout-") as directory:
        migrated = Path(directory) / "migrated"
        migrated.mkdir()
        LiveSite(migrated).migrate()
        for layer in layers:
            for clients in args.clients:
                result = run(
                    layer,
                    clients=clients,
                    votes=args.votes,
                    redis_url=args.redis_url,
                    directory=Path(directory),
                    migrated=migrated,
                )
                if args.json:
                    print(json.dumps(result), flush=True)
                else:
                    print(
                        f"{layer:10} clients={result['clients']:5} votes={result['votes']} "
                        f"received={result['received']} missing={result['missing']} "
                        f"p50={result['p50_ms']}ms p99={result['p99_ms']}ms max={result['max_ms']}ms "
                        f"first-to-last={result['spread_ms_median']}ms "
                        f"(vote request {result['request_ms_median']}ms, connecting took {result['connect_s']}s)",
                        flush=True,
                    )
                    for line in result.get("server_errors", []):
                        print(f"    server: {line}", flush=True)


if __name__ == "__main__":
    main()
