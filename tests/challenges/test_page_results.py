"""The challenge page's story, as a visitor reads it: proposal cards name and link their authors, the results
section names each pilot's surveys with their answer counts and leads to the before/after comparison, and the
page costs the same queries however many proposals, pilots and surveys it has."""

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import erase_account
from challenges.models import ChallengePilot
from codesign.models import SurveyAnswer, SurveyField, SurveyPage
from tests.factories import ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def pilot_survey(home, pilot, *, title: str, phase: str = "before") -> SurveyPage:
    survey = SurveyPage(title=title, slug=f"survey-{SurveyPage.objects.count() + 1}", subject_page=pilot, phase=phase)
    survey.form_fields = [SurveyField(field_type="radio", label="How safe?", choices="Unsafe\nSafe")]
    home.add_child(instance=survey)
    survey.save_revision().publish()
    return survey


def test_the_results_section_names_each_pilots_surveys_and_leads_to_their_comparison(
    client, home, make_pilot, make_challenge
):
    pilot = make_pilot()
    challenge = make_challenge(pilots=[pilot])
    before = pilot_survey(home, pilot, title="Before the lights")
    pilot_survey(home, pilot, title="After the lights", phase="after")
    for _ in range(2):
        SurveyAnswer.objects.create(page=before, user=ResidentFactory(), form_data={"how_safe": "Safe"})
    html = client.get(challenge.url).content.decode()
    results = html[html.index('id="challenge-results"') : html.index('id="challenge-decision"')]
    assert "Before the lights</a> (2 answers)" in results
    assert "After the lights</a> (0 answers)" in results
    assert f'href="{pilot.url}#codesign-participation"' in results


def test_no_survey_line_for_a_pilot_without_surveys(client, make_pilot, make_challenge):
    challenge = make_challenge(pilots=[make_pilot()])
    assert "challenge-pilot-surveys" not in client.get(challenge.url).content.decode()


def test_proposal_cards_link_their_authors_and_a_former_participant_has_no_link(client, challenge):
    kept = ProposalFactory(challenge=challenge, author=ResidentFactory(display_name="김하나"))
    gone = ProposalFactory(challenge=challenge, author=ResidentFactory(display_name="이두리"))
    gone_url = reverse("proposals:person", args=[gone.author.pk])
    erase_account(gone.author)
    html = client.get(challenge.url).content.decode()
    assert f'<a class="author-link" href="{reverse("proposals:person", args=[kept.author.pk])}">김하나</a>' in html
    assert gone_url not in html and "이두리" not in html


def test_the_page_costs_the_same_queries_with_more_proposals_pilots_and_surveys(
    client, home, make_pilot, make_challenge, django_assert_num_queries
):
    first = make_pilot()
    challenge = make_challenge(pilots=[first])
    ProposalFactory(challenge=challenge)
    pilot_survey(home, first, title="One")
    client.force_login(ResidentFactory())  # signed in: the page is built, not served from the page cache
    client.get(challenge.url)  # warm what the site caches once (site root, settings)
    reset_queries()  # the query log is capped and full after building the pages: start it afresh
    with CaptureQueriesContext(connection) as few:
        client.get(challenge.url)
    expected = len(few.captured_queries)  # counted now: the capped log drops old entries as the test goes on
    assert expected > 5  # really built

    second = make_pilot()
    challenge = type(challenge).objects.get(pk=challenge.pk)
    challenge.pilot_links.add(ChallengePilot(pilot=second))
    challenge.save_revision().publish()
    for _ in range(4):
        ProposalFactory(challenge=challenge)
    pilot_survey(home, second, title="Two")
    pilot_survey(home, second, title="Three", phase="after")
    client.get(challenge.url)
    with django_assert_num_queries(expected):
        html = client.get(challenge.url).content.decode()
    assert "Three</a>" in html
