"""The anonymous proposal list, cached per filter set and language, and dropped by the events that change it."""

import re
import socket

import pytest
from django.urls import reverse

from proposals import services
from proposals.models import Proposal, ProposalStatus
from tests.factories import CategoryFactory, DongFactory, ProposalFactory

pytestmark = pytest.mark.django_db

URL = reverse("proposals:list")


def body(response) -> str:
    """The list's body (what is cached), without the page around it (CSRF and CSP values change per request)."""
    html = response.content.decode()
    return html[html.index('<div class="wrap proposal-list-page">') : html.index('<ul class="card-list')]


def card_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article id="proposal-card-(\d+)"', response.content.decode())]


def test_a_repeated_anonymous_view_skips_the_lists_queries(client, django_assert_num_queries):
    ProposalFactory.create_batch(3)
    first = client.get(URL, {"sort": "votes"})
    # categories and areas (the filters are validated and the key names them); the list comes from the cache
    with django_assert_num_queries(2):
        second = client.get(URL, {"sort": "votes"})
    assert second.status_code == 200
    assert body(second) == body(first)
    assert card_ids(second) == card_ids(first)


def test_the_cache_serves_the_page_as_it_was_until_an_event_says_otherwise(client):
    proposal = ProposalFactory(title="Broken bench")
    client.get(URL)
    # A change made without a domain event (a raw update) is not seen until the entry expires (PAGE_TTL).
    Proposal.objects.filter(pk=proposal.pk).update(title="Changed quietly")
    assert "Broken bench" in client.get(URL).content.decode()


def submit(proposal, resident, administrator):
    services.submit_proposal(
        author=resident,
        title="A new broken street light",
        description="Dark every night since Monday.",
        category=proposal.category,
        area=proposal.area,
    )


def vote(proposal, resident, administrator):
    services.cast_vote(proposal, user=resident)


def comment(proposal, resident, administrator):
    services.post_comment(proposal, author=resident, body="Same on our street.")


def review(proposal, resident, administrator):
    services.change_status(proposal, to_status=ProposalStatus.UNDER_REVIEW, by=administrator, response="Looking.")


def hide(proposal, resident, administrator):
    services.hide_proposal(proposal, by=administrator, reason="Spam")


@pytest.mark.parametrize(
    ("action", "seen"),
    [
        (submit, lambda html, proposal: "A new broken street light" in html),
        (vote, lambda html, proposal: f'<span id="card-votes-{proposal.pk}">1</span>' in html),
        (comment, lambda html, proposal: "1 comment" in html),
        (
            review,
            lambda html, proposal: f'id="card-status-{proposal.pk}" class="badge status status-under_review"' in html,
        ),
        (hide, lambda html, proposal: f'id="proposal-card-{proposal.pk}"' not in html),
    ],
    ids=["new proposal", "vote", "comment", "status change", "hide"],
)
def test_events_that_change_the_list_drop_the_cached_page(
    client, resident, administrator, django_capture_on_commit_callbacks, action, seen
):
    proposal = ProposalFactory()
    ProposalFactory()
    before = client.get(URL).content.decode()
    assert not seen(before, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        action(proposal, resident, administrator)
    assert seen(client.get(URL).content.decode(), proposal)


def test_different_filters_pages_and_languages_never_share_an_entry(client):
    safety, mobility = CategoryFactory(slug="safety"), CategoryFactory(slug="mobility")
    lights = ProposalFactory.create_batch(12, category=safety)
    bus_stop = ProposalFactory(category=mobility)
    for _ in range(2):  # the second round is served from the cache
        assert card_ids(client.get(URL, {"category": "mobility"})) == [bus_stop.pk]
        assert set(card_ids(client.get(URL, {"category": "safety", "per_page": "10"}))) <= {p.pk for p in lights}
        page_two = card_ids(client.get(URL, {"category": "safety", "per_page": "10", "page": "2"}))
        assert len(page_two) == 2
        assert 'lang="ko"' in client.get(URL, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
        assert 'lang="en"' in client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "제안" in body(client.get(URL, HTTP_ACCEPT_LANGUAGE="ko"))


def test_a_renamed_area_shows_at_once(client):
    area = DongFactory(name_en="Old-dong")
    ProposalFactory(area=area)
    assert "Old-dong" in body(client.get(URL))
    area.name_en = "New-dong"
    area.save()  # an admin edit: no domain event, but the key names every area as read for the filters
    html = body(client.get(URL))
    assert "New-dong" in html
    assert "Old-dong" not in html


def test_unknown_parameters_are_not_cached(client, django_assert_num_queries):
    ProposalFactory()
    client.get(URL, {"utm_source": "flyer"})
    # categories, areas, the page's ids, its rows, photos (the count has a cache of its own): rendered again
    with django_assert_num_queries(5):
        client.get(URL, {"utm_source": "flyer"})


def test_a_signed_in_resident_never_gets_the_anonymous_page(client, resident):
    proposal = ProposalFactory(title="Broken bench")
    client.get(URL)  # the anonymous page is cached
    Proposal.objects.filter(pk=proposal.pk).update(title="Changed quietly")
    client.force_login(resident)
    html = client.get(URL).content.decode()
    assert "Changed quietly" in html
    assert "Broken bench" not in html


@pytest.fixture
def redis_unreachable(settings):
    """The production cache backend pointed at a port nothing listens on: every call falls back."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "livinglab.cache.FallbackRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_a_redis_outage_serves_fresh_pages_without_the_page_cache(redis_unreachable, client):
    proposal = ProposalFactory(title="Broken bench")
    assert client.get(URL).status_code == 200
    Proposal.objects.filter(pk=proposal.pk).update(title="Changed quietly")
    response = client.get(URL)
    assert response.status_code == 200
    # Nothing was cached in this worker's fallback: other workers would not see the events that drop it.
    assert "Changed quietly" in response.content.decode()
