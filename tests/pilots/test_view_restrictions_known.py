"""View restrictions asked once per change, not on every page (``livinglab.view_restrictions``).

While the site has no restriction, serving a page and ``public()`` read none; the moment an editor restricts a
section, its pages ask for a login (or a password) and drop out of public listings, and lifting it brings them
back, on the next request, with no wait for a cache to expire.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from codesign.results import live_surveys_about
from pilots.models import PilotPage

pytestmark = pytest.mark.django_db


def restriction_reads(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        status = client.get(url).status_code
    return status, sum("wagtailcore_pageviewrestriction" in q["sql"] for q in captured.captured_queries)


def test_without_restrictions_a_page_reads_none(client, make_pilot):
    pilot = make_pilot()
    client.get(pilot.url)  # the fact "no restriction" is now cached
    assert restriction_reads(client, pilot.url) == (200, 0)
    with CaptureQueriesContext(connection) as captured:
        assert pilot in PilotPage.objects.live().public()
        list(live_surveys_about(pilot))
    assert not [q for q in captured.captured_queries if "wagtailcore_pageviewrestriction" in q["sql"]]


@pytest.mark.parametrize("where", ["index", "pilot"])
def test_a_new_restriction_holds_at_once_and_lifting_it_restores_the_page(
    client, make_pilot, where, django_capture_on_commit_callbacks
):
    pilot = make_pilot()
    assert client.get(pilot.url).status_code == 200  # cached: no restriction
    page = pilot.get_parent() if where == "index" else pilot
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    status, reads = restriction_reads(client, pilot.url)
    assert status == 302 and reads >= 1  # Wagtail's own check runs again: sign in first
    assert pilot not in PilotPage.objects.live().public()
    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert client.get(pilot.url).status_code == 200
    assert pilot in PilotPage.objects.live().public()


def test_a_password_restriction_asks_for_the_password(client, make_pilot, django_capture_on_commit_callbacks):
    pilot = make_pilot()
    client.get(pilot.url)
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=pilot, restriction_type=PageViewRestriction.PASSWORD, password="x7")
    response = client.get(pilot.url)
    assert response.status_code == 200 and 'name="password"' in response.content.decode()
    assert pilot.summary not in response.content.decode()


def test_while_redis_is_away_restrictions_are_read_every_time(client, make_pilot, monkeypatch):
    pilot = make_pilot()
    client.get(pilot.url)
    monkeypatch.setattr(type(cache), "redis_is_down", True, raising=False)
    assert restriction_reads(client, pilot.url)[1] >= 1
    PageViewRestriction.objects.create(page=pilot, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(pilot.url).status_code == 302
