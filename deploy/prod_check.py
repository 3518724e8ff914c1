"""``make prod-check``: production settings must pass Django's deploy checks and serve real pages.

Runs, against a throwaway SQLite database and static root under production settings:
``check --deploy --fail-level WARNING``, ``migrate``, ``collectstatic`` (WhiteNoise's compressed manifest
storage), a small seed (pages, one area, category and proposal, no password anywhere), then starts the ASGI
server (gunicorn with uvicorn workers, as in compose.yaml) and fetches the home page, the proposal list, a proposal, search, the login page, the admin's
login redirect and a static file by its hashed name. Any answer outside 2xx/3xx, or a missing manifest
entry, fails the check. The requests carry ``X-Forwarded-Proto: https`` as the TLS proxy in front does.

Usage: ``python deploy/prod_check.py`` (``deploy/prod_seed.py`` is its seed step, run under the same settings).
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def production_env(directory: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="livinglab.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        DATABASE_URL=f"sqlite:///{directory / 'prod-check.sqlite3'}",
        STATIC_ROOT=str(directory / "static"),
        MEDIA_ROOT=str(directory / "media"),
        REDIS_URL="",
        ELASTICSEARCH_URL="",
        # SMTP, as production must use; nothing in the smoke test sends mail.
        EMAIL_HOST="127.0.0.1",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict, *args: str) -> None:
    print("$ manage.py", " ".join(args), flush=True)
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


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


def fetch(port: int, path: str) -> tuple[int, str]:
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", headers={"X-Forwarded-Proto": "https"})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


def hashed_static(directory: Path, name: str) -> str:
    manifest = json.loads((directory / "static" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"][name]


def smoke(env: dict, directory: Path, pages: list[str]) -> list[str]:
    port = free_port()
    log = (directory / "server.log").open("w")
    server = subprocess.Popen(
        # Production's server and its configuration (gunicorn.conf.py): two uvicorn workers here.
        [PYTHON, "-m", "gunicorn", "-b", f"{HOST}:{port}", "-w", "2", "livinglab.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    failures = []
    try:
        wait_for(port, server)
        for path in pages:
            status, location = fetch(port, path)
            print(f"  {status} {path}" + (f" -> {location}" if location else ""), flush=True)
            if not 200 <= status < 400:
                failures.append(f"{path}: {status}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    if failures:
        print((directory / "server.log").read_text(errors="replace")[-6000:], file=sys.stderr)
    return failures


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="prod-check-") as tmp:
        directory = Path(tmp)
        env = production_env(directory)
        manage(env, "check", "--deploy", "--fail-level", "WARNING")
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        seeded = subprocess.run(
            [PYTHON, str(ROOT / "deploy" / "prod_seed.py")],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        proposal_url = json.loads(seeded.stdout.strip().splitlines()[-1])["proposal"]
        pages = [
            "/",
            "/proposals/",
            proposal_url,
            "/search/?q=market",
            "/accounts/login/",
            "/admin/",
            "/admin/login/",
            hashed_static(directory, "css/site.css"),
            hashed_static(directory, "vendor/leaflet/leaflet.js"),
        ]
        print("$ gunicorn with uvicorn workers (production settings)", flush=True)
        failures = smoke(env, directory, pages)
    if failures:
        print("prod-check failed:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("prod-check passed: deploy checks, collectstatic and every page served under production settings.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        print(f"prod-check failed: {' '.join(map(str, exc.cmd[1:]))} exited with {exc.returncode}", file=sys.stderr)
        print(exc.stderr or "", file=sys.stderr)
        sys.exit(1)
