"""``make prod-check``: production settings must pass Django's deploy checks and serve real pages.

Runs under production settings, first on a throwaway SQLite database (always), then, when ``DATABASE_URL``
names a PostgreSQL database and ``REDIS_URL`` a Redis database, on those two as production runs: Redis carries
the channel layer (pub/sub) and the cache. Each run does ``check --deploy --fail-level WARNING``, ``migrate``
and a small seed (pages, one area, category and proposal, no password anywhere); ``collectstatic`` (WhiteNoise's
compressed manifest storage) runs once, and both runs serve the same static root. Then it starts the ASGI server
(gunicorn with uvicorn workers, as in compose.yaml) and

- fetches the home page, the proposal list, a proposal, search, the login page, the admin's login redirect and
  static files by their hashed names (any answer outside 2xx/3xx, or a missing manifest entry, fails);
- posts a wrong password to the login form with its CSRF token (the form must answer, not 403 or 5xx);
- opens the proposal's WebSocket with the site's Origin (accepted, and still open after a ping), with a foreign
  Origin (refused with 403), and for a proposal that does not exist (closed with 4404);

and on PostgreSQL + Redis also

- publishes a live push from another process through production's ``livinglab.live.broadcast`` and the same
  ``REDIS_URL``, which must reach the open socket (served by one of two workers, so only Redis can carry it);
- finds keys under its cache prefix in Redis after serving (the cache is on Redis, not a worker's fallback);
- serves the same pages again with ``REDIS_URL`` pointing at a closed port: no page may answer 5xx.

The requests carry ``X-Forwarded-Proto: https`` as the TLS proxy in front does. The PostgreSQL database must be
empty (nothing is migrated or seeded into a database that holds tables); its Redis keys and channels carry a
prefix of their own, and the keys are deleted at the end. Creating and dropping the database is the caller's
(``.ci/run``).

Usage: ``python deploy/prod_check.py``, or ``DATABASE_URL=postgres://... REDIS_URL=redis://... python
deploy/prod_check.py`` (``deploy/prod_seed.py`` is its seed and push step, run under the same settings).
"""

import asyncio
import contextlib
import http.cookies
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
# The origin the production settings trust by default (CSRF_TRUSTED_ORIGINS, WEBSOCKET_ALLOWED_ORIGINS).
ORIGIN = f"https://{HOST}"
FOREIGN_ORIGIN = "https://evil.example"
POSTGRES_SCHEMES = ("postgres", "postgresql")
# Hang guards, not stopwatches: a healthy run takes a fraction of each.
SOCKET_GUARD = 30


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass(frozen=True)
class Target:
    """One database and cache to serve on: the embedded SQLite default, or PostgreSQL with Redis."""

    name: str
    database_url: str = ""
    redis_url: str = ""

    @property
    def services(self) -> bool:
        return bool(self.redis_url)


def targets_from_env(environ) -> list[Target]:
    """SQLite always; PostgreSQL + Redis as well when DATABASE_URL and REDIS_URL name them (both, as production).

    A DATABASE_URL that names SQLite is ignored (the check uses a throwaway file of its own). Half a service
    configuration is refused rather than silently checked on SQLite only.
    """
    database_url = environ.get("DATABASE_URL", "").strip()
    redis_url = environ.get("REDIS_URL", "").strip()
    postgres = urllib.parse.urlsplit(database_url).scheme in POSTGRES_SCHEMES
    targets = [Target("sqlite")]
    if postgres and redis_url:
        targets.append(Target("postgresql+redis", database_url, redis_url))
    elif postgres or redis_url:
        raise SystemExit(
            "prod-check serves on PostgreSQL and Redis together, as production does: set both DATABASE_URL="
            "postgres://... and REDIS_URL=redis://..., or neither for the SQLite run alone."
        )
    return targets


def production_env(directory: Path, target: Target, prefix: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="livinglab.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        DATABASE_URL=target.database_url or f"sqlite:///{directory / 'prod-check.sqlite3'}",
        STATIC_ROOT=str(directory.parent / "static"),
        MEDIA_ROOT=str(directory / "media"),
        REDIS_URL=target.redis_url,
        # Keys and pub/sub channels of their own: Redis shares channels across databases.
        CACHE_KEY_PREFIX=prefix,
        CHANNELS_PREFIX=prefix,
        ELASTICSEARCH_URL="",
        # SMTP, as production must use; nothing in the smoke test sends mail.
        EMAIL_HOST="127.0.0.1",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    return env


class Run:
    """One target's steps, their output and timings, kept until they can be printed in one piece."""

    def __init__(self, root: Path, target: Target):
        self.target = target
        self.directory = root / target.name
        self.directory.mkdir()
        self.prefix = f"prod-check-{secrets.token_hex(6)}"
        self.env = production_env(self.directory, target, self.prefix)
        self.lines: list[str] = []
        self.seed: dict = {}

    def say(self, line: str) -> None:
        self.lines.append(line)

    def flush(self) -> None:
        print("\n".join(self.lines), flush=True)
        self.lines = []

    @contextlib.contextmanager
    def step(self, label: str):
        self.say(f"$ {label}")
        started = time.monotonic()
        yield
        self.say(f"  ({time.monotonic() - started:.1f} s)")

    def run(self, label: str, *args: str) -> str:
        with self.step(label):
            done = subprocess.run([PYTHON, *args], cwd=ROOT, env=self.env, capture_output=True, text=True)
            self.lines += [f"  {line}" for line in (done.stdout + done.stderr).splitlines() if line.strip()]
            done.check_returncode()
        return done.stdout

    def manage(self, *args: str) -> None:
        self.run("manage.py " + " ".join(args), "manage.py", *args)


def require_empty_database(url: str) -> None:
    """Refuse a PostgreSQL database that holds tables: the check migrates, seeds and serves what it is given."""
    import psycopg

    with psycopg.connect(url, connect_timeout=10) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchone()[0]
    if tables:
        raise SystemExit(
            f"prod-check needs an empty PostgreSQL database; {redact(url)} holds {tables} tables. "
            "Create a fresh one for it (.ci/run creates livinglab_prodcheck)."
        )


def redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urllib.parse.urlunsplit(parts)


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The server exited with {process.returncode} before listening.")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"Nothing listens on port {port} after 60 s.")


class Client:
    """HTTP as the TLS proxy forwards it: X-Forwarded-Proto https, cookies kept, redirects not followed.

    The cookies are kept by hand: they are Secure, and a cookie jar sends none of them over the plain HTTP
    that the proxy speaks to the server.
    """

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, path: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        request = urllib.request.Request(f"http://{HOST}:{self.port}{path}", data=body, headers=headers)
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as exc:
            response = exc
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                self.cookies.update({name: morsel.value for name, morsel in http.cookies.SimpleCookie(header).items()})
            status = response.status if hasattr(response, "status") else response.code
            return status, response.headers.get("Location", ""), response.read().decode(errors="replace")


def hashed_static(static_root: Path, name: str) -> str:
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"][name]


@contextlib.contextmanager
def served(env: dict, log_path: Path, workers: int = 2):
    """Production's server and its configuration (gunicorn.conf.py): two uvicorn workers here."""
    port = free_port()
    log = log_path.open("w")
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-b", f"{HOST}:{port}", "-w", str(workers), "livinglab.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(port, server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def fetch_pages(port: int, pages: list[str]) -> list[str]:
    failures = []
    client = Client(port)
    for path in pages:
        status, location, _body = client.request(path)
        print(f"  {status} {path}" + (f" -> {location}" if location else ""), flush=True)
        if not 200 <= status < 400:
            failures.append(f"{path}: {status}")
    return failures


def login_attempt(port: int) -> list[str]:
    """A wrong password through the real form: CSRF under HTTPS, the session, the failed-login limit."""
    client = Client(port)
    status, _location, body = client.request("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or token is None:
        return [f"/accounts/login/: {status}, no CSRF token in the form"]
    status, location, _body = client.request(
        "/accounts/login/",
        data={"csrfmiddlewaretoken": token.group(1), "login": "nobody@example.org", "password": "not-the-password"},
        headers={"Origin": ORIGIN, "Referer": f"{ORIGIN}/accounts/login/"},
    )
    print(f"  {status} POST /accounts/login/ (wrong password, CSRF token)" + (f" -> {location}" if location else ""))
    # The form again with its error (200), or 429 once the limit blocks; 403 would be CSRF, 5xx a failure.
    if status not in (200, 400, 429):
        return [f"POST /accounts/login/: {status}"]
    return []


async def socket_checks(port: int, proposal_id: int, push=None) -> list[str]:
    """Origins are checked at the handshake; a socket that is let in stays open and, on Redis, gets pushes."""
    import websockets
    from websockets.asyncio.client import connect

    failures = []
    base = f"ws://{HOST}:{port}"
    url = f"{base}/ws/proposals/{proposal_id}/"
    try:
        async with connect(url, origin=FOREIGN_ORIGIN, open_timeout=SOCKET_GUARD):
            failures.append(f"{url} from {FOREIGN_ORIGIN}: accepted")
    except websockets.InvalidStatus as refused:
        print(f"  {refused.response.status_code} WS {url} from {FOREIGN_ORIGIN} (refused)", flush=True)
        if refused.response.status_code != 403:
            failures.append(f"{url} from {FOREIGN_ORIGIN}: {refused.response.status_code}, not 403")

    missing = f"{base}/ws/proposals/{proposal_id + 1_000_000}/"
    try:
        async with connect(missing, origin=ORIGIN, open_timeout=SOCKET_GUARD) as refused_socket:
            with contextlib.suppress(websockets.ConnectionClosed):
                await asyncio.wait_for(refused_socket.recv(), SOCKET_GUARD)
            code = refused_socket.close_code
    except (websockets.InvalidStatus, TimeoutError) as exc:
        code = repr(exc)
    print(f"  {code} WS {missing} (closed: no such proposal)", flush=True)
    if code != 4404:
        failures.append(f"{missing}: {code}, not closed with 4404")

    try:
        async with connect(url, origin=ORIGIN, open_timeout=SOCKET_GUARD) as live:
            # A refusal closes right after the handshake; the close would arrive before this pong.
            await asyncio.wait_for(await live.ping(), SOCKET_GUARD)
            print(f"  101 WS {url} from {ORIGIN} (open)", flush=True)
            if push is not None:
                failures += await push(live)
    except (websockets.InvalidStatus, websockets.ConnectionClosed, TimeoutError) as exc:
        failures.append(f"{url} from {ORIGIN}: {exc!r}")
    return failures


@contextlib.contextmanager
def publishing(env: dict, proposal_id: int, markup: str, log_path: Path):
    """Another process publishing ``markup`` to the proposal's sockets every half second (production's broadcast).

    Started before the pages are fetched, so its Django start-up overlaps them; what it sends before the socket
    has joined the group is lost, as pub/sub is, and the next one arrives.
    """
    with log_path.open("w") as log:
        publisher = subprocess.Popen(
            [PYTHON, str(ROOT / "deploy" / "prod_seed.py"), "push", str(proposal_id), markup],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield publisher
        finally:
            publisher.terminate()
            publisher.wait(timeout=30)


def arrives(markup: str):
    """The socket check for a push: a message holding ``markup`` reaches the open socket within the guard."""

    async def check(live) -> list[str]:
        import websockets

        deadline = time.monotonic() + SOCKET_GUARD
        while time.monotonic() < deadline:
            try:
                message = await asyncio.wait_for(live.recv(), deadline - time.monotonic())
            except (TimeoutError, websockets.ConnectionClosed) as exc:
                return [f"live push through Redis: nothing arrived ({exc!r})"]
            if markup in message:
                print("  push published by another process arrived on the socket through Redis", flush=True)
                return []
        return ["live push through Redis: nothing arrived"]

    return check


def served_checks(run: Run, pages: list[str]) -> list[str]:
    target, env, directory = run.target, run.env, run.directory
    proposal_id = run.seed["proposal_id"]
    markup = f'<div id="prod-check-{secrets.token_hex(8)}"></div>'
    with contextlib.ExitStack() as stack:
        print(f"$ gunicorn with uvicorn workers (production settings, {target.name})", flush=True)
        started = time.monotonic()
        port = stack.enter_context(served(env, directory / "server.log"))
        if target.services:
            stack.enter_context(publishing(env, proposal_id, markup, directory / "push.log"))
        failures = fetch_pages(port, pages)
        failures += login_attempt(port)
        failures += asyncio.run(socket_checks(port, proposal_id, arrives(markup) if target.services else None))
    print(f"  ({time.monotonic() - started:.1f} s)", flush=True)
    if target.services:
        keys = list(redis_client(target.redis_url).scan_iter(match=f"{run.prefix}:*", count=1000))
        print(f"  {len(keys)} cache keys in Redis under {run.prefix}:", flush=True)
        if not keys:
            failures.append("no cache key in Redis after serving: the cache is not on Redis")
        # Redis gone (a closed port): the cache falls back per worker, and the pages and the form still answer.
        print("$ the same pages with Redis away (one worker)", flush=True)
        started = time.monotonic()
        away = {**env, "REDIS_URL": f"redis://{HOST}:{free_port()}/0"}
        with served(away, directory / "server-redis-away.log", workers=1) as port:
            failures += [f"Redis away: {failure}" for failure in fetch_pages(port, pages[:5])]
            failures += [f"Redis away: {failure}" for failure in login_attempt(port)]
        print(f"  ({time.monotonic() - started:.1f} s)", flush=True)
    if failures:
        for log in sorted(directory.glob("*.log")):
            print(f"--- {log.name}\n" + log.read_text(errors="replace")[-6000:], file=sys.stderr)
    return failures


def prepare(run: Run, collect: bool) -> None:
    """Deploy checks, migrate, (collectstatic,) seed: the slow part, run for every target at once."""
    started = time.monotonic()
    if run.target.services:
        require_empty_database(run.target.database_url)
        redis_client(run.target.redis_url).ping()
    run.manage("check", "--deploy", "--fail-level", "WARNING")
    run.manage("migrate", "--noinput", "-v", "0")
    if collect:
        run.manage("collectstatic", "--noinput", "-v", "0")
    seeded = run.run("deploy/prod_seed.py", str(ROOT / "deploy" / "prod_seed.py"))
    run.seed = json.loads(seeded.strip().splitlines()[-1])
    run.say(f"  prepared in {time.monotonic() - started:.1f} s")


def main() -> int:
    started = time.monotonic()
    targets = targets_from_env(os.environ)
    failures = []
    with tempfile.TemporaryDirectory(prefix="prod-check-") as tmp:
        runs = [Run(Path(tmp), target) for target in targets]
        try:
            # Side by side: the targets share nothing but the static root, which only the first one collects
            # (static files do not depend on the database) and every one serves.
            with ThreadPoolExecutor(max_workers=len(runs)) as pool:
                prepared = [pool.submit(prepare, run, index == 0) for index, run in enumerate(runs)]
            for run, future in zip(runs, prepared, strict=True):
                print(f"== prod-check on {run.target.name}: prepare", flush=True)
                run.flush()
                error = future.exception()
                if error is not None:
                    failures.append(f"{run.target.name}: {describe(error)}")
            if not failures:
                static_root = Path(runs[0].env["STATIC_ROOT"])
                for run in runs:
                    print(f"== prod-check on {run.target.name}: serve", flush=True)
                    pages = [
                        "/",
                        "/proposals/",
                        run.seed["proposal"],
                        "/search/?q=market",
                        "/accounts/login/",
                        "/admin/",
                        "/admin/login/",
                        hashed_static(static_root, "css/site.css"),
                        hashed_static(static_root, "vendor/leaflet/leaflet.js"),
                        # Every admin page loads it (adminscripts): without it the admin's widgets do not start.
                        hashed_static(static_root, "adminscripts/admin-init.js"),
                        # What browsers ask for beside every page: a redirect to the hashed icon, which is served.
                        "/favicon.ico",
                        hashed_static(static_root, "favicon.svg"),
                    ]
                    failures += [f"{run.target.name}: {failure}" for failure in served_checks(run, pages)]
        finally:
            for run in runs:
                if run.target.services:
                    client = redis_client(run.target.redis_url)
                    for key in client.scan_iter(match=f"{run.prefix}:*", count=1000):
                        client.delete(key)
    print(f"== prod-check took {time.monotonic() - started:.1f} s", flush=True)
    if failures:
        print("prod-check failed:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    names = " and ".join(target.name for target in targets)
    print(f"prod-check passed on {names}: deploy checks, collectstatic, pages and sockets under production settings.")
    return 0


def describe(error: BaseException) -> str:
    if isinstance(error, subprocess.CalledProcessError):
        return f"{' '.join(map(str, error.cmd[1:]))} exited with {error.returncode}"
    return str(error) or repr(error)


if __name__ == "__main__":
    sys.exit(main())
