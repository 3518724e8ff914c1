"""A signed-out visitor's pilot page is rendered once and kept whole (``livinglab.page_cache``).

Each visitor still gets a CSRF token of their own; everything the page shows moves the page's generation on
when it changes (results, ratings, sensors, the proposals it answers, sessions, test users, survey answers,
consent text), and signed-in people, htmx requests, unknown query parameters and waiting messages are never
served the kept page.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.cache import cache
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from codesign import services as codesign_services
from codesign.models import ConsentText, Session, SessionFormat
from livinglab import fragments
from livinglab.page_cache import CSRF_PLACEHOLDER, signed_out_page_key
from pilots.models import PilotFeedback, PilotPage, PilotStatus
from proposals import services as proposal_services
from proposals.models import ProposalStatus
from tests.factories import AdministratorFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


@pytest.fixture(autouse=True)
def kept_keys(monkeypatch) -> list[str]:
    """Every key a whole page was kept under (any cache backend: Redis in CI, locmem on a laptop)."""
    keys = []
    real_set = cache.set

    def recording_set(key, value, *args, **kwargs):
        if ":signed-out-page:" in key:
            keys.append(key)
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr("livinglab.page_cache.cache.set", recording_set)
    return keys


def _kept(pilot, keys) -> dict[str, str]:
    """The kept whole pages of ``pilot`` still in the cache, by key."""
    prefix = f"fragments:page:{pilot.pk}:"
    return {key: cache.get(key) for key in keys if key.startswith(prefix) and cache.get(key) is not None}


def _comment(pilot, text: str) -> None:
    """A rating with a comment written straight to the table: announced by no event, so nothing moves."""
    PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=4, comment=text)


@pytest.fixture
def rated_pilot(make_pilot):
    return make_pilot(status=PilotStatus.EVALUATING)


def test_the_second_visitor_gets_the_kept_page_with_a_token_of_their_own(
    rated_pilot, django_assert_num_queries, kept_keys
):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    html_first = first.get(rated_pilot.url).content.decode()
    assert len(_kept(rated_pilot, kept_keys)) == 1
    with django_assert_num_queries(1):  # the page by its known route; nothing the page shows is read
        response = second.get(rated_pilot.url)
    html_second = response.content.decode()
    assert CSRF_PLACEHOLDER not in html_first + html_second
    token_first, token_second = TOKEN.search(html_first).group(1), TOKEN.search(html_second).group(1)
    # Each token unmasks to its own visitor's secret, the one in their cookie.
    assert _unmask_cipher_token(token_first) == first.cookies["csrftoken"].value
    assert _unmask_cipher_token(token_second) == second.cookies["csrftoken"].value
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    # The same page but for the tokens.
    assert html_first.replace(token_first, "") == html_second.replace(token_second, "")
    # The kept HTML holds the placeholder, never a visitor's token.
    (kept,) = _kept(rated_pilot, kept_keys).values()
    assert CSRF_PLACEHOLDER in kept and token_first not in kept and token_second not in kept


def test_a_form_on_the_kept_page_posts_with_its_token_and_not_with_anothers(rated_pilot):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(rated_pilot.url)
    html = second.get(rated_pilot.url).content.decode()
    token = TOKEN.search(html).group(1)
    posted = second.post("/i18n/setlang/", {"language": "en", "next": rated_pilot.url}, HTTP_X_CSRFTOKEN=token)
    assert posted.status_code == 302
    third = Client(enforce_csrf_checks=True)
    third.get(rated_pilot.url)
    refused = third.post("/i18n/setlang/", {"language": "en", "next": rated_pilot.url}, HTTP_X_CSRFTOKEN=token)
    assert refused.status_code == 403


def test_signed_in_people_are_never_served_the_kept_page(client, rated_pilot, kept_keys):
    client.get(rated_pilot.url)
    _comment(rated_pilot, "Written without an event")
    assert "Written without an event" not in client.get(rated_pilot.url).content.decode()  # kept, really
    resident = Client()
    resident.force_login(ResidentFactory())
    html = resident.get(rated_pilot.url).content.decode()
    assert "Written without an event" in html and "Save my rating" in html
    assert len(_kept(rated_pilot, kept_keys)) == 1  # and their page was not kept either
    fragments.page_changed(rated_pilot.pk)
    assert "Written without an event" in client.get(rated_pilot.url).content.decode()


@pytest.mark.parametrize(
    "query, kept",
    [
        ("", True),
        ("?flagged=1", True),
        ("?utm_source=mail", False),
        ("?flagged=1&x=1", False),
        ("?flagged=2", False),  # a value the page does not know: no page kept per value anyone types
        ("?flagged=1&flagged=1", False),
    ],
)
def test_only_the_query_parameters_the_page_names_are_kept(client, rated_pilot, query, kept):
    client.get(rated_pilot.url + query)
    _comment(rated_pilot, "Written without an event")
    assert ("Written without an event" not in client.get(rated_pilot.url + query).content.decode()) is kept


def test_htmx_requests_and_head_are_not_served_the_kept_page(client, rated_pilot, kept_keys):
    client.get(rated_pilot.url)
    _comment(rated_pilot, "Written without an event")
    assert "Written without an event" in client.get(rated_pilot.url, HTTP_HX_REQUEST="true").content.decode()
    assert client.head(rated_pilot.url).status_code == 200
    assert len(_kept(rated_pilot, kept_keys)) == 1


def test_a_waiting_message_is_shown_and_not_lost(client, rated_pilot):
    client.get(rated_pilot.url)  # kept
    client.force_login(ResidentFactory())
    client.post("/accounts/logout/")
    html = client.get(rated_pilot.url).content.decode()
    assert 'class="message message-' in html  # "You have signed out.", on the page the visitor came back to
    assert 'class="message message-' not in client.get(rated_pilot.url).content.decode()  # shown once


def test_a_request_with_messages_has_no_key(rated_pilot):
    request = RequestFactory().get(rated_pilot.url)
    request.user, request.session = AnonymousUser(), {}
    request._messages = FallbackStorage(request)
    assert signed_out_page_key(rated_pilot, request) is not None
    request._messages.add(message_levels.INFO, "Signed out.")
    assert signed_out_page_key(rated_pilot, request) is None
    assert [str(m) for m in request._messages] == ["Signed out."]  # asking did not use it up


def test_each_language_and_reading_preference_is_kept_apart(client, rated_pilot, kept_keys):
    client.cookies["django_language"] = "en"
    english = client.get(rated_pilot.url).content.decode()
    client.cookies["django_language"] = "ko"
    korean = client.get(rated_pilot.url).content.decode()
    assert 'lang="en"' in english and 'lang="ko"' in korean
    client.cookies["ll_reading"] = "s3c1"
    assert 'class="text-size-3 contrast-high"' in client.get(rated_pilot.url).content.decode()
    assert len(_kept(rated_pilot, kept_keys)) == 3
    client.cookies["ll_reading"] = "anything-else"  # ignored, as the page ignores it: the default page, kept already
    assert 'class="text-size-1"' in client.get(rated_pilot.url).content.decode()
    assert len(_kept(rated_pilot, kept_keys)) == 3


def test_a_render_that_asked_for_the_real_token_is_not_kept(client, rated_pilot, monkeypatch, kept_keys):
    """A template tag reading the token from the request would hand this visitor's token to everyone."""
    original = PilotPage.get_context

    def asks_for_the_token(self, request, *args, **kwargs):
        context = original(self, request, *args, **kwargs)
        context["leaked"] = get_token(request)
        return context

    monkeypatch.setattr(PilotPage, "get_context", asks_for_the_token)
    assert client.get(rated_pilot.url).status_code == 200
    assert _kept(rated_pilot, kept_keys) == {}


def test_nothing_is_kept_while_redis_is_away(client, rated_pilot, monkeypatch):
    monkeypatch.setattr(type(cache), "redis_is_down", True, raising=False)
    client.get(rated_pilot.url)
    _comment(rated_pilot, "Written without an event")
    assert "Written without an event" in client.get(rated_pilot.url).content.decode()


def test_a_page_added_to_the_tree_moves_every_kept_page(client, rated_pilot, make_pilot):
    client.get(rated_pilot.url)
    _comment(rated_pilot, "Written without an event")
    make_pilot(title="Another pilot")  # menus and links to other pages may change
    assert "Written without an event" in client.get(rated_pilot.url).content.decode()


# --- what the page shows moves its generation on, once committed ---------------------------------------------


def test_a_proposal_it_answers_changing_status_shows(client, make_pilot, django_capture_on_commit_callbacks):
    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    pilot = make_pilot(proposals=[proposal])
    before = client.get(pilot.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.hide_proposal(proposal, by=AdministratorFactory(), reason="Personal data in the text")
    after = client.get(pilot.url).content.decode()
    assert proposal.title in before and proposal.title not in after


def test_sessions_test_users_and_consent_text_show_once_committed(
    client, make_pilot, django_capture_on_commit_callbacks
):
    pilot = make_pilot(status=PilotStatus.RUNNING)
    assert "Shelter workshop" not in client.get(pilot.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        Session.objects.create(
            page=pilot,
            title="Shelter workshop",
            format=SessionFormat.OFFLINE,
            place="Residents' Hall",
            starts_at=timezone.now() + datetime.timedelta(days=3),
            ends_at=timezone.now() + datetime.timedelta(days=3, hours=2),
            capacity=10,
            is_published=True,
        )
    assert "Shelter workshop" in client.get(pilot.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        ConsentText.objects.create(page=pilot, version=1, text="I agree.")
    assert reverse("codesign:volunteer", args=[pilot.pk]) in client.get(pilot.url).content.decode()
    counted = re.compile(r"(\d+) (?:resident takes|residents take) part")
    client.cookies["django_language"] = "en"
    assert counted.search(client.get(pilot.url).content.decode()).group(1) == "0"
    with django_capture_on_commit_callbacks(execute=True):
        codesign_services.volunteer_for_pilot(pilot, user=ResidentFactory(), consent_version=1)
    assert counted.search(client.get(pilot.url).content.decode()).group(1) == "1"


def test_a_rating_deleted_with_its_account_goes(client, rated_pilot, django_capture_on_commit_callbacks):
    author = ResidentFactory()
    PilotFeedback.objects.create(pilot=rated_pilot, user=author, rating=1, comment="Erase me with my account")
    fragments.page_changed(rated_pilot.pk)
    assert "Erase me with my account" in client.get(rated_pilot.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        author.delete()
    assert "Erase me with my account" not in client.get(rated_pilot.url).content.decode()


def test_a_change_outside_the_cached_fragments_keeps_them(client, make_pilot, django_capture_on_commit_callbacks):
    """A new test user renders the signed-out page again, but not its results and sensor evidence."""
    pilot = make_pilot(status=PilotStatus.RUNNING)
    ConsentText.objects.create(page=pilot, version=1, text="I agree.")
    client.get(pilot.url)
    fragments_generation = fragments.generation(fragments.page_generation_key(pilot.pk))
    parts_generation = fragments.generation(fragments.page_parts_generation_key(pilot.pk))
    with django_capture_on_commit_callbacks(execute=True):
        codesign_services.volunteer_for_pilot(pilot, user=ResidentFactory(), consent_version=1)
    assert fragments.generation(fragments.page_generation_key(pilot.pk)) == fragments_generation
    assert fragments.generation(fragments.page_parts_generation_key(pilot.pk)) > parts_generation
