"""Issue 9 point 14: an expert's work queue, on the site and on their admin dashboard."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proposals import services
from proposals.models import ProposalStatus
from tests.factories import CategoryFactory, ExpertFactory, ProposalFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("proposals:expert_queue")


@pytest.fixture
def safety():
    return CategoryFactory(name="안전", name_en="Safety", slug="safety")


@pytest.fixture
def field_expert(safety):
    expert = ExpertFactory()
    expert.expert_categories.set([safety])
    return expert


def under_review(category, days_ago=0, **kwargs):
    return ProposalFactory(
        category=category,
        status=ProposalStatus.UNDER_REVIEW,
        created_at=timezone.now() - timezone.timedelta(days=days_ago),
        **kwargs,
    )


def assess(proposal, expert):
    return services.submit_assessment(
        proposal,
        expert=expert,
        feasibility=4,
        cost_range="under_10m",
        risks="",
        recommendation="pilot",
        text="A solar light would fix this within a month at low cost.",
    )


def test_the_queue_lists_proposals_under_review_in_the_experts_field_oldest_first(client, field_expert, safety):
    newer = under_review(safety, days_ago=1, title="Newer safety proposal here")
    older = under_review(safety, days_ago=9, title="Older safety proposal here")
    under_review(CategoryFactory(), title="Another field entirely here")
    ProposalFactory(category=safety, title="Still only published here")
    under_review(safety, title="Hidden by a moderator here", is_hidden=True)
    under_review(safety, title="The expert's own proposal", author=field_expert)
    client.force_login(field_expert)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert [p.pk for p in response.context["page_obj"]] == [older.pk, newer.pk]
    html = response.content.decode()
    assert html.index("Older safety proposal") < html.index("Newer safety proposal")
    assert 'id="queue-count">2<' in html
    assert "Safety" in html


def test_an_assessed_proposal_moves_to_the_experts_done_list(client, field_expert, safety):
    proposal = under_review(safety, title="Streetlight out near school")
    assess(proposal, field_expert)
    client.force_login(field_expert)
    response = client.get(QUEUE)
    assert list(response.context["page_obj"]) == []
    html = response.content.decode()
    assert 'id="assessed-count">1<' in html
    assert "Streetlight out near school" in html
    assert "Pilot it" in html and "Under review" in html  # labels, not "pilot" / "under_review"


def test_another_experts_assessment_leaves_it_in_my_queue(client, field_expert, safety):
    proposal = under_review(safety)
    assess(proposal, ExpertFactory())
    client.force_login(field_expert)
    assert [p.pk for p in client.get(QUEUE).context["page_obj"]] == [proposal.pk]


def test_an_expert_without_fields_sees_every_category(client, expert, safety):
    one = under_review(safety)
    two = under_review(CategoryFactory())
    client.force_login(expert)
    response = client.get(QUEUE)
    assert {p.pk for p in response.context["page_obj"]} == {one.pk, two.pk}
    assert "every category is listed" in response.content.decode()


def test_residents_and_administrators_get_403_and_visitors_sign_in(client, resident, administrator):
    client.force_login(resident)
    assert client.get(QUEUE).status_code == 403
    client.force_login(administrator)
    assert client.get(QUEUE).status_code == 403
    client.logout()
    response = client.get(QUEUE)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_the_queue_costs_the_same_queries_for_two_or_ten_proposals(
    client, field_expert, safety, django_assert_num_queries
):
    for _ in range(2):
        assess(under_review(safety), field_expert)
        under_review(safety)
    client.force_login(field_expert)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    for _ in range(8):
        assess(under_review(safety), field_expert)
        under_review(safety)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(QUEUE)


def test_the_experts_admin_dashboard_shows_the_queue(client, field_expert, safety):
    under_review(safety, title="Retaining wall crack on the hill")
    client.force_login(field_expert)
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 proposal awaits your assessment" in html
    assert "Retaining wall crack on the hill" in html
    assert "reported item" not in html  # experts do not moderate


def test_each_queue_card_says_supporters_and_age_as_the_rest_of_the_site(client, field_expert, safety):
    """ "Supporters N" as on every other page, and a proposal filed seconds ago reads "seconds ago" ("현재" or "N 초 전" in Korean), not "0 minutes"."""
    under_review(safety, title="Filed a moment ago here", vote_count=12)
    under_review(safety, days_ago=3, title="Filed three days ago here")
    client.force_login(field_expert)
    html = " ".join(client.get(QUEUE, headers={"accept-language": "en"}).content.decode().replace("\xa0", " ").split())
    assert re.search(r"Supporters 12 · filed (now|a second ago|\d+ seconds ago)<", html)
    assert re.search(r"filed 3 days(, \d+ hours?)? ago<", html)
    assert "0 minutes" not in html and "12 supporters" not in html
    korean = " ".join(
        client.get(QUEUE, headers={"accept-language": "ko"}).content.decode().replace("\xa0", " ").split()
    )
    assert re.search(r"공감 12 · (현재|\d+ 초 전) 제안됨<", korean)
    assert re.search(r"3일( \d+시간)? 전 제안됨<", korean)
