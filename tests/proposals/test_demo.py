"""Demo proposals: realistic volume and shape, consistent counters and timelines, idempotent, fast."""

import io

import pytest
from django.db.models import Count, F

from home import demo as home_demo
from proposals import demo
from proposals.management.commands.recount_votes import true_counts
from proposals.models import Assessment, Comment, Proposal, ProposalStatus, StatusChange, Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users():
    home_demo.build_areas()
    home_demo.build_categories()
    return home_demo.build_users()


@pytest.fixture
def built(demo_users):
    out = io.StringIO()
    demo.build(users=demo_users, stdout=out)
    return {"output": out.getvalue(), "users": demo_users}


def test_builds_about_two_hundred_proposals(built):
    assert Proposal.objects.count() == demo.PROPOSAL_COUNT
    assert "200 proposals" in built["output"]


def test_every_dong_and_state_in_korean_and_english(built):
    assert Proposal.objects.values("area").distinct().count() == len(demo.PLACES)
    assert set(Proposal.objects.values_list("status", flat=True)) == set(ProposalStatus.values)
    titles = list(Proposal.objects.values_list("title", flat=True))
    korean = [t for t in titles if any("\uac00" <= ch <= "\ud7a3" for ch in t)]
    assert 60 < len(korean) < 160
    assert len(set(titles)) == len(titles)


def test_counters_votes_and_discussion_are_consistent(built, settings):
    drifted = [p.pk for p in true_counts() if p.vote_count != p.true_votes or p.comment_count != p.true_comments]
    assert drifted == []
    assert Vote.objects.count() > 1000
    assert Comment.objects.filter(parent__isnull=False).exists()
    assert Comment.objects.filter(is_official_answer=True).exists()
    assert Comment.objects.filter(author_role="expert").exists()
    assert Assessment.objects.values("expert").distinct().count() >= 2
    published = Proposal.objects.filter(status=ProposalStatus.PUBLISHED)
    assert not published.filter(vote_count__gte=settings.PROPOSAL_REVIEW_THRESHOLD).exists()
    # Authors never vote for themselves.
    assert not Vote.objects.filter(user=F("proposal__author")).exists()


def test_timelines_end_in_the_current_status(built):
    for proposal in Proposal.objects.prefetch_related("status_changes"):
        changes = list(proposal.status_changes.all())
        assert changes[0].from_status == ""
        assert changes[-1].to_status == proposal.status
        for earlier, later in zip(changes, changes[1:], strict=False):
            assert later.from_status == earlier.to_status
            assert later.created_at >= earlier.created_at


def test_some_items_are_moderated_with_audit_log(built):
    from wagtail.models import ModelLogEntry

    assert Proposal.objects.filter(is_hidden=True).count() == 2
    assert Comment.objects.filter(is_hidden=True).count() == 3
    assert ModelLogEntry.objects.filter(action__in=["livinglab.proposal.hide", "livinglab.comment.hide"]).count() == 5


def test_running_twice_creates_nothing_twice(built):
    counts = {model: model.objects.count() for model in (Proposal, Vote, Comment, Assessment, StatusChange)}
    users = built["users"]
    demo.build(users=users, stdout=io.StringIO())
    assert {model: model.objects.count() for model in counts} == counts
    from accounts.models import User

    assert (
        User.objects.filter(email__endswith="@demo.livinglab.example")
        .values("email")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
        == 0
    )


def test_load_demo_data_command_runs(demo_users):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("load_demo_data", "--quiet-credentials", stdout=out)
    assert Proposal.objects.count() == demo.PROPOSAL_COUNT
