"""bench/run waits for a server's workers to boot and go idle before its clients vote (bench/run.py)."""

import subprocess
import sys

import pytest

from bench.run import wait_until_idle, worker_pids


def readings(*values):
    values = iter(values)
    return lambda: next(values)


def test_it_returns_once_the_processes_are_up_and_their_cpu_stops_rising():
    slept = []
    # CPU seconds: booting (rising fast), then idle.
    wait_until_idle(readings(0.0, 1.5, 3.0, 3.02), lambda: True, "server", sleep=slept.append)
    assert len(slept) == 3


def test_an_idle_server_whose_workers_are_not_all_up_is_waited_for():
    slept = []
    up = iter([False, False, True])
    wait_until_idle(readings(0.0, 0.0, 0.01, 0.02), lambda: next(up), "server", sleep=slept.append)
    assert len(slept) == 3


def test_a_server_that_never_settles_stops_the_run_with_a_message():
    cpu = iter(range(0, 1000, 2))
    with pytest.raises(SystemExit, match="did not start and settle within 5 s"):
        wait_until_idle(lambda: next(cpu), lambda: True, "gunicorn with 4 workers", timeout=5, sleep=lambda _s: None)


def test_worker_pids_are_the_children_of_the_server_process():
    # A parent whose one child lives until the parent's stdin closes.
    parent = subprocess.Popen(
        [sys.executable, "-c", "import subprocess; subprocess.run(['cat'])"], stdin=subprocess.PIPE
    )
    try:
        children = []
        for _ in range(600):
            children = worker_pids(parent)
            if children:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert len(children) == 1 and parent.pid not in children
    finally:
        parent.stdin.close()
        parent.wait(timeout=60)
