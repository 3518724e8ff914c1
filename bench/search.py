#!/usr/bin/env python
"""bench/search: proposal search on the database backend with 100,000 proposals on PostgreSQL.

Creates a database of its own (a fresh name each run; it refuses one that exists), migrates it, bulk-creates proposals with
Korean and English text, then measures p50/p95 of typical searches through `search.interface` (the same call
the /search/ page makes: count, page, three facet aggregates) and the rate at which the rebuild path turns
proposals into serialised bulk actions (without sending them anywhere).

    .venv/bin/python bench/search.py                     # 100k proposals in a new database ll_bench_search_<random>
    .venv/bin/python bench/search.py --proposals 20000 --repeat 20
    .venv/bin/python bench/search.py --keep              # keep the database afterwards, for inspection
    .venv/bin/python bench/search.py --reuse ll_bench_search_1a2b3c4d   # measure again on a kept database

At the end it drops the database it created, and only that one (unless --keep); a database named with --reuse is
measured as it is (its proposals counted, not created) and never dropped. Beside the calls, the whole /search/ page
(Django's test client, every middleware) is timed for `가로등`, so the page can be set against `search_proposals()`.

Needs PostgreSQL on 127.0.0.1:5432 as user postgres (override with BENCH_POSTGRES_URL, without a database name).
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.owned_database import admin_url, owned_database  # noqa: E402 - after the path is set

PLACES = [
    "골목",
    "시장 앞",
    "학교 앞",
    "아파트 단지",
    "지하철역 출구",
    "공원 입구",
    "주민센터 옆",
    "다리 밑",
    "버스 정류장",
]
THINGS = [
    "가로등",
    "보도블록",
    "불법 주차",
    "쓰레기 무단투기",
    "미세먼지",
    "놀이터 시설",
    "횡단보도",
    "공원 벤치",
    "CCTV",
    "소음",
    "악취",
    "자전거 도로",
    "경사로",
    "점자블록",
    "하수구",
    "방범등",
]
PROBLEMS = ["고장", "파손", "설치 요청", "개선 필요", "교체 요청", "부족", "위험", "정비 요청"]
SENTENCES = [
    "밤마다 너무 어두워서 어르신들이 다니기 위험합니다.",
    "아이들이 매일 지나다니는 길이라 빠른 조치가 필요합니다.",
    "여러 번 민원을 넣었지만 아직 해결되지 않았습니다.",
    "비가 오면 물이 고여서 통행이 불편합니다.",
    "주민들이 함께 의견을 모았습니다.",
    "휠체어와 유모차가 지나가기 어렵습니다.",
    "주말에는 특히 사람이 많아 사고가 날까 걱정입니다.",
]
EN_THINGS = ["street light", "pavement", "illegal parking", "litter", "fine dust", "playground", "crossing", "bench"]
EN_PROBLEMS = ["is broken", "needs repair", "is dangerous at night", "should be replaced", "is missing"]
EN_SENTENCES = [
    "Children walk here every day on their way to school.",
    "Older residents find it hard to pass, especially after dark.",
    "We reported it before but nothing has changed yet.",
    "The light near the gate has been out for two weeks.",
]
STATUSES = [
    ("published", 60),
    ("under_review", 10),
    ("accepted", 8),
    ("rejected", 7),
    ("piloting", 5),
    ("completed", 3),
    ("withdrawn", 4),
]
CENTRE = (37.5500, 127.0400)


def make_text(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.2:
        thing = rng.choice(EN_THINGS)
        title = f"The {thing} {rng.choice(EN_PROBLEMS)} near the {rng.choice(['market', 'school', 'station', 'park'])}"
        description = " ".join(rng.sample(EN_SENTENCES, 3)) + f" Please look at the {thing}."
        return title[:140], description
    thing = rng.choice(THINGS)
    title = f"{rng.choice(PLACES)} {thing} {rng.choice(PROBLEMS)}"
    description = f"{rng.choice(PLACES)}에 있는 {thing}이(가) 문제입니다. " + " ".join(rng.sample(SENTENCES, 3))
    if rng.random() < 0.002:
        description += " 측정기도 함께 설치해 주세요."  # a rare word, for the rare-word case
    return title, description


def populate(count: int, seed: int = 7) -> None:
    # Imported here, as in serialisation_rate(): both run after run() has set Django up with the chosen settings.
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from proposals.models import Area, Category, Proposal

    rng = random.Random(seed)
    User = get_user_model()
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"bench{n}@example.org", display_name=f"Bench {n}", password=unusable) for n in range(500)]
    )
    categories = Category.objects.bulk_create(
        [
            Category(name=name, name_en=slug.title(), slug=slug)
            for name, slug in [
                ("안전", "safety"),
                ("환경", "environment"),
                ("교통", "mobility"),
                ("돌봄", "care"),
                ("디지털 포용", "digital-inclusion"),
                ("주거", "housing"),
                ("문화", "culture"),
                ("복지", "welfare"),
            ]
        ]
    )
    districts = [
        Area.objects.create(name=name, name_en=slug, slug=slug, latitude=CENTRE[0], longitude=CENTRE[1])
        for name, slug in [("성동구", "seongdong-gu"), ("구로구", "guro-gu")]
    ]
    dongs = Area.objects.bulk_create(
        [
            Area(
                name=f"{n}동",
                name_en=f"Dong {n}",
                slug=f"{district.slug}-dong-{n}",
                parent=district,
                latitude=CENTRE[0],
                longitude=CENTRE[1],
            )
            for district in districts
            for n in range(10)
        ]
    )
    statuses = [status for status, weight in STATUSES for _ in range(weight)]
    now = timezone.now()
    batch = []
    for _ in range(count):
        title, description = make_text(rng)
        point = None
        if rng.random() < 0.7:
            point = (CENTRE[0] + rng.uniform(-0.08, 0.08), CENTRE[1] + rng.uniform(-0.1, 0.1))
        batch.append(
            Proposal(
                title=title,
                description=description,
                category=rng.choice(categories),
                area=rng.choice(dongs),
                author=rng.choice(users),
                status=rng.choice(statuses),
                is_hidden=rng.random() < 0.03,
                vote_count=int(rng.paretovariate(1.5)) - 1,
                comment_count=rng.randint(0, 12),
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


def measure(function, repeat: int) -> tuple[float, float, object]:
    for _ in range(3):
        result = function()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
    return statistics.median(timings), p95, result


def serialisation_rate() -> tuple[int, float]:
    """Documents/s of the rebuild path: read public proposals, build bulk actions, serialise them as NDJSON."""
    from elasticsearch import Elasticsearch
    from elasticsearch.helpers.actions import expand_action

    from search.management.commands.search_index import rebuild_actions

    serializers = Elasticsearch("http://127.0.0.1:9").transport.serializers  # never contacted
    started = time.perf_counter()
    count = 0
    size = 0
    for action in rebuild_actions("bench-proposals-1"):
        for part in expand_action(action):
            if part is not None:
                size += len(serializers.dumps(part, mimetype="application/json"))
        count += 1
    elapsed = time.perf_counter() - started
    return count, count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database this run created")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--reuse", metavar="DATABASE", help="measure on a database an earlier --keep run left")
    args = parser.parse_args()

    if args.reuse:
        if not args.reuse.startswith("ll_bench_search_"):
            raise SystemExit("--reuse takes only a database bench/search.py created (ll_bench_search_...)")
        run(args, f"{admin_url()}/{args.reuse}")
        return
    with owned_database("ll_bench_search", keep=args.keep) as database:
        run(args, database.url)


def run(args, database_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "livinglab.settings.test",
            "DATABASE_URL": database_url,
            "REDIS_URL": "",
            "ELASTICSEARCH_URL": "",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from proposals.models import Proposal
    from search.backends.database import forget_cached_results
    from search.interface import Near, Point, Sort, search_proposals, similar_proposals
    from search.search_text import refresh_search_text, stale_proposal_ids

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if args.reuse:
        args.proposals = Proposal.objects.count()
    else:
        started = time.perf_counter()
        populate(args.proposals)
        print(f"created {args.proposals} proposals in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    analysed = refresh_search_text(stale_proposal_ids())
    elapsed = time.perf_counter() - started
    if analysed:
        print(f"analysed {analysed} proposals (Korean analysis) in {elapsed:.1f} s: {analysed / elapsed:.0f}/s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE proposals_proposal")
        cursor.execute("VACUUM ANALYZE search_proposalsearchtext")
    client = Client()

    def page(path: str):
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return []

    def first_visit(query: str):
        """The search as a new query costs it: the cached results' generation moved on first."""
        forget_cached_results()
        return search_proposals(query)

    near = Near(Point(*CENTRE), radius_km=1.0)
    cases = [
        ("Korean fragment `가로등`", lambda: search_proposals("가로등")),
        ("Korean two words `가로등 고장`", lambda: search_proposals("가로등 고장")),
        ("Korean fragment inside words `로등`", lambda: search_proposals("로등")),
        ("English word `light`", lambda: search_proposals("light")),
        (
            "`가로등` + status + category filters",
            lambda: search_proposals("가로등", filters={"status": "published", "category": "safety"}),
        ),
        ("Near me (1 km), no words", lambda: search_proposals("", near=near)),
        ("Near me (1 km) + `가로등`", lambda: search_proposals("가로등", near=near)),
        ("`쓰레기` sorted by votes", lambda: search_proposals("쓰레기", sort=Sort.VOTES)),
        ("No words, newest first (browse), counts cached", lambda: search_proposals("")),
        ("No words, newest first (browse), counts not cached", lambda: first_visit("")),
        ("`가로등`, nothing cached (first visit)", lambda: first_visit("가로등")),
        ("`light`, nothing cached (first visit)", lambda: first_visit("light")),
        ("`가로등을`, nothing cached (first visit)", lambda: first_visit("가로등을")),
        ("`가로등 고장`, nothing cached (first visit)", lambda: first_visit("가로등 고장")),
        ("`로등` (inside words), nothing cached (first visit)", lambda: first_visit("로등")),
        ("`가로등`, page 50", lambda: search_proposals("가로등", page=50)),
        ("Rare word `측정기`, newest first", lambda: search_proposals("측정기", sort=Sort.NEWEST)),
        ("Nothing matches `zeppelin` (strict, then fallback)", lambda: search_proposals("zeppelin")),
        ("Word with a particle `가로등을`", lambda: search_proposals("가로등을")),
        ("Similar while typing `골목 가로등이 고장났어요`", lambda: similar_proposals("골목 가로등이 고장났어요", "")),
        ("Search page `/search/?q=가로등` (whole page, test client)", lambda: page("/search/?q=가로등")),
    ]
    rows = []
    for label, function in cases:
        p50, p95, result = measure(function, args.repeat)
        total = result.total if hasattr(result, "total") else len(result)
        rows.append((label, total, p50, p95))
        print(f"{label}: {total} hits, p50 {p50:.1f} ms, p95 {p95:.1f} ms", file=sys.stderr)

    documents, rate = serialisation_rate()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()

    print(
        f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}, PostgreSQL {server_version}"
    )
    print(
        f"Proposals: {args.proposals} (public ones are searched); {args.repeat} timed runs per search after 3 warm-ups;"
        f" load average {os.getloadavg()[0]:.1f} at the end.\n"
    )
    print("| search | hits | p50 (ms) | p95 (ms) |")
    print("|---|---:|---:|---:|")
    for label, total, p50, p95 in rows:
        print(f"| {label} | {total:,} | {p50:.1f} | {p95:.1f} |")
    print(
        f"\nRebuild path, bulk actions built and serialised (not sent): {documents:,} documents at {rate:,.0f} documents/s."
    )


if __name__ == "__main__":
    main()
