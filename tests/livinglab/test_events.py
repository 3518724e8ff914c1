"""The domain-event registry (livinglab/events.py): phases, isolation, rollback, and the documented payloads."""

import logging
from pathlib import Path

import pytest
from django.db import transaction

from accounts.services import erase_account
from livinglab import events
from proposals import services
from proposals.models import ProposalStatus
from tests.factories import CommentFactory, ExpertFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"


@pytest.fixture
def listener():
    """Subscribe test receivers for the length of one test."""
    added = []

    def listen(names, receiver, phase):
        events.subscribe(names, phase=phase)(receiver)
        added.append((names, receiver, phase))

    yield listen
    for names, receiver, phase in added:
        events.unsubscribe(names, receiver, phase=phase)


def test_in_transaction_receivers_run_at_once_and_after_commit_ones_after_the_commit(
    listener, django_capture_on_commit_callbacks
):
    seen = []
    listener("proposal.edited", lambda event: seen.append(("in", event.proposal_id)), events.IN_TRANSACTION)
    listener("proposal.edited", lambda event: seen.append(("after", event.proposal_id)), events.AFTER_COMMIT)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.emit("proposal.edited", proposal_id=7, actor_id=1)
        assert seen == [("in", 7)]
    assert seen == [("in", 7), ("after", 7)]


def test_a_rolled_back_transaction_emits_nothing_after_commit(listener, django_capture_on_commit_callbacks):
    seen = []
    listener("proposal.voted", seen.append, events.AFTER_COMMIT)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.cast_vote(ProposalFactory(), user=ResidentFactory())
        raise RuntimeError("rolled back")
    assert seen == []
    assert callbacks == []


def test_a_failing_in_transaction_receiver_fails_the_action(listener):
    def broken(event):
        raise RuntimeError("outbox table missing")

    listener("proposal.voted", broken, events.IN_TRANSACTION)
    proposal = ProposalFactory()
    with pytest.raises(RuntimeError):
        services.cast_vote(proposal, user=ResidentFactory())
    proposal.refresh_from_db()
    assert proposal.vote_count == 0


def test_a_failing_after_commit_receiver_is_logged_and_the_others_still_run(
    listener, caplog, django_capture_on_commit_callbacks
):
    seen = []

    def broken(event):
        raise RuntimeError("channel layer down")

    listener("proposal.edited", broken, events.AFTER_COMMIT)
    listener("proposal.edited", seen.append, events.AFTER_COMMIT)
    with caplog.at_level(logging.ERROR, logger="livinglab.events"), django_capture_on_commit_callbacks(execute=True):
        events.emit("proposal.edited", proposal_id=3, actor_id=None)
    assert [event.name for event in seen] == ["proposal.edited"]
    assert "channel layer down" in caplog.text


def test_undocumented_names_and_payload_keys_are_refused():
    with pytest.raises(events.UnknownEvent):
        events.emit("proposal.exploded", proposal_id=1)
    with pytest.raises(events.UnknownEvent):
        events.emit("proposal.voted", proposal_id=1, secret="x")
    with pytest.raises(events.UnknownEvent):
        events.subscribe("proposal.exploded")(print)
    with pytest.raises(ValueError):
        events.subscribe("proposal.voted", phase="whenever")(print)


def test_an_event_travels_to_a_task_as_json():
    event = events.Event("pilot.published", {"pilot_id": 4, "proposal_ids": [1, 2]})
    assert events.Event.from_json(event.as_json()) == event


def test_every_event_is_documented_with_its_payload():
    text = DOCS.read_text(encoding="utf-8")
    for name, keys in events.EVENTS.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{name}`")), "")
        assert row, f"{name} is missing from docs/events.md"
        for key in keys:
            assert f"`{key}`" in row, f"{name}'s {key} is missing from docs/events.md"


def test_every_proposal_event_is_emitted_with_its_documented_payload(
    emitted, administrator, settings, django_capture_on_commit_callbacks
):
    settings.PROPOSAL_REVIEW_THRESHOLD = 1
    author, voter = ResidentFactory(), ResidentFactory()
    kwargs = {"title": "Dark alley behind the school", "description": "No working lights after seven in the evening."}
    with django_capture_on_commit_callbacks(execute=True):
        proposal = services.submit_proposal(
            author=author,
            category=ProposalFactory().category,
            area=ProposalFactory().area,
            **kwargs,
        )
        services.edit_proposal(
            proposal, user=author, category=proposal.category, area=proposal.area, **kwargs | {"title": "Dark alley"}
        )
        other = ProposalFactory()
        services.cast_vote(other, user=voter)  # reaches the threshold: under review
        services.cast_vote(proposal, user=voter)
        services.withdraw_vote(proposal, user=voter)
        services.change_status(other, to_status=ProposalStatus.ACCEPTED, by=administrator, response="Yes.")
        comment = services.post_comment(proposal, author=voter, body="It is really dark there.")
        services.edit_comment(comment, user=voter, body="It is really very dark there.")
        services.hide_comment(comment, by=administrator, reason="Off topic")
        answer = CommentFactory(proposal=proposal, author=administrator, author_role="administrator")
        services.mark_official_answer(answer, by=administrator)
        services.submit_assessment(
            proposal,
            expert=ExpertFactory(),
            feasibility=4,
            cost_range="under_10m",
            risks="",
            recommendation="pilot",
            text="A solar light would fix this within a month at low cost.",
        )
        services.hide_proposal(proposal, by=administrator, reason="Personal data")
        services.unhide_proposal(proposal, by=administrator)
    # After the block's after-commit receivers (automatic follows) have run, as they would have at each commit.
    with django_capture_on_commit_callbacks(execute=True):
        erase_account(author, remove_contributions=True)  # proposal.removed
    names = {name for name, _payload in emitted}
    assert names == {name for name in events.EVENTS if name.startswith("proposal.")}
    for name, payload in emitted:
        assert set(payload) <= set(events.EVENTS[name])
        assert payload["proposal_id"]
    assert (
        "proposal.status_changed",
        {
            "proposal_id": other.pk,
            "actor_id": administrator.pk,
            "status_change_id": other.status_changes.latest("pk").pk,
            "from_status": "under_review",
            "to_status": "accepted",
        },
    ) in emitted
