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
import base64
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


from tests.live.servers import LiveSite, Server, post  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Socket(asyncio.Protocol):
    """A WebSocket client that only notes when bytes arrive: the measuring side must cost almost nothing.

    It sends the opening handshake itself and, once upgraded, timestamps the first data after ``arm()``.
    Server frames are small, unmasked text frames; their content is not needed to time them.
    """

    def __init__(self, host: str, path: str, origin: str):
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {origin}\r\n\r\n"
        ).encode()
        self.opened = asyncio.get_running_loop().create_future()
        self.buffer = b""
        self.upgraded = False
        self.arrived: float | None = None
        self.armed = False
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes):
        if not self.upgraded:
            self.buffer += data
            if b"\r\n\r\n" in self.buffer:
                head, _, rest = self.buffer.partition(b"\r\n\r\n")
                self.upgraded = head.startswith(b"HTTP/1.1 101")
                if not self.opened.done():
                    self.opened.set_result(self.upgraded)
                if rest:
                    self.data_received(rest)
            return
        if self.armed and self.arrived is None:
            self.arrived = time.perf_counter()

    def connection_lost(self, exc):
        self.closed = True
        if not self.opened.done():
            self.opened.set_result(False)

    def arm(self):
        self.arrived = None
        self.armed = True


async def open_sockets(port: int, path: str, origin: str, count: int, batch: int = 100) -> list[Socket]:
    loop = asyncio.get_running_loop()
    sockets = []
    for start in range(0, count, batch):
        size = min(batch, count - start)
        made = await asyncio.gather(
            *(
                loop.create_connection(lambda: Socket(f"127.0.0.1:{port}", path, origin), "127.0.0.1", port)
                for _ in range(size)
            )
        )
        for _transport, protocol in made:
            if not await asyncio.wait_for(protocol.opened, timeout=60):
                raise RuntimeError("a WebSocket handshake was refused")
            sockets.append(protocol)
    return sockets


async def measure(servers: list[Server], site: LiveSite, data: dict, *, clients: int, votes: int) -> dict:
    """Sockets are spread evenly over the servers, as a load balancer would; every vote goes to the first."""
    proposal = data["proposal"]
    server = servers[0]
    started = time.perf_counter()
    sockets = []
    for index, each in enumerate(servers):
        share = clients // len(servers) + (1 if index < clients % len(servers) else 0)
        sockets += await open_sockets(each.port, f"/ws/proposals/{proposal}/", site.origin(each.port), share)
    connect_seconds = time.perf_counter() - started
    latencies: list[float] = []
    request_times: list[float] = []
    spreads: list[float] = []  # first socket to last socket, per vote: the fan-out itself
    missing = 0
    try:
        for vote in range(votes + 1):
            await asyncio.sleep(0.3)  # let the previous vote's last frames drain
            for socket in sockets:
                socket.arm()
            sent = time.perf_counter()
            status, _body = await asyncio.to_thread(
                post, server, f"/proposals/{proposal}/vote/", session=data["voters"][vote]["session"]
            )
            request_times.append(time.perf_counter() - sent)
            if status != 200:
                raise RuntimeError(f"vote {vote} failed with HTTP {status}")
            deadline = time.perf_counter() + 30
            while time.perf_counter() < deadline and any(s.arrived is None and not s.closed for s in sockets):
                await asyncio.sleep(0.01)
            arrivals = [socket.arrived for socket in sockets if socket.arrived is not None]
            if vote == 0:
                request_times.clear()
                continue  # the first vote warms the server up (templates, connections) and is not counted
            missing += len(sockets) - len(arrivals)
            latencies += [arrival - sent for arrival in arrivals]
            if arrivals:
                spreads.append(max(arrivals) - min(arrivals))
    finally:
        closed = sum(1 for socket in sockets if socket.closed)
        for socket in sockets:
            socket.transport.close()
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


def run(layer: str, *, clients: int, votes: int, workers: int, redis_url: str, directory: Path, migrated: Path) -> dict:
    site = LiveSite(directory / f"{layer}-{clients}-{workers}", redis_url=redis_url if layer != "memory" else "")
    site.directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(migrated / "live.sqlite3", site.directory / "live.sqlite3")
    data = site.seed(votes + 1)
    ports = site.reserve_ports(workers)
    servers = [Server(site, port, LIVE_CHANNEL_LAYER="core" if layer == "redis-core" else "") for port in ports]
    try:
        for server in servers:
            server.start()
        result = asyncio.run(measure(servers, site, data, clients=clients, votes=votes))
    finally:
        for server in servers:
            server.stop()
    if result["missing"]:
        output = "\n".join(server.output() for server in servers)
        errors = [line for line in output.splitlines() if "Error" in line or "Exception" in line]
        result["server_errors"] = sorted(set(errors))[:5]
    return {"layer": layer, "workers": workers, **result}


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
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1], help="daphne processes sharing Redis (the memory layer: 1)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per line")
    args = parser.parse_args()

    layers = ["memory", "redis", "redis-core"] if args.layer == "all" else [args.layer]
    with tempfile.TemporaryDirectory(prefix="ws-fanout-") as directory:
        migrated = Path(directory) / "migrated"
        migrated.mkdir()
        LiveSite(migrated).migrate()
        runs = [
            (layer, clients, workers)
            for layer in layers
            for workers in args.workers
            for clients in args.clients
            if layer != "memory" or workers == 1
        ]
        for layer, clients, workers in runs:
            result = run(
                layer,
                clients=clients,
                votes=args.votes,
                workers=workers,
                redis_url=args.redis_url,
                directory=Path(directory),
                migrated=migrated,
            )
            if args.json:
                print(json.dumps(result), flush=True)
            else:
                print(
                    f"{layer:10} workers={workers} clients={result['clients']:5} votes={result['votes']} "
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
