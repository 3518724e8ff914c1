"""Issue 9 point 12: my activity, and a public profile that shows nothing private."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Follow
from pilots.models import PilotFeedback, PilotStatus
from proposals.models import ProposalStatus
from tests.factories import CommentFactory, ExpertFactory, ProposalFactory, ResidentFactory, VoteFactory
from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401  (pilot pages to rate)

pytestmark = pytest.mark.django_db

ACTIVITY = reverse("mydata:activity")


def test_my_activity_lists_my_proposals_supports_comments_and_follows(client, resident):
    ProposalFactory(author=resident, title="My own streetlight proposal", status=ProposalStatus.UNDER_REVIEW)
    supported = ProposalFactory(title="A proposal I support here")
    VoteFactory(user=resident, proposal=supported)
    CommentFactory(author=resident, body="My comment on the bench idea")
    Follow.objects.create(user=resident, proposal=ProposalFactory(title="One I just follow here"))
    ProposalFactory(title="Somebody else's business")
    client.force_login(resident)
    html = client.get(ACTIVITY).content.decode()
    for text in (
        "My own streetlight proposal",
        "Under review",
        "A proposal I support here",
        "My comment on the bench idea",
        "One I just follow here",
    ):
        assert text in html
    assert "Somebody else's business" not in html
    assert "under_review<" not in html


def test_my_activity_lists_my_pilot_ratings_and_no_one_elses(client, resident, make_pilot):  # noqa: F811
    rated = make_pilot(title="Smart shelter at Seongsu station", status=PilotStatus.EVALUATING)
    PilotFeedback.objects.create(pilot=rated, user=resident, rating=4)
    other = make_pilot(title="Security lights in Wangsimni", status=PilotStatus.EVALUATING)
    PilotFeedback.objects.create(pilot=other, user=ResidentFactory(), rating=1)
    client.force_login(resident)
    html = client.get(ACTIVITY).content.decode()
    ratings = html[html.index('id="my-ratings"') :]
    assert "Smart shelter at Seongsu station" in ratings and "4 of 5" in ratings
    assert "Security lights in Wangsimni" not in html


def test_my_activity_needs_a_sign_in(client):
    response = client.get(ACTIVITY)
    assert response.status_code == 302


def test_my_activity_costs_the_same_queries_for_few_or_many_items(client, resident, django_assert_num_queries):
    def add():
        ProposalFactory(author=resident)
        VoteFactory(user=resident)
        CommentFactory(author=resident)
        Follow.objects.create(user=resident, proposal=ProposalFactory())

    add()
    client.force_login(resident)
    client.get(ACTIVITY)
    with CaptureQueriesContext(connection) as few:
        client.get(ACTIVITY)
    for _ in range(5):
        add()
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(ACTIVITY)


def test_public_profile_shows_name_role_and_public_contributions_only(client):
    person = ResidentFactory(display_name="Park Jiwoo", email="jiwoo@private.example")
    ProposalFactory(author=person, title="Visible proposal by Jiwoo")
    ProposalFactory(author=person, title="Hidden proposal by Jiwoo", is_hidden=True)
    ProposalFactory(author=person, title="Withdrawn proposal by Jiwoo", status=ProposalStatus.WITHDRAWN)
    CommentFactory(author=person, body="A visible comment by Jiwoo")
    CommentFactory(author=person, body="A hidden comment by Jiwoo", is_hidden=True)
    CommentFactory(author=person, body="A removed comment by Jiwoo", is_removed=True)
    CommentFactory(author=person, body="On a hidden proposal by Jiwoo", proposal=ProposalFactory(is_hidden=True))
    response = client.get(reverse("proposals:person", args=[person.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Park Jiwoo" in html and "Resident" in html
    assert "Visible proposal by Jiwoo" in html and "A visible comment by Jiwoo" in html
    for private in (
        "jiwoo@private.example",
        "Hidden proposal",
        "Withdrawn proposal",
        "A hidden comment",
        "A removed comment",
        "On a hidden proposal",
    ):
        assert private not in html


def test_an_experts_profile_shows_the_badge(client):
    expert = ExpertFactory(display_name="Dr. Lee")
    html = client.get(reverse("proposals:person", args=[expert.pk])).content.decode()
    assert "Expert" in html and "Assessments" in html


def test_erased_and_unknown_people_have_no_profile(client, resident):
    from accounts.services import erase_account

    erase_account(resident)
    assert client.get(reverse("proposals:person", args=[resident.pk])).status_code == 404
    assert client.get(reverse("proposals:person", args=[999999])).status_code == 404


def test_the_profile_costs_the_same_queries_for_few_or_many_contributions(client, django_assert_num_queries):
    person = ResidentFactory()
    ProposalFactory(author=person)
    CommentFactory(author=person)
    url = reverse("proposals:person", args=[person.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        ProposalFactory(author=person)
        CommentFactory(author=person)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)
