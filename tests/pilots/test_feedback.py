"""Residents rate a pilot's results once it is evaluating or completed; one rating each, editable."""

import pytest
from django.urls import reverse

from pilots.models import PilotFeedback, PilotStatus
from tests.factories import ExpertFactory, ResidentFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def pilot(make_pilot):
    return make_pilot(status=PilotStatus.EVALUATING)


def url(pilot):
    return reverse("pilots:feedback", args=[pilot.pk])


def test_a_resident_rates_and_is_sent_back_to_the_page(client, resident, pilot):
    client.force_login(resident)
    response = client.post(url(pilot), {"rating": "4", "comment": "Cooler than before."})
    assert response.status_code == 302
    assert response.url == f"{pilot.url}#pilot-feedback"
    feedback = PilotFeedback.objects.get()
    assert (feedback.user, feedback.pilot_id, feedback.rating, feedback.comment) == (
        resident,
        pilot.pk,
        4,
        "Cooler than before.",
    )
    page = client.get(pilot.url).content.decode()
    assert "Your rating is" in page or "Thank you: your rating is saved." in page
    assert "Update my rating" in page


def test_a_second_rating_updates_the_first(client, resident, pilot):
    client.force_login(resident)
    client.post(url(pilot), {"rating": "2", "comment": "Meh"})
    client.post(url(pilot), {"rating": "5", "comment": "Grew on me"})
    feedback = PilotFeedback.objects.get()
    assert (feedback.rating, feedback.comment) == (5, "Grew on me")


def test_editing_a_hidden_comment_shows_the_new_text(client, resident, pilot):
    PilotFeedback.objects.create(
        pilot=pilot, user=resident, rating=1, comment="rude", is_hidden=True, hidden_reason="x"
    )
    client.force_login(resident)
    client.post(url(pilot), {"rating": "2", "comment": "Sorry, fair point: too noisy"})
    feedback = PilotFeedback.objects.get()
    assert not feedback.is_hidden and feedback.hidden_reason == ""


def test_htmx_gets_the_fragment_back(client, resident, pilot, published_events, django_capture_on_commit_callbacks):
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(pilot), {"rating": "5"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="pilot-feedback"')
    assert "Thank you: your rating is saved." in html
    assert "<strong>5.0</strong> / 5" in html
    assert ("pilot.feedback", {"pilot_id": pilot.pk, "actor_id": resident.pk, "average": 5.0, "count": 1}) in (
        published_events
    )


def test_experts_may_rate(client, pilot):
    client.force_login(ExpertFactory())
    assert client.post(url(pilot), {"rating": "3"}).status_code == 302
    assert PilotFeedback.objects.count() == 1


@pytest.mark.parametrize("status", [PilotStatus.EVALUATING, PilotStatus.COMPLETED])
def test_ratings_open_when_evaluating_or_completed(client, resident, make_pilot, status):
    pilot = make_pilot(status=status)
    client.force_login(resident)
    assert client.post(url(pilot), {"rating": "3"}).status_code == 302


@pytest.mark.parametrize("status", [PilotStatus.PLANNED, PilotStatus.RUNNING])
def test_ratings_are_refused_before_evaluation(client, resident, make_pilot, status):
    pilot = make_pilot(status=status)
    client.force_login(resident)
    response = client.post(url(pilot), {"rating": "3"})
    assert response.status_code == 409
    assert "Ratings open when the pilot is being evaluated" in response.content.decode()
    htmx = client.post(url(pilot), {"rating": "3"}, **HTMX)
    assert htmx.status_code == 409
    assert not PilotFeedback.objects.exists()


@pytest.mark.parametrize("rating", ["0", "6", "-1", "abc", "", "3.5", "1e1"])
def test_ratings_outside_1_to_5_are_refused(client, resident, pilot, rating):
    client.force_login(resident)
    response = client.post(url(pilot), {"rating": rating})
    assert response.status_code == 400
    assert "Choose a rating from 1 to 5." in response.content.decode()
    assert not PilotFeedback.objects.exists()


def test_a_missing_rating_is_refused_with_htmx_too(client, resident, pilot):
    client.force_login(resident)
    response = client.post(url(pilot), {"comment": "no rating"}, **HTMX)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not PilotFeedback.objects.exists()


def test_a_too_long_comment_is_refused(client, resident, pilot):
    client.force_login(resident)
    response = client.post(url(pilot), {"rating": "4", "comment": "x" * 1001})
    assert response.status_code == 400
    assert not PilotFeedback.objects.exists()


def test_administrators_do_not_rate(client, administrator, pilot):
    client.force_login(administrator)
    response = client.post(url(pilot), {"rating": "5"})
    assert response.status_code == 403
    assert "Administrators run the pilots" in response.content.decode()
    assert not PilotFeedback.objects.exists()


def test_visitors_are_sent_to_log_in(client, pilot):
    response = client.post(url(pilot), {"rating": "5"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert client.post(url(pilot), {"rating": "5"}, **HTMX).status_code == 403
    assert not PilotFeedback.objects.exists()
    assert "Log in</a> to rate this pilot" in client.get(pilot.url).content.decode()


def test_csrf_is_required(resident, pilot):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    assert client.post(url(pilot), {"rating": "5"}).status_code == 403
    assert not PilotFeedback.objects.exists()


def test_only_post_is_allowed(client, resident, pilot):
    client.force_login(resident)
    assert client.get(url(pilot)).status_code == 405


def test_unknown_or_unpublished_pilots_are_404(client, resident, make_pilot):
    client.force_login(resident)
    draft = make_pilot(status=PilotStatus.EVALUATING, publish=False)
    assert client.post(url(draft), {"rating": "5"}).status_code == 404
    assert client.post(reverse("pilots:feedback", args=[999999]), {"rating": "5"}).status_code == 404
    assert not PilotFeedback.objects.exists()


def test_the_form_shows_only_to_those_who_may_rate(client, resident, administrator, pilot, make_pilot):
    client.force_login(resident)
    assert f'action="{url(pilot)}"' in client.get(pilot.url).content.decode()
    running = make_pilot(status=PilotStatus.RUNNING)
    assert f'action="{url(running)}"' not in client.get(running.url).content.decode()
    client.force_login(administrator)
    assert f'action="{url(pilot)}"' not in client.get(pilot.url).content.decode()


# --- moderation in the Wagtail admin ---------------------------------------------------------------------


@pytest.fixture
def feedback(pilot):
    return PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=2, comment="Bad words")


def edit_url(feedback):
    return reverse("pilot_feedback:edit", args=[feedback.pk])


def test_administrators_hide_a_comment_with_a_reason(client, administrator, feedback):
    client.force_login(administrator)
    listing = client.get(reverse("pilot_feedback:index"))
    assert listing.status_code == 200
    assert "Bad words" in listing.content.decode()
    response = client.post(edit_url(feedback), {"is_hidden": "on", "hidden_reason": "Insults a neighbour"})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.is_hidden and feedback.hidden_reason == "Insults a neighbour"
    assert "Bad words" not in client.get(feedback.pilot.url).content.decode()


def test_hiding_without_a_reason_is_refused(client, administrator, feedback):
    client.force_login(administrator)
    response = client.post(edit_url(feedback), {"is_hidden": "on", "hidden_reason": "  "})
    assert response.status_code == 200
    assert "Give a reason for hiding this comment." in response.content.decode()
    feedback.refresh_from_db()
    assert not feedback.is_hidden


def test_unhiding_clears_the_reason(client, administrator, feedback):
    feedback.is_hidden, feedback.hidden_reason = True, "mistake"
    feedback.save()
    client.force_login(administrator)
    client.post(edit_url(feedback), {"hidden_reason": "mistake"})
    feedback.refresh_from_db()
    assert not feedback.is_hidden and feedback.hidden_reason == ""


def test_moderators_cannot_add_or_delete_feedback(client, administrator, feedback):
    client.force_login(administrator)
    assert client.get(reverse("pilot_feedback:add")).status_code in (302, 403)
    client.post(reverse("pilot_feedback:delete", args=[feedback.pk]))
    assert PilotFeedback.objects.filter(pk=feedback.pk).exists()


@pytest.mark.parametrize("role", ["resident", "expert"])
def test_residents_and_experts_cannot_moderate(client, request, role, feedback):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("pilot_feedback:index")).status_code in (302, 403)
    client.post(edit_url(feedback), {"is_hidden": "on", "hidden_reason": "mine"})
    feedback.refresh_from_db()
    assert not feedback.is_hidden


def test_the_moderation_list_makes_a_constant_number_of_queries(
    client, administrator, pilot, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=3, comment="one")
    client.force_login(administrator)
    client.get(reverse("pilot_feedback:index"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("pilot_feedback:index"))
    for n in range(5):
        PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=4, comment=f"more {n}")
    with django_assert_num_queries(len(one)):
        client.get(reverse("pilot_feedback:index"))
