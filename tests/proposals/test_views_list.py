"""The public list: filters, sorting, pages and map, with a query count that does not grow with the page."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import ProposalStatus
from tests.factories import AreaFactory, CategoryFactory, DongFactory, ProposalFactory

pytestmark = pytest.mark.django_db

URL = reverse("proposals:list")


def titles(response) -> list[str]:
    return [proposal.title for proposal in response.context["page_obj"]]


def map_points(response) -> list[dict]:
    return response.context["map_points"]


def test_list_shows_public_proposals_as_cards_with_stable_ids(client):
    proposal = ProposalFactory(title="Dark alley behind the market", vote_count=7)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="proposal-card-{proposal.pk}"' in html
    assert f'<span id="card-votes-{proposal.pk}">7</span>' in html
    assert "Dark alley behind the market" in html
    assert f"Seongdong-gu {proposal.area.name_en}" in html


def test_list_leaves_out_hidden_and_withdrawn_proposals(client):
    ProposalFactory(title="Visible proposal here")
    ProposalFactory(title="Hidden by a moderator", is_hidden=True, hidden_reason="Spam")
    ProposalFactory(title="Withdrawn by its author", status=ProposalStatus.WITHDRAWN)
    response = client.get(URL)
    assert titles(response) == ["Visible proposal here"]
    assert "Hidden by a moderator" not in response.content.decode()


def test_filter_by_category_area_and_status(client):
    safety, mobility = CategoryFactory(slug="safety"), CategoryFactory(slug="mobility")
    seongsu, geumho = DongFactory(slug="seongsu"), DongFactory(slug="geumho")
    ProposalFactory(title="Safety in Seongsu", category=safety, area=seongsu)
    ProposalFactory(title="Mobility in Seongsu", category=mobility, area=seongsu)
    ProposalFactory(title="Safety in Geumho, accepted", category=safety, area=geumho, status=ProposalStatus.ACCEPTED)

    assert sorted(titles(client.get(URL, {"category": "safety"}))) == [
        "Safety in Geumho, accepted",
        "Safety in Seongsu",
    ]
    assert sorted(titles(client.get(URL, {"area": "seongsu"}))) == ["Mobility in Seongsu", "Safety in Seongsu"]
    assert titles(client.get(URL, {"status": "accepted"})) == ["Safety in Geumho, accepted"]
    assert titles(client.get(URL, {"category": "safety", "area": "seongsu"})) == ["Safety in Seongsu"]


def test_filter_by_district_includes_its_neighbourhoods(client):
    district = AreaFactory(slug="guro-gu", name="구로구")
    inside = AreaFactory(slug="gocheok", parent=district)
    elsewhere = DongFactory(slug="seongsu")
    ProposalFactory(title="Inside Guro district", area=inside)
    ProposalFactory(title="Outside Guro district", area=elsewhere)
    assert titles(client.get(URL, {"area": "guro-gu"})) == ["Inside Guro district"]


@pytest.mark.parametrize(
    "params",
    [
        {"category": "no-such-category"},
        {"area": "'; DROP TABLE proposals_proposal; --"},
        {"status": "hidden"},
        {"status": "withdrawn"},
        {"sort": "author__password"},
        {"sort": "-id; select 1"},
        {"per_page": "100000"},
        {"per_page": "-5"},
        {"per_page": "abc"},
        {"page": "999"},
        {"page": "x"},
    ],
)
def test_unknown_filter_values_are_ignored(client, params):
    ProposalFactory(title="Still listed whatever you ask")
    response = client.get(URL, params)
    assert response.status_code == 200
    assert titles(response) == ["Still listed whatever you ask"]


def test_sort_by_newest_votes_and_discussion(client):
    now = timezone.now()
    old_popular = ProposalFactory(
        title="Old and popular", vote_count=30, comment_count=1, created_at=now - timedelta(days=3)
    )
    discussed = ProposalFactory(
        title="Much discussed", vote_count=5, comment_count=40, created_at=now - timedelta(days=2)
    )
    newest = ProposalFactory(title="Newest of all", vote_count=0, comment_count=0, created_at=now)
    assert titles(client.get(URL)) == [newest.title, discussed.title, old_popular.title]
    assert titles(client.get(URL, {"sort": "newest"})) == [newest.title, discussed.title, old_popular.title]
    assert titles(client.get(URL, {"sort": "votes"})) == [old_popular.title, discussed.title, newest.title]
    assert titles(client.get(URL, {"sort": "discussed"})) == [discussed.title, old_popular.title, newest.title]


def test_pagination_defaults_to_20_and_accepts_10_to_50(client):
    ProposalFactory.create_batch(55)
    assert len(client.get(URL).context["page_obj"]) == 20
    assert len(client.get(URL, {"per_page": "10"}).context["page_obj"]) == 10
    assert len(client.get(URL, {"per_page": "50"}).context["page_obj"]) == 50
    assert len(client.get(URL, {"per_page": "9"}).context["page_obj"]) == 20
    assert len(client.get(URL, {"per_page": "51"}).context["page_obj"]) == 20
    last = client.get(URL, {"per_page": "50", "page": "2"})
    assert len(last.context["page_obj"]) == 5
    assert 'rel="prev"' in last.content.decode()


def test_pagination_links_keep_the_filters(client):
    category = CategoryFactory(slug="safety")
    ProposalFactory.create_batch(12, category=category)
    html = client.get(URL, {"category": "safety", "per_page": "10"}).content.decode()
    assert "?category=safety&amp;per_page=10&amp;page=2" in html


def test_map_shows_every_filtered_point_not_just_this_page(client):
    category = CategoryFactory(slug="safety")
    for index in range(12):
        ProposalFactory(category=category, latitude=f"37.5{index:02d}", longitude="127.030000")
    ProposalFactory(latitude="37.600000", longitude="127.050000")  # another category: filtered out
    ProposalFactory()  # no point
    response = client.get(URL, {"category": "safety", "per_page": "10"})
    assert len(response.context["page_obj"]) == 10
    points = map_points(response)
    assert len(points) == 12
    assert {"id", "title", "lat", "lng", "url"} <= set(points[0])
    html = response.content.decode()
    data = json.loads(html.split('id="proposal-points" type="application/json">')[1].split("</script>")[0])
    assert len(data) == 12
    assert 'id="proposal-map"' in html and "vendor/leaflet/leaflet.js" in html and "<noscript>" in html


def test_map_data_escapes_titles(client):
    ProposalFactory(title="</script><script>alert(1)</script>", latitude="37.55", longitude="127.03")
    html = client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "\\u003C/script\\u003E" in html


def test_every_card_names_its_area_and_links_to_its_point_without_the_map(client):
    proposal = ProposalFactory(latitude="37.544600", longitude="127.055700")
    html = client.get(URL).content.decode()
    assert f"Seongdong-gu {proposal.area.name_en}" in html
    assert "https://www.openstreetmap.org/?mlat=37.544600&amp;mlon=127.055700" in html


def test_no_map_without_points(client):
    ProposalFactory()
    response = client.get(URL)
    assert map_points(response) == []
    assert 'id="proposal-map"' not in response.content.decode()


@pytest.mark.parametrize("per_page", [10, 50])
def test_query_count_is_the_same_at_10_and_50_per_page(client, django_assert_num_queries, per_page):
    category = CategoryFactory()
    areas = [DongFactory() for _ in range(3)]
    for index in range(per_page):
        ProposalFactory(category=category, area=areas[index % 3], latitude="37.55", longitude="127.03")
    # categories, areas, count, page (with category, area, parent area, author), photos, map points
    with django_assert_num_queries(6):
        response = client.get(URL, {"per_page": str(per_page)})
    assert len(response.context["page_obj"]) == per_page


@pytest.mark.parametrize("per_page", [10, 50])
def test_query_count_is_the_same_for_a_signed_in_resident(client, resident, django_assert_num_queries, per_page):
    ProposalFactory.create_batch(per_page)
    client.force_login(resident)
    # the anonymous page's six, plus session, user and the two permission lookups of Wagtail's user bar
    with django_assert_num_queries(10):
        client.get(URL, {"per_page": str(per_page), "sort": "votes"})
