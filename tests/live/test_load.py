"""The embedded default under load: 100 signed-in residents each send 5 votes at once to one served process.

The stack is the one ``make run`` serves (daphne, one process, the database file), started in its own
process. Every vote must be answered without a server error and counted exactly once.
"""

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from .servers import LiveSite, Server, post, postgres_site

pytestmark = [pytest.mark.slow]

RESIDENTS = 100
VOTES_EACH = 5  # one vote on each of five proposals, all five sent at once

COUNTS = """
import json
from proposals.models import Proposal, Vote
print(json.dumps({str(p.pk): [p.vote_count, Vote.objects.filter(proposal=p).count()] for p in Proposal.objects.all()}))
"""


def cast_every_vote(server: Server, data: dict) -> Counter:
    """Every resident votes on every proposal; all requests are in flight together."""
    requests = [
        (f"/proposals/{proposal}/vote/", voter["session"]) for voter in data["voters"] for proposal in data["proposals"]
    ]
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        answers = pool.map(lambda request: post(server, request[0], session=request[1], timeout=180), requests)
        return Counter(status for status, _ in answers)


def assert_every_vote_counted(site: LiveSite, data: dict, statuses: Counter):
    counts = json.loads(site.manage("shell", "-c", COUNTS).strip().splitlines()[-1])
    stored = {proposal: counts[str(proposal)] for proposal in data["proposals"]}
    lost = sum(RESIDENTS - votes for _, votes in stored.values())
    summary = f"answers {dict(statuses)}, lost votes {lost}, [cached, stored] per proposal {stored}"
    assert statuses == Counter({200: RESIDENTS * VOTES_EACH}), summary
    assert all(pair == [RESIDENTS, RESIDENTS] for pair in stored.values()), summary


def run_load(site: LiveSite):
    data = site.seed(RESIDENTS, proposals=VOTES_EACH)
    (port,) = site.reserve_ports(1)
    server = Server(site, port).start()
    try:
        statuses = cast_every_vote(server, data)
    finally:
        server.stop()
    assert_every_vote_counted(site, data, statuses)
    assert "Traceback" not in server.output(), server.output()[-3000:]


def test_parallel_votes_on_sqlite_are_all_answered_and_counted(live_site_directory):
    run_load(LiveSite(live_site_directory))


@pytest.mark.postgres
def test_parallel_votes_on_postgresql_are_all_answered_and_counted(tmp_path):
    with postgres_site(tmp_path / "site") as site:
        run_load(site)
