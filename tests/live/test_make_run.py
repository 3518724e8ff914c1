"""``make run``: the Procfile's web server, task worker and scheduler under honcho, on any port,
stopped by one Ctrl-C.

The development settings take their allowed WebSocket (and CSRF) origins from the address served, which
the Makefile passes as SITE_URL, so ``make run PORT=8200`` gets working live updates.
"""

import asyncio
import os
import re
import signal
import subprocess
import sys

import pytest
import websockets
from websockets.asyncio.client import connect

from .servers import ROOT, LiveSite, free_port, wait_for_port

pytestmark = [pytest.mark.slow]


def test_make_run_passes_the_served_address_to_both_processes():
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8200"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    (command,) = [line for line in dry_run.splitlines() if "honcho start" in line]
    assert "PORT=8200" in command
    assert "SITE_URL=http://127.0.0.1:8200" in command
    bound_everywhere = subprocess.run(
        ["make", "-n", "run", "HOST=0.0.0.0", "PORT=8300"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "SITE_URL=http://127.0.0.1:8300" in bound_everywhere  # what a browser here opens


@pytest.fixture
def honcho(live_site_directory):
    site = LiveSite(live_site_directory)
    proposal = site.seed(0)["proposal"]
    port = free_port()
    env = site.env(
        DJANGO_SETTINGS_MODULE="livinglab.settings.dev",
        HOST="127.0.0.1",
        PORT=str(port),
        SITE_URL=f"http://127.0.0.1:{port}",
        PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}",
    )
    env.pop("WEBSOCKET_ALLOWED_ORIGINS")  # the development settings derive them
    log = live_site_directory / "honcho.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "honcho"), "start"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, timeout=120, process=process, log=log)
        yield process, port, proposal, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def handshake(port: int, proposal: int, origin: str):
    async with connect(f"ws://127.0.0.1:{port}/ws/proposals/{proposal}/", origin=origin, open_timeout=30):
        return True


def started_pids(log) -> dict[str, int]:
    return {name: int(pid) for name, pid in re.findall(r"(\w+)\.1 started \(pid=(\d+)\)", log.read_text())}


def test_web_and_worker_run_side_by_side_accept_the_served_origin_and_stop_on_one_ctrl_c(honcho):
    process, port, proposal, log = honcho
    assert asyncio.run(handshake(port, proposal, f"http://127.0.0.1:{port}"))
    assert asyncio.run(handshake(port, proposal, f"http://localhost:{port}"))
    with pytest.raises(websockets.InvalidStatus) as refused:
        asyncio.run(handshake(port, proposal, "http://127.0.0.1:8000"))  # the old fixed origin, another port
    assert refused.value.response.status_code == 403
    pids = started_pids(log)
    assert set(pids) == {"web", "worker", "scheduler"}, log.read_text()

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) is not None
    for pid in pids.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
