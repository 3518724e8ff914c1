"""Every POST that writes rows or sends something has a limit (issue 15 point 2, the sweep): supports, follows,
expert assessments and requests for a copy of one's data, per person. Each answers 429 with a message that says
to wait, and a refused action does not use up the limit. (Proposals, comments, reports, ratings, sign-ups and
texts: tests/livinglab/test_parallel_limits.py and their apps' tests; co-design and desk: their apps' tests.)"""

import pytest
from django.urls import reverse

from mydata.models import PersonalDataExport
from notifications.models import Follow
from proposals.models import Assessment, Vote
from tests.factories import ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_supporting_and_taking_support_back_stop_at_the_limit(client, settings, resident):
    settings.VOTE_RATE_LIMIT = "3/h"
    first, second = ProposalFactory.create_batch(2)
    client.force_login(resident)
    for url in ("proposals:vote", "proposals:unvote", "proposals:vote"):
        assert client.post(reverse(url, args=[first.pk]), **HTMX).status_code == 200
    refused = client.post(reverse("proposals:vote", args=[second.pk]), **HTMX)
    assert refused.status_code == 429
    assert "changed your support many times" in refused.content.decode()
    assert client.post(reverse("proposals:unvote", args=[first.pk]), **HTMX).status_code == 429
    assert list(Vote.objects.filter(user=resident).values_list("proposal", flat=True)) == [first.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.vote_count, second.vote_count) == (1, 0)


def test_a_refused_or_idle_support_does_not_use_the_limit(client, settings, resident):
    settings.VOTE_RATE_LIMIT = "1/h"
    own = ProposalFactory(author=resident)
    other = ProposalFactory()
    client.force_login(resident)
    assert client.post(reverse("proposals:vote", args=[own.pk]), **HTMX).status_code == 403
    assert client.post(reverse("proposals:unvote", args=[other.pk]), **HTMX).status_code == 200  # nothing to undo
    assert client.post(reverse("proposals:vote", args=[other.pk]), **HTMX).status_code == 200


def test_following_and_unfollowing_stop_at_the_limit(client, settings, resident):
    settings.FOLLOW_RATE_LIMIT = "2/h"
    first, second = ProposalFactory.create_batch(2)
    client.force_login(resident)
    assert client.post(reverse("notifications:follow", args=[first.pk]), **HTMX).status_code == 200
    assert client.post(reverse("notifications:unfollow", args=[first.pk]), **HTMX).status_code == 200
    refused = client.post(reverse("notifications:follow", args=[second.pk]), **HTMX)
    assert refused.status_code == 429
    assert "followed and unfollowed many times" in refused.content.decode()
    assert not Follow.objects.filter(user=resident, proposal__in=[first, second]).exists()


def test_expert_assessments_stop_at_the_limit(client, settings, expert):
    settings.ASSESSMENT_RATE_LIMIT = "2/h"
    data = {
        "feasibility": "4",
        "cost_range": "under_10m",
        "risks": "Wiring runs under a busy road.",
        "recommendation": "pilot",
        "text": "A solar-powered lamp would solve this quickly and cheaply.",
    }
    proposals = ProposalFactory.create_batch(3)
    client.force_login(expert)
    for proposal in proposals[:2]:
        assert client.post(reverse("proposals:assess", args=[proposal.pk]), data).status_code == 302
    refused = client.post(reverse("proposals:assess", args=[proposals[2].pk]), data)
    assert refused.status_code == 429
    assert "saved many assessments" in refused.content.decode()
    assert Assessment.objects.filter(expert=expert).count() == 2


def test_requests_for_a_copy_of_ones_data_stop_at_the_limit(client, settings, django_capture_on_commit_callbacks):
    settings.PERSONAL_EXPORT_RATE_LIMIT = "2/d"
    person = ResidentFactory()
    client.force_login(person)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post("/my-data/").status_code == 302
    refused = client.post("/my-data/")
    assert refused.status_code == 429
    assert "Please try again tomorrow" in refused.content.decode()
    assert PersonalDataExport.objects.filter(user=person).count() == 2


def test_a_request_refused_while_one_is_prepared_does_not_count(client, settings):
    settings.PERSONAL_EXPORT_RATE_LIMIT = "2/d"
    person = ResidentFactory()
    client.force_login(person)
    assert client.post("/my-data/").status_code == 302  # its build stays pending (no commit callbacks run)
    assert client.post("/my-data/").status_code == 409
    PersonalDataExport.objects.filter(user=person).update(status="ready")
    assert client.post("/my-data/").status_code == 302
    PersonalDataExport.objects.filter(user=person).update(status="ready")
    assert client.post("/my-data/").status_code == 429
