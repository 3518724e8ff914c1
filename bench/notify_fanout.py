#!/usr/bin/env python
"""bench/notify_fanout: a status change on a proposal with 5,000 followers returns before any of them is told.

An administrator's status-change POST goes through the real view, service and domain event. The request
commits, enqueues one ``deliver_notifications`` task into the database task backend (django-tasks-db) and
returns; the worker then stores 5,000 notifications, pushes 5,000 bells, stores 5,000 e-mails and sends them
in batches of ``EMAIL_BATCH_SIZE`` (locmem mail backend: the cost measured is ours, not a mail server's).

Three figures: the request times with the database task backend (what production runs), the worker's time to
drain the fan-out, and for contrast the request time when the tasks run inside the request (immediate backend).

    .venv/bin/python bench/notify_fanout.py                   # 5,000 followers, 8 requests, SQLite in a temp dir
    .venv/bin/python bench/notify_fanout.py --followers 5000 --requests 12
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ll_bench_fanout .venv/bin/python bench/notify_fanout.py

Needs django-tasks-db (pinned by the runtime work).
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TRANSITIONS = ["under_review", "accepted", "piloting", "completed"]


def setup(database_dir: str):
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database_dir}/fanout.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.notify_fanout_settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world(followers: int, proposals: int):
    """An administrator and ``proposals`` proposals, each followed by the same ``followers`` residents."""
    from accounts.models import Role, User
    from notifications.models import Follow
    from tests.factories import AdministratorFactory, ProposalFactory

    administrator = AdministratorFactory()
    User.objects.bulk_create(
        (
            User(email=f"bench-{n}@example.org", display_name=f"Resident {n}", role=Role.RESIDENT)
            for n in range(followers)
        ),
        batch_size=2000,
    )
    residents = list(User.objects.filter(email__startswith="bench-").values_list("pk", flat=True))
    items = [ProposalFactory() for _ in range(proposals)]
    for proposal in items:
        Follow.objects.bulk_create((Follow(user_id=pk, proposal=proposal) for pk in residents), batch_size=2000)
    return administrator, items


def post_status_change(client, proposal, status: str) -> tuple[float, float]:
    """One administrator's status-change POST: (wall, CPU) seconds.

    CPU is the request thread's own processor time: on a shared, loaded machine it is the steadier figure.
    """
    from django.urls import reverse

    url = reverse("proposals:status", args=[proposal.pk])
    started, cpu = time.perf_counter(), time.thread_time()
    response = client.post(url, {"to_status": status, "response": "Thank you, we are on it."})
    timing = (time.perf_counter() - started, time.thread_time() - cpu)
    if response.status_code != 302:
        raise SystemExit(f"status change answered {response.status_code}: {response.content[:300]!r}")
    return timing


def steps(proposals, count: int) -> list[tuple]:
    """``count`` (proposal, status) moves along the transitions, each proposal one step per round."""
    return [(proposal, status) for status in TRANSITIONS for proposal in proposals][:count]


def interleaved(client, followed, unfollowed, count: int) -> tuple[list, list]:
    """Requests on followed and unfollowed proposals in turn, so both see the same machine load."""
    with_followers, without = [], []
    for (first, status), (second, same) in zip(steps(followed, count), steps(unfollowed, count), strict=True):
        with_followers.append(post_status_change(client, first, status))
        without.append(post_status_change(client, second, same))
    return with_followers, without


def drain_worker() -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--no-reload", verbosity=0)
    return time.perf_counter() - started


def describe(label: str, timings: list[tuple[float, float]]) -> str:
    wall = sorted(t[0] * 1000 for t in timings)
    cpu = sorted(t[1] * 1000 for t in timings)
    return (
        f"{label}: n={len(wall)} wall p50={statistics.median(wall):.1f} ms max={wall[-1]:.1f} ms; "
        f"CPU p50={statistics.median(cpu):.1f} ms max={cpu[-1]:.1f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--requests-only", action="store_true", help="Measure the requests; skip the worker.")
    args = parser.parse_args()
    proposals_needed = -(-args.requests // len(TRANSITIONS))
    with tempfile.TemporaryDirectory() as directory:
        setup(directory)
        from django.core import mail
        from django.test import Client, override_settings

        from notifications.models import Notification, OutgoingEmail

        # Proposals nobody follows first (world() makes the residents follow only the ones made after them).
        administrator, unfollowed = world(0, proposals_needed)
        _administrator, proposals = world(args.followers, proposals_needed)
        client = Client()
        client.force_login(administrator)
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, load {load}")
        print(f"{args.followers} followers per proposal, database {os.environ['DATABASE_URL'].split(':')[0]}")

        # One request first, not counted: templates compile and caches fill once per process.
        _administrator, warm_up = world(0, 1)
        post_status_change(client, warm_up[0], TRANSITIONS[0])
        mail.outbox = []
        timings, baseline = interleaved(client, proposals, unfollowed, args.requests)
        print(describe(f"request, {args.followers} followers, database task backend", timings))
        print(describe("same request, nobody follows", baseline))
        if args.requests_only:
            return
        drained = drain_worker()
        told = Notification.objects.count()
        sent = OutgoingEmail.objects.filter(status="sent").count()
        print(
            f"worker drained the fan-out in {drained:.1f} s: {told} notifications, {sent} e-mails sent "
            f"({len(mail.outbox)} in the locmem outbox), {told / drained:.0f} notifications/s"
        )

        # One more proposal, followed by the same residents (world() finds them by their address).
        _administrator, more = world(0, 1)
        immediate = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}
        with override_settings(TASKS=immediate):
            inline = [post_status_change(client, more[0], TRANSITIONS[0])]
        print(describe("for contrast, the same request with the tasks run inside it", inline))


if __name__ == "__main__":
    main()
