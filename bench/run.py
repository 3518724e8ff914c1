"""bench/run: every main job beside its floor, measured in the same run, at several data sizes.

    bench/run                                    # 1k, 10k and 100k proposals, daphne and gunicorn+uvicorn
    bench/run --sizes 1000 10000 --repeat 10 --vote-seconds 5 --servers daphne gunicorn
    bench/run --sizes 1000 --skip-votes --jobs pilot  # the pilot page alone

For each run it creates its own PostgreSQL database (``ll_bench_run_<random>``; it refuses a name that
exists), migrates it, and grows the data to each size in turn: proposals with Korean (80 %) and English
(20 %) text, about 4.9 votes and one comment per proposal, follows for authors and voters, one proposal
with 200 comments (150 top-level, 50 replies), and the demo site's pages (a pilot page). At each size:

- pages (one client, in-process through the whole middleware stack with Django's test client): p50 of the
  page, of a minimal view over the same rows (``bench/floor_views.py``), and of the page's own SQL replayed
  with psycopg on one connection (captured from the page's request);
- votes (8 and 32 clients over HTTP against each ASGI server, keep-alive connections, each vote a new
  (user, proposal) pair): votes/s and p95, beside two floors replayed with psycopg by as many threads, one
  connection each: the vote's transaction alone (insert once, count, follow), and every statement one vote
  issues through the site (captured from a vote: session, user and proposal reads, the transaction, the
  task row of the live push); afterwards every proposal's ``vote_count`` is checked against its votes.
  ``--vote-rounds`` (3) rounds, each both floors and then every server, with fresh voters; each row gives
  the median of the rounds, and each ratio the median of a round's project over that round's floor.

It prints a table (project, floor, ratio, load average) and writes JSON (``--json``, default
``bench/results/run-<time>.json``). The database it created is dropped at the end, and only that one.
BENCH_POSTGRES_URL overrides the server (without a database name); REDIS_URL, if set, carries the cache and
the channel layer as in production.
"""

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.owned_database import owned_database  # noqa: E402 - after the path is set

CSRF_TOKEN = "benchruncsrftoken0123456789abcde"  # noqa: S105 - any 32 characters: cookie and header agree
PAGE_SIZE = 20
DETAIL_COMMENTS = 200


def load_text_generator():
    """bench/search's Korean/English text generator (loaded by path: its name would shadow the search app)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_search_generator", ROOT / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- data ----------------------------------------------------------------------------------------------


def grow_to(size: int, rng: random.Random, generator) -> dict:
    """Add proposals (and their users, votes, comments, follows) until there are ``size`` of them."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from proposals.models import Area, Category, Comment, Proposal

    User = get_user_model()
    started = time.perf_counter()
    have = Proposal.objects.count()
    users_wanted = max(200, size // 50)
    users_have = User.objects.filter(email__startswith="bench").count()
    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(
                email=f"bench{n}@example.org", display_name=f"주민 {n}" if n % 5 else f"Resident {n}", password=unusable
            )
            for n in range(users_have, users_wanted)
        ],
        batch_size=2000,
    )
    users = list(User.objects.filter(email__startswith="bench").values_list("pk", flat=True))
    categories = list(Category.objects.all())
    dongs = list(Area.objects.filter(parent__isnull=False)) or list(Area.objects.all())
    statuses = [status for status, weight in generator.STATUSES for _ in range(weight)]
    now = timezone.now()
    last_id = Proposal.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    batch = []
    for _ in range(max(size - have, 0)):
        title, description = generator.make_text(rng)
        point = None
        if rng.random() < 0.7:
            point = (generator.CENTRE[0] + rng.uniform(-0.08, 0.08), generator.CENTRE[1] + rng.uniform(-0.1, 0.1))
        batch.append(
            Proposal(
                title=title,
                description=description,
                category=rng.choice(categories),
                area=rng.choice(dongs),
                author_id=rng.choice(users),
                status=rng.choice(statuses),
                is_hidden=rng.random() < 0.03,
                latitude=round(point[0], 6) if point else None,
                longitude=round(point[1], 6) if point else None,
                created_at=now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60)),
            )
        )
        if len(batch) == 5000:
            Proposal.objects.bulk_create(batch)
            batch = []
    if batch:
        Proposal.objects.bulk_create(batch)
    new_ids = list(Proposal.objects.filter(pk__gt=last_id).values_list("pk", flat=True))
    comments = []
    for pk in new_ids:
        for _ in range(int(rng.random() ** 2 * 3)):
            korean = rng.random() < 0.8
            comments.append(
                Comment(
                    proposal_id=pk,
                    author_id=rng.choice(users),
                    author_role="resident",
                    body=rng.choice(generator.SENTENCES if korean else generator.EN_SENTENCES),
                    created_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 300)),
                )
            )
        if len(comments) >= 5000:
            Comment.objects.bulk_create(comments)
            comments = []
    if comments:
        Comment.objects.bulk_create(comments)
    with connection.cursor() as cursor:
        # About 4.9 votes per proposal, skewed (most have a few, some many), never twice by one person.
        cursor.execute(
            """
            WITH voters AS (SELECT array_agg(id) AS ids FROM accounts_user WHERE email LIKE 'bench%%')
            INSERT INTO proposals_vote (user_id, proposal_id, created_at, channel, helped_at)
            SELECT voters.ids[1 + floor(random() * array_length(voters.ids, 1))::int], p.id, now(), 'online', ''
            FROM voters, proposals_proposal p
            CROSS JOIN LATERAL generate_series(1, floor(power(random(), 3) * 24 + p.id * 0)::int) g
            WHERE p.id > %s
            ON CONFLICT DO NOTHING
            """,
            [last_id],
        )
        cursor.execute(
            """
            UPDATE proposals_proposal p SET vote_count = c.n
            FROM (SELECT proposal_id, count(*) AS n FROM proposals_vote GROUP BY proposal_id) c
            WHERE c.proposal_id = p.id AND p.id > %s
            """,
            [last_id],
        )
        cursor.execute(
            """
            UPDATE proposals_proposal p SET comment_count = c.n
            FROM (SELECT proposal_id, count(*) AS n FROM proposals_comment WHERE NOT is_hidden AND NOT is_removed
                  GROUP BY proposal_id) c
            WHERE c.proposal_id = p.id AND p.id > %s
            """,
            [last_id],
        )
        cursor.execute(
            """
            INSERT INTO notifications_follow (user_id, proposal_id, created_at)
            SELECT user_id, proposal_id, now() FROM proposals_vote WHERE proposal_id > %s
            UNION SELECT author_id, id, now() FROM proposals_proposal WHERE id > %s
            ON CONFLICT DO NOTHING
            """,
            [last_id, last_id],
        )
    from search.search_text import refresh_search_text, stale_proposal_ids

    refresh_search_text(stale_proposal_ids())
    with connection.cursor() as cursor:
        for table in ("proposals_proposal", "proposals_vote", "proposals_comment", "notifications_follow"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("VACUUM ANALYZE search_proposalsearchtext")
    return {"proposals": size, "users": len(users), "seconds": round(time.perf_counter() - started, 1)}


def detail_proposal(rng: random.Random, generator) -> int:
    """A public proposal with exactly 200 visible comments: 150 top-level, 50 replies."""
    from django.db.models import F

    from proposals.models import Comment, Proposal

    proposal = Proposal.objects.public().filter(status="published").order_by("pk").first()
    users = list(Proposal.objects.values_list("author_id", flat=True).distinct()[:200])
    Comment.objects.filter(proposal=proposal).delete()
    top = Comment.objects.bulk_create(
        [
            Comment(
                proposal=proposal,
                author_id=rng.choice(users),
                author_role="resident",
                body=" ".join(rng.sample(generator.SENTENCES, 2)),
            )
            for _ in range(150)
        ]
    )
    Comment.objects.bulk_create(
        [
            Comment(
                proposal=proposal,
                parent=rng.choice(top),
                author_id=rng.choice(users),
                author_role="resident",
                body=rng.choice(generator.EN_SENTENCES),
            )
            for _ in range(DETAIL_COMMENTS - 150)
        ]
    )
    Proposal.objects.filter(pk=proposal.pk).update(comment_count=DETAIL_COMMENTS + F("comment_count") * 0)
    return proposal.pk


# --- measuring pages -------------------------------------------------------------------------------------


def p50_p95(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
    return round(statistics.median(timings), 2), round(p95, 2)


def time_get(client, path: str, repeat: int, before=None) -> dict:
    """p50/p95 of ``repeat`` requests after two warm-ups, and the statements one request issued.

    ``before``: called ahead of every request, outside the timing (to make each one a first visit).
    """
    from django.db import connection

    before = before or (lambda: None)
    for _ in range(2):
        before()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    captured = []

    def record(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        captured.append(connection.ops.last_executed_query(context["cursor"], sql, params))
        return result

    # A wrapper, not CaptureQueriesContext: the request closes its connection (back to the pool) at its end.
    before()
    with connection.execute_wrapper(record):
        client.get(path)
    timings = []
    for _ in range(repeat):
        before()
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    p50, p95 = p50_p95(timings)
    return {"p50": p50, "p95": p95, "queries": len(captured), "sql": captured}


def replay_sql(database_url: str, statements: list[str], repeat: int) -> float:
    """p50 (ms) of the page's own reads replayed on one psycopg connection (writes are skipped)."""
    import psycopg

    reads = [sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    with psycopg.connect(database_url, autocommit=True) as connection:
        timings = []
        for round_ in range(repeat + 2):
            started = time.perf_counter()
            for sql in reads:
                connection.execute(sql).fetchall()  # no parameters: sent as captured
            if round_ >= 2:
                timings.append((time.perf_counter() - started) * 1000)
    return p50_p95(timings)[0]


def page_jobs(detail_pk: int, pilot_pk: int | None) -> list[tuple]:
    """(job, the page, its minimal-view floor[, what to do before each request])."""
    deep = 500
    jobs = [
        ("list, default", "/proposals/", "/bench-floor/list/"),
        (
            "list, filtered",
            "/proposals/?category=safety&status=published",
            "/bench-floor/list/?category=safety&status=published",
        ),
        ("list, sorted by votes", "/proposals/?sort=votes", "/bench-floor/list/?sort=votes"),
        (
            f"list, page {deep} by votes",
            f"/proposals/?sort=votes&page={deep}",
            f"/bench-floor/list/?sort=votes&page={deep}",
        ),
        (f"detail, {DETAIL_COMMENTS} comments", f"/proposals/{detail_pk}/", f"/bench-floor/detail/{detail_pk}/"),
        ("search page `가로등`", "/search/?q=가로등", "/bench-floor/search/?q=가로등"),
        ("API /api/v1/proposals/", "/api/v1/proposals/", "/bench-floor/api/"),
    ]
    if pilot_pk:
        from wagtail.models import Page

        from livinglab.fragments import page_changed, page_parts_changed

        url, floor = Page.objects.get(pk=pilot_pk).url, f"/bench-floor/pilot/{pilot_pk}/"
        jobs.append(("pilot page", url, floor))
        # Each request the first after a change, so the page is rendered, not served as kept (livinglab.page_cache):
        # new results or readings (its cached fragments rendered too), or a registration (they stay).
        jobs.append(("pilot page, after a change", url, floor, lambda: page_changed(pilot_pk)))
        jobs.append(("pilot page, after a registration", url, floor, lambda: page_parts_changed(pilot_pk)))
    return jobs


def measure_pages(database_url: str, jobs, repeat: int, size: int) -> list[dict]:
    from django.core.cache import cache
    from django.test import Client

    client = Client()
    rows = []
    for job, path, floor_path, *before in jobs:
        if size < 20 * 500 and "page 500" in job:
            path, floor_path = (p.replace("page=500", f"page={max(size // 40, 1)}") for p in (path, floor_path))
        load = os.getloadavg()[0]
        cache.clear()
        page = time_get(client, path, repeat, *before)
        floor = time_get(client, floor_path, repeat)
        sql = replay_sql(database_url, page["sql"], repeat)
        row = {
            "job": job,
            "size": size,
            "path": path,
            "project_p50": page["p50"],
            "project_p95": page["p95"],
            "queries": page["queries"],
            "view_p50": floor["p50"],
            "sql_p50": sql,
            "ratio_view": round(page["p50"] / floor["p50"], 2),
            "ratio_sql": round(page["p50"] / sql, 2) if sql else None,
            "load": round((load + os.getloadavg()[0]) / 2, 2),
        }
        rows.append(row)
        print(
            f"  {job:<28} {page['p50']:8.1f} ms  view {floor['p50']:7.1f}  sql {sql:6.1f}  "
            f"×{row['ratio_view']:.1f}/×{row['ratio_sql'] or 0:.1f}  q={page['queries']}  load {row['load']}",
            file=sys.stderr,
            flush=True,
        )
    return rows


# --- measuring votes -----------------------------------------------------------------------------------


SERVERS = {
    "daphne": lambda port, workers: [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "livinglab.asgi:application"],
    "gunicorn": lambda port, workers: [
        sys.executable, "-m", "gunicorn", "livinglab.asgi:application", "-k", "uvicorn_worker.UvicornWorker",
        "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "300", "--log-level", "warning",
    ],
}  # fmt: skip


def start_server(kind: str, workers: int, env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    from tests.live.servers import free_port, wait_for_port

    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            SERVERS[kind](port, workers), cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    wait_for_port(port, process=process, log=log, timeout=600)  # Django boots slowly on a busy machine
    # The port opens when gunicorn's master binds it, before its workers have imported the site: a worker still
    # booting while the clients vote spends its seconds of CPU inside the measurement, beside the workers serving.
    expected = workers if kind != "daphne" else 0

    def ready() -> bool:
        if process.poll() is not None:
            raise SystemExit(f"{kind} stopped while starting (exit {process.returncode}); see {log}")
        return len(worker_pids(process)) >= expected

    wait_until_idle(cpu=lambda: server_cpu(process), ready=ready, what=f"{kind} with {expected} workers")
    return process, port


def wait_until_idle(cpu, ready, what: str, *, interval=1.0, idle_cpu=0.05, timeout=600, sleep=time.sleep) -> None:
    """Until ``ready()`` and the processes behind ``cpu()`` (their CPU seconds) used less than ``idle_cpu`` seconds
    of CPU over ``interval``: booting is all CPU, so a server that has gone idle has started every worker. Counted
    in intervals slept, so a busy machine slows the wait down without cutting it short."""
    before = cpu()
    for _ in range(int(timeout / interval)):
        sleep(interval)
        now = cpu()
        if ready() and now - before < idle_cpu:
            return
        before = now
    raise SystemExit(f"{what} did not start and settle within {timeout:.0f} s")


def cpu_seconds(matches) -> float:
    """User and system CPU seconds of the running processes whose (pid, parent pid, command line) ``matches``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if matches(int(pid), int(fields[1]), command):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def worker_pids(process: subprocess.Popen) -> list[int]:
    """The server's worker processes (its children)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == process.pid:
            pids.append(int(pid))
    return pids


def server_cpu(process: subprocess.Popen) -> float:
    """The server's CPU seconds: its own process and its workers (one level of children, as both servers run)."""
    return cpu_seconds(lambda pid, parent, _command: process.pid in (pid, parent))


def postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL process on this machine (the run's own are the busy ones)."""
    return cpu_seconds(lambda _pid, _parent, command: command.startswith("postgres"))


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def sessions_for(user_ids: list[int]) -> list[str]:
    from django.test import Client

    from accounts.models import User

    sessions = []
    for user in User.objects.filter(pk__in=user_ids):
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    return sessions


def vote_load(port: int, sessions: list[str], proposals: list[int], seconds: float, measure=()) -> dict:
    """Each client (one session, one keep-alive connection) votes on proposals it has not voted on yet.

    The server has booted every worker before this is called (``start_server``); every client first loads a
    vote panel twice (templates and pooled connections warm up in the workers it reaches), and the clock starts
    when all are ready. With ``measure=(server process,)`` it also says
    where the CPU went while the clients voted: the server's processes, PostgreSQL's and the clients' own,
    each in milliseconds per vote answered 200.
    """
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    lock, connecting = threading.Lock(), threading.Lock()
    stop_at = [0.0]
    # The clock is set by the barrier's action, before any client passes it: set after it, a client that ran
    # first saw no deadline yet and stopped at once (runs lost most of their clients, one all of them).
    ready = threading.Barrier(len(sessions) + 1, action=lambda: stop_at.__setitem__(0, time.monotonic() + seconds))

    def client(index: int, session: str):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {
            "Cookie": f"sessionid={session}; csrftoken={CSRF_TOKEN}",
            "X-CSRFToken": CSRF_TOKEN,
            "HX-Request": "true",
            "Content-Length": "0",
        }
        order = proposals[index :: len(sessions)]
        warmed, deadline = 0, time.monotonic() + 600  # workers may take a minute to boot on a busy machine
        # The clients connect one after another, as people arrive: connections opened in the same instant all
        # go to the one worker whose event loop wakes first (it accepts every pending connection at once),
        # which no multi-worker server would see from real visitors (measured: one worker at 90 % CPU, the
        # other idle).
        with connecting:
            while warmed < 2 and time.monotonic() < deadline:
                try:
                    connection.request("GET", f"/proposals/{order[-1]}/fragments/vote/", headers=headers)
                    connection.getresponse().read()
                    warmed += 1
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            time.sleep(0.05)
        ready.wait()
        mine, seen = [], {}
        for pk in order:
            if time.monotonic() >= stop_at[0]:
                break
            started = time.perf_counter()
            try:
                connection.request("POST", f"/proposals/{pk}/vote/", headers=headers)
                response = connection.getresponse()
                response.read()
                # A 200 that sends the browser elsewhere (the consent page, the login) recorded no vote.
                status = "redirect" if response.getheader("HX-Redirect") else response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            mine.append((time.perf_counter() - started) * 1000)
            seen[str(status)] = seen.get(str(status), 0) + 1
        connection.close()
        with lock:
            latencies.extend(mine)
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=client, args=(i, s), daemon=True) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = stop_at[0] - seconds
    cpu_before = (server_cpu(measure[0]), postgres_cpu(), time.process_time()) if measure else None
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ok = statuses.get("200", 0)
    result = {
        "votes_per_s": round(ok / elapsed, 1),
        "p50": p50_p95(latencies)[0] if latencies else None,
        "p95": p50_p95(latencies)[1] if latencies else None,
        "statuses": dict(sorted(statuses.items())),
    }
    if cpu_before and ok:
        after = (server_cpu(measure[0]), postgres_cpu(), time.process_time())
        server, postgres, clients = (round((b - a) * 1000 / ok, 2) for a, b in zip(cpu_before, after, strict=True))
        result["cpu_ms_per_vote"] = {"server": server, "postgres": postgres, "clients": clients}
    return result


def psycopg_votes(database_url: str, clients: int, proposals: list[int], seconds: float, vote) -> dict:
    """``vote(connection, client, pk)`` by one psycopg thread per client, one autocommit connection each, over
    that client's share of ``proposals`` until ``seconds`` have passed: votes/s, p50 and p95 (ms), votes made."""
    import psycopg

    stop_at = time.monotonic() + seconds
    latencies: list[float] = []
    lock = threading.Lock()

    def client(index: int):
        with psycopg.connect(database_url, autocommit=True) as connection:
            mine = []
            for pk in proposals[index::clients]:
                if time.monotonic() >= stop_at:
                    break
                started = time.perf_counter()
                vote(connection, index, pk)
                mine.append((time.perf_counter() - started) * 1000)
            with lock:
                latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    p50, p95 = p50_p95(latencies)
    return {"votes_per_s": round(len(latencies) / elapsed, 1), "p50": p50, "p95": p95, "votes": len(latencies)}


def vote_floor(database_url: str, users: list[int], proposals: list[int], clients: int, seconds: float) -> dict:
    """The vote's transaction by psycopg threads: insert once, count, follow; one connection per client."""

    def vote(connection, index: int, pk: int) -> None:
        user = users[index]
        with connection.transaction():
            inserted = connection.execute(
                "INSERT INTO proposals_vote (user_id, proposal_id, created_at, channel, helped_at) "
                "VALUES (%s, %s, now(), 'online', '') "
                "ON CONFLICT DO NOTHING RETURNING id",
                [user, pk],
            ).fetchone()
            if inserted:
                connection.execute(
                    "UPDATE proposals_proposal SET vote_count = vote_count + 1 WHERE id = %s RETURNING vote_count",
                    [pk],
                ).fetchone()
                connection.execute(
                    "INSERT INTO notifications_follow (user_id, proposal_id, created_at) VALUES (%s, %s, now()) "
                    "ON CONFLICT DO NOTHING",
                    [user, pk],
                )

    return psycopg_votes(database_url, clients, proposals, seconds, vote)


def capture_vote(session: str, user_pk: int, proposals: list[int]) -> tuple[int, list[tuple]]:
    """The statements one vote issues through the site, in order, each with its parameters and whether it ran
    inside the vote's transaction: a vote posted in-process through the whole middleware stack (Django's test
    client, the session's cookie), after one warm-up vote that fills the caches a vote reads."""
    from django.db import connection
    from django.test import Client

    client = Client()
    client.cookies["sessionid"] = session
    # Two proposals whose ids cannot be mistaken for the voter's among the parameters.
    warm, captured_pk = [pk for pk in proposals if pk != user_pk][:2]
    captured = []

    def record(execute, sql, params, many, context):
        captured.append((sql, tuple(params or ()), connection.in_atomic_block))
        return execute(sql, params, many, context)

    def post(pk: int) -> None:
        response = client.post(f"/proposals/{pk}/vote/", HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and not response.get("HX-Redirect"), (pk, response.status_code)

    post(warm)
    with connection.execute_wrapper(record):
        post(captured_pk)
    return captured_pk, captured


def vote_sql_floor(
    database_url: str,
    captured: tuple[int, list[tuple]],
    captured_by: tuple[int, str],
    voters: list[tuple[int, str]],
    proposals: list[int],
    seconds: float,
) -> dict:
    """The vote's own statements (``capture_vote``) replayed by one psycopg thread per voter, each vote with
    its voter, session and proposal put in for the captured ones (and a new id for a task row), the reads in
    autocommit and the transaction as one transaction, as the site issues them."""
    captured_pk, statements = captured
    user_pk, session = captured_by

    def bound(params: tuple, voter: int, key: str, pk: int) -> tuple:
        def one(value):
            if isinstance(value, uuid.UUID):
                return uuid.uuid4()
            if type(value) is int:
                return {user_pk: voter, captured_pk: pk}.get(value, value)
            return key if value == session else value

        return tuple(one(value) for value in params)

    # Runs of statements: each outside the transaction alone (autocommit), the transaction's together.
    runs: list[tuple[bool, list[tuple]]] = []
    for sql, params, atomic in statements:
        if atomic and runs and runs[-1][0]:
            runs[-1][1].append((sql, params))
        else:
            runs.append((atomic, [(sql, params)]))

    def vote(connection, index: int, pk: int) -> None:
        voter, key = voters[index]
        for atomic, run in runs:
            with connection.transaction() if atomic else nullcontext():
                for sql, params in run:
                    cursor = connection.execute(sql, bound(params, voter, key, pk))
                    if cursor.description:
                        cursor.fetchall()

    return {**psycopg_votes(database_url, len(voters), proposals, seconds, vote), "statements": len(statements)}


def counts_exact() -> int:
    """Proposals whose cached vote_count differs from their votes (0 when exact)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM proposals_proposal p
            LEFT JOIN (SELECT proposal_id, count(*) n FROM proposals_vote GROUP BY proposal_id) v ON v.proposal_id = p.id
            WHERE p.vote_count <> coalesce(v.n, 0)
            """
        )
        return cursor.fetchone()[0]


def fresh_voters(count: int, tag: str) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from accounts.consent import current_versions
    from accounts.models import Consent

    User = get_user_model()
    unusable = make_password(None)
    made = User.objects.bulk_create(
        [User(email=f"voter-{tag}-{n}@example.org", display_name=f"Voter {n}", password=unusable) for n in range(count)]
    )
    # They accepted the current terms, as everyone who may vote has: without it every vote is answered by the
    # consent middleware's redirect (a 200 with HX-Redirect), and the run would time that instead of votes.
    Consent.objects.bulk_create(
        [
            Consent(user=user, document=document, version=version)
            for user in made
            for document, version in current_versions().items()
        ]
    )
    return [user.pk for user in made]


def votes_by(user_ids: list[int]) -> int:
    from proposals.models import Vote

    return Vote.objects.filter(user_id__in=user_ids).count()


def combine_rounds(rounds: list[dict]) -> dict:
    """One row from rounds of (floor, its SQL floor, project): the median of each figure, each ratio the median
    of the rounds' own ratios (a project over the floors measured beside it), and the votes answered 200,
    recorded and wrongly counted summed over the rounds (they must agree, and be 0, in every round)."""

    def median(values):
        values = [value for value in values if value is not None]
        return round(statistics.median(values), 2) if values else None

    def ratio(floor: float, project: float):
        return round(floor / project, 2) if project else None

    projects = [r["project"] for r in rounds]
    statuses: dict[str, int] = {}
    for project in projects:
        for status, count in project["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    cpu = [p.get("cpu_ms_per_vote") for p in projects if p.get("cpu_ms_per_vote")]
    ratios_sql = [ratio(r["sql_floor"]["votes_per_s"], r["project"]["votes_per_s"]) for r in rounds]
    return {
        "project_votes_per_s": median(p["votes_per_s"] for p in projects),
        "project_p95": median(p["p95"] for p in projects),
        "statuses": dict(sorted(statuses.items())),
        "floor_votes_per_s": median(r["floor"]["votes_per_s"] for r in rounds),
        "floor_p95": median(r["floor"]["p95"] for r in rounds),
        "ratio": median(ratio(r["floor"]["votes_per_s"], r["project"]["votes_per_s"]) for r in rounds),
        "sql_floor_votes_per_s": median(r["sql_floor"]["votes_per_s"] for r in rounds),
        "sql_floor_p95": median(r["sql_floor"]["p95"] for r in rounds),
        "sql_floor_statements": rounds[0]["sql_floor"]["statements"],
        "ratio_sql": median(ratios_sql),
        "rounds_ratio_sql": ratios_sql,
        "cpu_ms_per_vote": (
            {part: median(c[part] for c in cpu) for part in ("server", "postgres", "clients")} if cpu else None
        ),
        "counts_wrong": sum(r["counts_wrong"] for r in rounds),
        "votes_recorded": sum(r["votes_recorded"] for r in rounds),
        "rounds": len(rounds),
    }


def measure_votes(args, database_url: str, env: dict, directory: Path, size: int) -> list[dict]:
    from proposals.models import VOTING_STATUSES, Proposal

    # Open for votes (not "open" in the sense of on the way to a pilot: accepted proposals answer 409).
    open_ids = list(Proposal.objects.public().filter(status__in=VOTING_STATUSES).values_list("pk", flat=True))
    random.Random(size).shuffle(open_ids)
    rows = []
    # What one vote issues through the site, captured once per size and replayed as the second floor.
    capturer = fresh_voters(1, f"capture-{size}")[0]
    capturer_session = sessions_for([capturer])[0]
    captured = capture_vote(capturer_session, capturer, open_ids[-4:])
    open_ids = [pk for pk in open_ids if pk != captured[0]]
    for clients in args.clients:
        load = os.getloadavg()[0]
        # Rounds, each measuring both floors and then every server in turn with fresh voters: a project's figure
        # is set beside the floors of its own round (the machine's speed drifts between rounds by as much as
        # the difference being measured), and the row gives the median of the rounds.
        rounds: dict[str, list[dict]] = {kind: [] for kind in args.servers}
        for round_ in range(args.vote_rounds):
            tag = f"{size}-{clients}-r{round_}"
            floor = vote_floor(
                database_url, fresh_voters(clients, f"floor-{tag}"), open_ids, clients, args.vote_seconds
            )
            sql_users = fresh_voters(clients, f"sql-floor-{tag}")
            sql_floor = vote_sql_floor(
                database_url,
                captured,
                (capturer, capturer_session),
                list(zip(sql_users, sessions_for(sql_users), strict=True)),
                open_ids,
                args.vote_seconds,
            )
            # Each replayed vote must be a vote: the voter and proposal were put in where the captured ones were.
            replayed = votes_by(sql_users)
            if replayed != sql_floor["votes"]:
                raise SystemExit(f"the replayed vote SQL recorded {replayed} votes for {sql_floor['votes']} replayed")
            for kind in args.servers:
                users = fresh_voters(clients, f"{kind}-{tag}")
                sessions = sessions_for(users)
                process, port = start_server(kind, args.workers, env, directory / f"{kind}.log")
                try:
                    project = vote_load(port, sessions, open_ids, args.vote_seconds, measure=(process,))
                finally:
                    stop_server(process)
                rounds[kind].append(
                    {
                        "floor": floor,
                        "sql_floor": sql_floor,
                        "project": project,
                        "counts_wrong": counts_exact(),
                        "votes_recorded": votes_by(users),
                    }
                )
                print(
                    f"  round {round_ + 1}: {kind} {project['votes_per_s']}/s, floor {floor['votes_per_s']}/s, "
                    f"its SQL {sql_floor['votes_per_s']}/s, CPU ms/vote {project.get('cpu_ms_per_vote')}",
                    file=sys.stderr,
                    flush=True,
                )
        for kind in args.servers:
            row = {
                "job": f"vote, {clients} clients, {kind}" + (f" ×{args.workers}" if kind != "daphne" else ""),
                "size": size,
                **combine_rounds(rounds[kind]),
                "load": round((load + os.getloadavg()[0]) / 2, 2),
            }
            rows.append(row)
            print(
                f"  {row['job']:<36} {row['project_votes_per_s']:7.1f}/s p95 {row['project_p95']}  "
                f"floor {row['floor_votes_per_s']}/s ×{row['ratio']}  its SQL {row['sql_floor_votes_per_s']}/s "
                f"×{row['ratio_sql']} (rounds {row['rounds_ratio_sql']})  CPU ms/vote {row['cpu_ms_per_vote']}  "
                f"{row['statuses']}  recorded {row['votes_recorded']}  wrong counts {row['counts_wrong']}  load {row['load']}",
                file=sys.stderr,
                flush=True,
            )
    return rows


# --- report --------------------------------------------------------------------------------------------


def table(results: dict) -> str:
    lines = [
        f"Machine: {results['machine']}; started {results['started']}; sizes {results['sizes']}.",
        "",
        "| job | proposals | project p50 (ms) | minimal view p50 | SQL p50 | × view | × SQL | queries | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["pages"]:
        lines.append(
            f"| {row['job']} | {row['size']:,} | {row['project_p50']:.1f} | {row['view_p50']:.1f} | {row['sql_p50']:.1f} "
            f"| {row['ratio_view']:.1f} | {row['ratio_sql'] or 0:.1f} | {row['queries']} | {row['load']:.1f} |"
        )
    lines += [
        "",
        "| job | proposals | project votes/s | p95 (ms) | floor votes/s (psycopg) | floor p95 | × "
        "| its SQL votes/s | × its SQL | CPU ms/vote: server, PostgreSQL | answered 200 | votes recorded "
        "| counts wrong | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["votes"]:
        lines.append(
            f"| {row['job']} | {row['size']:,} | {row['project_votes_per_s']:.1f} | {row['project_p95']} "
            f"| {row['floor_votes_per_s']:.1f} | {row['floor_p95']} | {row['ratio']} "
            f"| {row['sql_floor_votes_per_s']:.1f} | {row['ratio_sql']} "
            f"| {(row.get('cpu_ms_per_vote') or {}).get('server')}, {(row.get('cpu_ms_per_vote') or {}).get('postgres')} "
            f"| {row['statuses'].get('200', 0)} "
            f"| {row['votes_recorded']} | {row['counts_wrong']} | {row['load']:.1f} |"
        )
    if results["votes"]:
        rounds = results["votes"][0].get("rounds", 1)
        lines += ["", f"Votes: the median of {rounds} rounds (answered 200, recorded and counts wrong: their sum)."]
    return "\n".join(lines)


def save(results: dict, output: Path) -> None:
    """Written after every size's pages and votes, so an interrupted run keeps what it measured."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, ensure_ascii=False, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page (after 2 warm-ups)")
    parser.add_argument("--vote-seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    parser.add_argument(
        "--vote-rounds",
        type=int,
        default=3,
        help="rounds of votes per client count (floors, then each server); rows give the median (default 3)",
    )
    parser.add_argument("--servers", nargs="+", choices=list(SERVERS), default=["daphne", "gunicorn"])
    parser.add_argument(
        "--workers",
        type=int,
        # What production starts (gunicorn.conf.py): two per core, at most eight.
        default=min(2 * (os.cpu_count() or 1), 8),
        help="worker processes of the multi-worker servers (default: as gunicorn.conf.py, 2 per core, at most 8)",
    )
    parser.add_argument("--skip-votes", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument(
        "--jobs",
        nargs="+",
        metavar="WORD",
        help="measure only the page jobs whose name contains one of these words (e.g. --jobs pilot)",
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-prefix", default="ll_bench_run", help="name of the database it creates: <prefix>_<random>"
    )
    args = parser.parse_args()
    if args.vote_rounds < 1:
        parser.error("--vote-rounds must be at least 1")

    directory = Path(tempfile.mkdtemp(prefix="bench-run-"))
    try:
        with owned_database(args.database_prefix) as database:
            run_jobs(args, database, directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run_jobs(args, database, directory: Path) -> None:
    redis_url = os.environ.get("REDIS_URL", "")
    prefix = f"bench-run-{uuid.uuid4().hex[:8]}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database.url,
        REDIS_URL=redis_url,
        CHANNELS_PREFIX=prefix,
        CACHE_KEY_PREFIX=prefix,
        ELASTICSEARCH_URL="",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
        # Each client votes hundreds of times a minute: the limiter is still consulted on every vote (its cost
        # is part of the vote), but a real person's hourly limit would turn the run into 429s.
        VOTE_RATE_LIMIT="1000000/h",
    )
    os.environ.update(env)
    output = args.json or ROOT / "bench" / "results" / f"run-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    results = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": (
            f"{os.cpu_count()} cores {platform.processor() or platform.machine()}, Python {platform.python_version()}"
        ),
        "sizes": args.sizes,
        "arguments": {k: v for k, v in vars(args).items() if k != "json"},
        "data": [],
        "pages": [],
        "votes": [],
    }
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo_data", quiet_credentials=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"migrated and demo site loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        results["machine"] += f", PostgreSQL {cursor.fetchone()[0]}"
    from pilots.models import PilotPage

    pilot = PilotPage.objects.live().first()
    generator = load_text_generator()
    rng = random.Random(args.seed)
    for size in sorted(args.sizes):
        data = grow_to(size, rng, generator)
        detail_pk = detail_proposal(rng, generator)
        results["data"].append(data)
        print(f"{size:,} proposals ready ({data})", file=sys.stderr, flush=True)
        if not args.skip_pages:
            jobs = page_jobs(detail_pk, pilot.pk if pilot else None)
            if args.jobs:
                jobs = [job for job in jobs if any(word in job[0] for word in args.jobs)]
            results["pages"] += measure_pages(database.url, jobs, args.repeat, size)
            save(results, output)
        if not args.skip_votes:
            results["votes"] += measure_votes(args, database.url, env, directory, size)
            save(results, output)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    save(results, output)
    print(table(results))
    print(f"\nJSON: {output}")


if __name__ == "__main__":
    main()
