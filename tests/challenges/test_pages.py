"""The challenge page tells the whole story in order, with a constant number of queries, without JavaScript."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from challenges.models import ChallengeDecision, ChallengeFollow, ChallengePage, Shortlisting
from challenges.services import change_stage, shortlist_proposal
from challenges.stages import Stage
from codesign.models import Session
from pilots.models import PilotStatus
from proposals.models import ProposalStatus
from tests.factories import ProposalFactory, VoteFactory

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_current_stage_and_the_story_in_order(make_challenge, make_pilot, administrator, client):
    pilot = make_pilot(status=PilotStatus.RUNNING, title="Smart shelter pilot")
    challenge = make_challenge(pilots=[pilot])
    proposal = ProposalFactory(challenge=challenge, latitude="37.550000", longitude="127.030000")
    shortlist_proposal(challenge, proposal, by=administrator)
    body = client.get(challenge.url).content.decode()
    assert 'aria-current="step"' in body and "Discovery" in body
    positions = [
        body.index(f'id="challenge-{part}"') for part in ("problems", "sessions", "pilot", "results", "decision")
    ]
    assert positions == sorted(positions)
    assert proposal.title in body and "Shortlisted for co-design" in body
    assert "Smart shelter pilot" in body
    assert 'id="proposal-points"' in body  # the Leaflet map's points, as on the proposal list
    assert f'ws-connect="/ws/challenges/{challenge.pk}/"' in body
    assert "Bring a problem to this challenge" in body and f"?challenge={challenge.pk}" in body


def test_the_page_costs_the_same_queries_for_two_or_ten_proposals(challenge, administrator, client):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(challenge.url).status_code == 200
        return len(queries)

    client.force_login(administrator)
    for _ in range(2):
        shortlist_proposal(challenge, ProposalFactory(challenge=challenge), by=administrator)
    count()  # warm the site and page caches
    few = count()
    for _ in range(8):
        proposal = ProposalFactory(challenge=challenge, latitude="37.550000", longitude="127.030000")
        VoteFactory(proposal=proposal)
    shortlist_proposal(challenge, proposal, by=administrator)
    assert count() == few


def test_administrators_see_the_stage_form_others_do_not(challenge, administrator, resident, client):
    client.force_login(resident)
    assert (
        'action="/challenges-actions/' + str(challenge.pk) + '/stage/"'
        not in client.get(challenge.url).content.decode()
    )
    client.force_login(administrator)
    body = client.get(challenge.url).content.decode()
    assert f'action="{reverse("challenges:stage", args=[challenge.pk])}"' in body
    assert "Move on to “Co-design”" in body


def test_a_stage_change_through_the_page_redirects_back(challenge, administrator, client):
    client.force_login(administrator)
    response = client.post(
        reverse("challenges:stage", args=[challenge.pk]), {"to_stage": Stage.CODESIGN, "note": "", "early": "on"}
    )
    assert response.status_code == 302 and response.url.endswith("#challenge-stages")
    assert ChallengePage.objects.get(pk=challenge.pk).current_stage == Stage.CODESIGN


def test_a_refused_stage_change_answers_its_status_and_changes_nothing(challenge, administrator, resident, client):
    client.force_login(resident)
    response = client.post(reverse("challenges:stage", args=[challenge.pk]), {"to_stage": Stage.CODESIGN})
    assert response.status_code == 403
    client.force_login(administrator)
    skipped = client.post(reverse("challenges:stage", args=[challenge.pk]), {"to_stage": Stage.EVALUATION})
    assert skipped.status_code == 409 and "one stage at a time" in skipped.content.decode()
    bad = client.post(reverse("challenges:stage", args=[challenge.pk]), {"to_stage": "later"})
    assert bad.status_code == 400
    assert ChallengePage.objects.get(pk=challenge.pk).current_stage == Stage.DISCOVERY


def test_visitors_are_sent_to_log_in_and_drafts_are_404(make_challenge, client):
    live, draft = make_challenge(), make_challenge(publish=False)
    assert client.post(reverse("challenges:follow", args=[live.pk])).status_code == 302
    assert client.post(reverse("challenges:follow", args=[draft.pk])).status_code == 404
    assert not ChallengeFollow.objects.exists()


def test_a_resident_follows_through_the_page(challenge, resident, client):
    client.force_login(resident)
    client.post(reverse("challenges:follow", args=[challenge.pk]))
    assert ChallengeFollow.objects.filter(user=resident, challenge=challenge).exists()
    assert "Stop following" in client.get(challenge.url).content.decode()
    client.post(reverse("challenges:follow", args=[challenge.pk]), {"unfollow": "1"})
    assert not ChallengeFollow.objects.exists()


def test_shortlisting_through_the_page_shows_on_the_proposal(challenge, administrator, resident, client):
    proposal = ProposalFactory(challenge=challenge)
    client.force_login(resident)
    assert client.post(reverse("challenges:shortlist", args=[challenge.pk, proposal.pk])).status_code == 403
    client.force_login(administrator)
    response = client.post(reverse("challenges:shortlist", args=[challenge.pk, proposal.pk]), {"note": "Many voices"})
    assert response.status_code == 302
    assert Shortlisting.objects.get().note == "Many voices"
    detail = client.get(proposal.get_absolute_url()).content.decode()
    assert challenge.title in detail and "Shortlisted for co-design" in detail


def test_the_decision_form_for_administrators_in_evaluation_only(challenge, administrator, resident, client):
    url = reverse("challenges:decide", args=[challenge.pk])
    client.force_login(resident)
    assert client.get(url).status_code == 403
    client.force_login(administrator)
    assert client.get(url).status_code == 409
    for stage in (Stage.CODESIGN, Stage.PILOT, Stage.EVALUATION):
        change_stage(challenge, to_stage=stage, by=administrator, early=True)
    assert client.get(url).status_code == 200
    invalid = client.post(url, {"outcome": "scale_dongs", "reasons": "", "budget_consequence": ""})
    assert invalid.status_code == 400 and not ChallengeDecision.objects.exists()
    proposal = ProposalFactory(challenge=challenge)
    done = client.post(url, {"outcome": "stop", "reasons": "It did not help.", "budget_consequence": "No more money."})
    assert done.status_code == 302
    body = client.get(challenge.url).content.decode()
    assert "It did not help." in body and "Stop" in body and "Closed" in body
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED


def test_the_home_page_and_menu_lead_with_challenges(challenge, client):
    ProposalFactory(title="A proposal for the latest list")  # so that the home page has its "Latest proposals"
    body = client.get("/").content.decode()
    nav = body[body.index('aria-label="Main"') :]
    first_link = re.search(r'<li><a href="([^"]+)"', nav).group(1)
    assert first_link == "/challenges/"
    assert challenge.title in body and "Discovery" in body
    assert body.index(challenge.title) < body.index("Latest proposals")


def test_the_index_lists_each_challenge_with_its_stage(challenge, challenge_index, administrator, client):
    change_stage(challenge, to_stage=Stage.CODESIGN, by=administrator, early=True)
    body = client.get(challenge_index.url).content.decode()
    assert challenge.title in body and "Co-design" in body


def test_the_challenges_sessions_show_in_its_co_design_section(challenge, client):
    body = client.get(challenge.url).content.decode()
    section = body[body.index('id="challenge-sessions"') : body.index('id="challenge-pilot"')]
    assert "No co-design session is planned yet." in section
    start = timezone.now() + datetime.timedelta(days=3)
    session = Session.objects.create(
        page=challenge,
        title="Night walk workshop",
        place="Residents' Hall",
        capacity=10,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    body = client.get(challenge.url).content.decode()
    section = body[body.index('id="challenge-sessions"') : body.index('id="challenge-pilot"')]
    assert session.get_absolute_url() in section and "Night walk workshop" in section
    assert section.count("<h2") == 1  # the challenge's own numbered heading, not a second one


def test_the_challenge_offers_a_calendar_of_its_sessions(challenge, client):
    start = timezone.now() + datetime.timedelta(days=3)
    Session.objects.create(
        page=challenge,
        title="Night walk workshop",
        place="Residents' Hall",
        capacity=10,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    feed = reverse("codesign:page_ics", args=[challenge.pk])
    assert feed in client.get(challenge.url).content.decode()
    response = client.get(feed)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    summaries = [str(event["SUMMARY"]) for event in Calendar.from_ical(response.content).walk("VEVENT")]
    assert summaries == ["Night walk workshop"]
