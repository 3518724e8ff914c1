"""Issue 9 point 17: the home page shows the lab at work (pilots running with a headline result, numbers,
the proposals closest to review, and the way to "how it works")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pilots.models import PilotStatus
from tests.factories import CommentFactory, ProposalFactory, VoteFactory

pytestmark = pytest.mark.django_db


def test_home_shows_running_pilots_with_their_headline_numbers_and_the_closest_proposals(
    client, home, make_pilot, settings
):
    settings.PROPOSAL_REVIEW_THRESHOLD = 10
    make_pilot(
        title="Smart shelter on Wangsimni-ro",
        metrics=[{"name": "Waiting riders", "unit": "per day", "baseline": 80, "actual": 120, "target": 100}],
    )
    make_pilot(title="A pilot still planned", status=PilotStatus.PLANNED)
    make_pilot(title="An unpublished draft", publish=False)
    ProposalFactory(title="Crossing without a light", vote_count=8)
    ProposalFactory(title="Hidden one with many votes", vote_count=9, is_hidden=True)
    voted = ProposalFactory()
    VoteFactory(proposal=voted)
    VoteFactory(proposal=voted)
    CommentFactory(proposal=voted)
    html = client.get(home.url).content.decode()
    assert "Smart shelter on Wangsimni-ro" in html and "Waiting riders: 120 per day" in html
    assert "A pilot still planned" not in html
    assert "Crossing without a light" in html and "2 more supporters needed" in html
    assert "Hidden one" not in html
    # 2 visible proposals; 2 supporters; residents taking part: 2 authors, 2 voters, 1 commenter.
    assert "<dt>Proposals</dt><dd>2</dd>" in html and "<dt>Supporters</dt><dd>2</dd>" in html
    assert "<dt>Residents taking part</dt><dd>5</dd>" in html
    assert "<dt>Pilots</dt><dd>2</dd>" in html  # the planned one counts among the lab's pilots; a draft does not
    assert 'href="/how-it-works/"' in html


def test_the_home_blocks_cost_the_same_queries_for_few_or_many(client, home, make_pilot, django_assert_num_queries):
    make_pilot(metrics=[{"name": "Users", "unit": "", "baseline": 0, "actual": 5, "target": 10}])
    ProposalFactory()
    client.get(home.url)
    with CaptureQueriesContext(connection) as few:
        client.get(home.url)
    make_pilot(metrics=[{"name": "Users", "unit": "", "baseline": 0, "actual": 5, "target": 10}])
    for _ in range(5):
        VoteFactory(proposal=ProposalFactory())
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(home.url)
