"""A page's address served from the known routes (``livinglab.routes``): no walk down the tree on a second visit,
and every change to pages or sites heard at once, so a renamed, moved, unpublished or deleted page is never served
from an old route."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from pilots.models import PilotIndexPage
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def routing_reads(client, url) -> tuple[int, list[str]]:
    """The status and the routing queries: the site by host name, and children looked up by slug."""
    with CaptureQueriesContext(connection) as captured:
        status = client.get(url).status_code
    sqls = [q["sql"] for q in captured.captured_queries]
    return status, [sql for sql in sqls if '"wagtailcore_site"' in sql or '"slug" =' in sql]


def test_a_page_served_again_is_found_without_walking_the_tree(client, make_pilot):
    pilot = make_pilot(title="Cool shelter")
    status, first = routing_reads(client, pilot.url)
    assert status == 200 and first  # the site, then the index and the pilot by slug
    status, again = routing_reads(client, pilot.url)
    assert status == 200 and again == []
    client.force_login(ResidentFactory())  # rendered for this person: a signed-out visitor is served the kept page
    response = client.get(pilot.url)
    assert "Cool shelter" in response.content.decode()
    assert response.context["page"].area == pilot.area  # read with its area, as the index's route reads it


def test_a_renamed_page_is_served_at_its_new_address_only(client, make_pilot, django_capture_on_commit_callbacks):
    pilot = make_pilot()
    old_url = pilot.url
    assert client.get(old_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        pilot.slug = "renamed-shelter"
        pilot.save_revision().publish()
    # Not served from the old route: the address is not found, and Wagtail's automatic redirect answers.
    old = client.get(old_url)
    assert old.status_code == 301 and old["Location"] == "/pilots/renamed-shelter/"
    assert client.get("/pilots/renamed-shelter/").status_code == 200


def test_a_moved_page_is_served_where_it_is_now(client, home, make_pilot, django_capture_on_commit_callbacks):
    pilot = make_pilot()
    old_url = pilot.url
    assert client.get(old_url).status_code == 200
    other = PilotIndexPage(title="Past pilots", slug="past-pilots")
    home.add_child(instance=other)
    other.save_revision().publish()
    with django_capture_on_commit_callbacks(execute=True):
        pilot.move(other, pos="last-child")
    old = client.get(old_url)
    assert old.status_code == 301 and old["Location"] == f"/past-pilots/{pilot.slug}/"
    assert client.get(f"/past-pilots/{pilot.slug}/").status_code == 200


def test_an_unpublished_or_deleted_page_is_not_served(client, make_pilot, django_capture_on_commit_callbacks):
    unpublished, deleted = make_pilot(), make_pilot()
    for page in (unpublished, deleted):
        assert client.get(page.url).status_code == 200
    url = deleted.url
    with django_capture_on_commit_callbacks(execute=True):
        unpublished.unpublish()
        deleted.delete()
    assert client.get(unpublished.url).status_code == 404
    assert client.get(url).status_code == 404


def test_a_site_changed_is_read_again(client, make_pilot, django_capture_on_commit_callbacks):
    pilot = make_pilot()
    client.get(pilot.url)
    with django_capture_on_commit_callbacks(execute=True):
        site = Site.objects.get(is_default_site=True)
        site.site_name = "Seongsu living lab"
        site.save()
    response = client.get(pilot.url)
    assert response.status_code == 200 and response.wsgi_request._wagtail_site.site_name == "Seongsu living lab"


def test_a_missing_page_and_a_post_are_never_remembered(client, make_pilot):
    pilot = make_pilot()
    for _ in range(2):
        assert client.get("/pilots/no-such-pilot/").status_code == 404
    client.post(pilot.url)
    status, reads = routing_reads(client, pilot.url)
    assert status == 200 and reads  # the POST did not remember it; this GET walked and remembers it now


def test_nothing_is_remembered_while_redis_is_away(client, make_pilot, monkeypatch):
    # As livinglab.cache.FallbackRedisCache says while Redis is away (a property there; set on the class here).
    monkeypatch.setattr(type(caches["default"]), "redis_is_down", property(lambda self: True), raising=False)
    pilot = make_pilot()
    client.get(pilot.url)
    status, reads = routing_reads(client, pilot.url)
    assert status == 200 and reads
