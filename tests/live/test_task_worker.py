"""The real task worker (``manage.py db_worker``, as the Procfile starts it) runs a task from the database."""

import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from .servers import ROOT, LiveSite

pytestmark = [pytest.mark.slow]

ENQUEUE = "from tests.live.tasks import report_worker; print(report_worker.enqueue('from a request').id)"
RESULT = "SELECT status, return_value FROM django_tasks_database_dbtaskresult WHERE id = ?"


def task_row(database, task_id: str, *, timeout: float) -> tuple[str, str]:
    """The task's row once it has finished, polled until then (the timeout only stops a dead worker)."""
    deadline = time.monotonic() + timeout
    with sqlite3.connect(database) as connection:
        while time.monotonic() < deadline:
            row = connection.execute(RESULT, [task_id.replace("-", "")]).fetchone()
            row = row or connection.execute(RESULT, [task_id]).fetchone()
            if row and row[0] in {"SUCCESSFUL", "FAILED"}:
                return row
            time.sleep(0.1)
    raise TimeoutError(f"task {task_id} did not finish")


def test_the_worker_runs_a_task_enqueued_in_the_database_and_stops_on_ctrl_c(live_site_directory):
    site = LiveSite(live_site_directory)
    task_id = site.manage("shell", "-c", ENQUEUE, LIVE_TASKS="database").strip().splitlines()[-1]
    log = (live_site_directory / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.1", "--no-startup-delay"]
        + ["--no-reload"],
        cwd=ROOT,
        env=site.env(LIVE_TASKS="database", LOG_LEVEL="INFO"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        status, value = task_row(live_site_directory / "live.sqlite3", task_id, timeout=120)
        assert status == "SUCCESSFUL", (live_site_directory / "worker.log").read_text()
        assert json.loads(value) == {"note": "from a request", "pid": worker.pid}  # run by the worker
        worker.send_signal(signal.SIGINT)
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
        log.close()
