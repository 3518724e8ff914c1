"""Real ASGI servers (daphne) and a real Redis for the multi-process tests, the browser test and the benchmark.

The servers run in their own processes with ``tests.live.server_settings`` against a database that the
caller prepared (``migrate`` into an SQLite file), because pytest-django's test database lives inside the
test process and is invisible to other processes.
"""

import asyncio
import atexit
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg
import redis
import websockets
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[2]
CSRF_TOKEN = "livetestcsrftoken0123456789abcde"  # any 32 characters: the cookie and the header must agree
SERVER_SETTINGS = "tests.live.server_settings"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 30, process: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = log.read_text(errors="replace")[-4000:] if log else ""
            raise RuntimeError(f"server on port {port} exited with {process.returncode}:\n{output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


class LiveSite:
    """One database and one channel-layer prefix that several server processes share."""

    def __init__(self, directory: Path, *, redis_url: str = "", database_url: str = ""):
        self.directory = directory
        self.database_url = database_url or f"sqlite:///{directory / 'live.sqlite3'}"
        self.redis_url = redis_url
        self.prefix = f"llt-{uuid.uuid4().hex[:10]}"
        self.ports: list[int] = []

    def env(self, **overrides) -> dict:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE=SERVER_SETTINGS,
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            CHANNELS_PREFIX=self.prefix,
            CACHE_KEY_PREFIX=self.prefix,
            WEBSOCKET_ALLOWED_ORIGINS=",".join(self.origin(port) for port in self.ports) or "http://127.0.0.1",
            PYTHONPATH=str(ROOT),
            LOG_LEVEL="WARNING",
        )
        env.update(overrides)
        return env

    @staticmethod
    def origin(port: int) -> str:
        return f"http://127.0.0.1:{port}"

    def manage(self, *args: str, timeout: float = 1200, **env: str) -> str:
        # The timeout guards against a hang only: a migrate beside a CPU hog takes minutes, not seconds.
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def migrate(self):
        self.manage("migrate", "--noinput", "-v", "0")

    def seed(self, voters: int = 3, *, proposals: int = 1) -> dict:
        result = subprocess.run(
            [sys.executable, "-m", "tests.live.seed", str(voters), str(proposals)],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=1200,
        )
        if result.returncode:
            raise RuntimeError(f"seeding failed:\n{result.stderr}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def reserve_ports(self, count: int) -> list[int]:
        """Ports are chosen before any server starts: every server must allow every server's origin."""
        ports = [free_port() for _ in range(count)]
        self.ports.extend(ports)
        return ports


_MIGRATED: dict[str, Path | str] = {}


def migrated_site(directory: Path, *, redis_url: str = "") -> "LiveSite":
    """A site in ``directory`` whose database is a copy of one migrated once per process (migrating takes ~20 s)."""
    if "template" not in _MIGRATED:
        template = Path(tempfile.mkdtemp(prefix="live-template-"))
        atexit.register(shutil.rmtree, template, True)
        LiveSite(template).migrate()
        _MIGRATED["template"] = template / "live.sqlite3"
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(_MIGRATED["template"], directory / "live.sqlite3")
    return LiveSite(directory, redis_url=redis_url)


def postgres_url(name: str) -> str:
    """``DATABASE_URL`` (the server the tests run against) pointing at database ``name``."""
    server = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return urllib.parse.urlunsplit(server._replace(path=f"/{name}"))


def _admin_execute(sql: str):
    with psycopg.connect(postgres_url("postgres"), autocommit=True) as admin:
        admin.execute(sql)


def _migrated_postgres_template(directory: Path) -> str:
    """A database migrated once per process; each site is a copy of it (migrating takes a minute)."""
    if "postgres" not in _MIGRATED:
        test_database = urllib.parse.urlsplit(os.environ["DATABASE_URL"]).path.strip("/")
        name = f"{test_database}_live_template_{uuid.uuid4().hex[:8]}"
        _admin_execute(f'CREATE DATABASE "{name}"')
        atexit.register(_admin_execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        LiveSite(directory, database_url=postgres_url(name)).migrate()
        _MIGRATED["postgres"] = name
    return str(_MIGRATED["postgres"])


@contextlib.contextmanager
def postgres_site(directory: Path, *, redis_url: str = ""):
    """A site on a fresh PostgreSQL database beside the test database (same server), dropped afterwards."""
    directory.mkdir(parents=True, exist_ok=True)
    template = _migrated_postgres_template(directory)
    name = f"{template.replace('_template_', '_')}_{uuid.uuid4().hex[:6]}"
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield LiveSite(directory, redis_url=redis_url, database_url=postgres_url(name))
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """``python -m daphne`` serving ``livinglab.asgi:application`` on one port."""

    def __init__(self, site: LiveSite, port: int, **env):
        self.site = site
        self.port = port
        self.log = site.directory / f"daphne-{port}.log"
        self.extra_env = env
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "livinglab.asgi:application"],
                cwd=ROOT,
                env=self.site.env(**self.extra_env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, process=self.process, log=self.log)
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class RedisServer:
    """A throwaway ``redis-server`` on a spare port, without persistence: a restart forgets everything."""

    def __init__(self, directory: Path, port: int | None = None):
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process, timeout=10)
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def send(
    server: Server, path: str, *, session: str, method: str = "POST", htmx: bool = True, timeout: float = 60
) -> tuple[int, dict, str]:
    """A signed-in request with a valid CSRF token, as a browser's htmx request would send it: status,
    headers and body. The timeout only keeps a hung server from hanging the suite; it measures nothing."""
    headers = {"Cookie": f"sessionid={session}; csrftoken={CSRF_TOKEN}", "X-CSRFToken": CSRF_TOKEN}
    if htmx:
        headers["HX-Request"] = "true"
    data = b"" if method == "POST" else None
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


def post(server: Server, path: str, *, session: str, htmx: bool = True, timeout: float = 60) -> tuple[int, str]:
    status, _, body = send(server, path, session=session, htmx=htmx, timeout=timeout)
    return status, body


RECONNECT_CODES = {1006, 1011, 1012, 1013}  # the codes on which htmx's ws extension reconnects


class Listener:
    """A WebSocket client that behaves like htmx's ws extension: it reconnects with backoff after a failure."""

    def __init__(self, url: str, origin: str):
        self.url = url
        self.origin = origin
        self.messages: asyncio.Queue[str] = asyncio.Queue()
        self.connections = 0
        self.connected = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def start(self):
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.connected.wait(), timeout=10)
        return self

    async def _run(self):
        delay = 0.1
        while True:
            try:
                async with connect(self.url, origin=self.origin, open_timeout=5) as socket:
                    self.connections += 1
                    self.connected.set()
                    delay = 0.1
                    async for message in socket:
                        self.messages.put_nowait(message)
                    code = socket.close_code
            except (OSError, websockets.InvalidStatus, websockets.InvalidHandshake, TimeoutError):
                code = 1006
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else 1006
            self.connected.clear()
            if code not in RECONNECT_CODES:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def next_message(self, timeout: float) -> str:
        return await asyncio.wait_for(self.messages.get(), timeout=timeout)

    async def stop(self):
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def group_is_subscribed(redis_url: str, prefix: str, group: str, *, servers: int = 1) -> bool:
    """Whether at least ``servers`` servers listen to ``group`` in Redis, for either of channels-redis's layers."""
    client = redis.Redis.from_url(redis_url, socket_timeout=1)
    try:
        core = client.zcard(f"{prefix}:group:{group}")
        pubsub = sum(dict(client.pubsub_numsub(f"{prefix}__group__{group}")).values())
        return max(core, pubsub) >= servers
    except redis.RedisError:
        return False
    finally:
        client.close()
