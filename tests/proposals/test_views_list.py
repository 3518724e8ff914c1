"""The public list: filters, sorting, pages and map, with a query count that does not grow with the page."""

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from proposals.models import ProposalPhoto, ProposalStatus
from tests.factories import AreaFactory, CategoryFactory, DongFactory, ProposalFactory

pytestmark = pytest.mark.django_db

URL = reverse("proposals:list")


def jpeg_bytes(size) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def titles(response) -> list[str]:
    return [proposal.title for proposal in response.context["page_obj"]]


MAP_URL = reverse("proposals:map_points")


def map_points(client, **filters) -> list[dict]:
    response = client.get(MAP_URL, filters)
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)["features"]


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
    html = response.content.decode()
    assert f'data-points-url="{MAP_URL}?category=safety"' in html
    assert 'id="proposal-map"' in html and "vendor/leaflet/leaflet.js" in html and "<noscript>" in html
    assert "vendor/leaflet-markercluster/leaflet.markercluster.js" in html
    points = map_points(client, category="safety")
    assert len(points) == 12
    first = points[0]
    assert first["geometry"]["type"] == "Point" and first["geometry"]["coordinates"][1] == pytest.approx(37.5, abs=0.2)
    assert first["properties"]["url"] == reverse("proposals:detail", args=[first["properties"]["id"]])


def test_map_points_leave_out_hidden_and_withdrawn_proposals(client):
    shown = ProposalFactory(latitude="37.55", longitude="127.03")
    ProposalFactory(latitude="37.55", longitude="127.03", is_hidden=True, hidden_reason="Spam")
    ProposalFactory(latitude="37.55", longitude="127.03", status=ProposalStatus.WITHDRAWN)
    assert [point["properties"]["id"] for point in map_points(client)] == [shown.pk]


def test_map_points_are_cached_until_a_proposal_changes(
    client, resident, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from proposals import services

    ProposalFactory(latitude="37.55", longitude="127.03")
    assert len(map_points(client)) == 1
    with django_assert_num_queries(2):  # categories and areas for the filters; the points come from the cache
        assert len(map_points(client)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_proposal(
            author=resident,
            title="Broken bench by the river",
            description="The slats of the bench are gone.",
            category=CategoryFactory(),
            area=DongFactory(),
            latitude="37.551000",
            longitude="127.031000",
        )
    assert len(map_points(client)) == 2  # proposal.created started a new generation


def test_map_data_escapes_titles(client):
    ProposalFactory(title="</script><script>alert(1)</script>", latitude="37.55", longitude="127.03")
    response = client.get(MAP_URL)
    assert json.loads(response.content)["features"][0]["properties"]["title"] == "</script><script>alert(1)</script>"
    assert response["Content-Type"] == "application/geo+json"  # never parsed as HTML


def test_every_card_names_its_area_and_links_to_its_point_without_the_map(client):
    proposal = ProposalFactory(latitude="37.544600", longitude="127.055700")
    html = client.get(URL).content.decode()
    assert f"Seongdong-gu {proposal.area.name_en}" in html
    assert "https://www.openstreetmap.org/?mlat=37.544600&amp;mlon=127.055700" in html
    card = html.split(f'id="proposal-card-{proposal.pk}"', 1)[1].split("</article>", 1)[0]
    assert "37.5446" not in re.sub(r"<[^>]+>", "", card)  # the card names the place, not raw coordinates


def card_with_photo(alt_text: str):
    proposal = ProposalFactory(
        title="Broken lamp by the school", description="The **lamp** has been out since March; children walk here."
    )
    photo = ProposalPhoto(proposal=proposal, alt_text=alt_text)
    photo.image.save("full.jpg", ContentFile(jpeg_bytes((640, 400))), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(jpeg_bytes((320, 200))), save=False)
    photo.width, photo.height = 640, 400
    photo.save()
    return proposal, photo


def test_cards_show_a_thumbnail_described_for_screen_readers_an_excerpt_and_the_place(client):
    proposal, photo = card_with_photo("The lamp post, bent, by the school gate")
    bare = ProposalFactory(title="No photo here")
    html = client.get(URL).content.decode()
    card = html.split(f'id="proposal-card-{proposal.pk}"', 1)[1].split("</article>", 1)[0]
    assert f'src="{photo.thumbnail.url}" alt="The lamp post, bent, by the school gate"' in card
    assert '<p class="proposal-card-excerpt">The lamp has been out since March' in card  # markup stripped
    assert f"Seongdong-gu {proposal.area.name_en}" in card
    other = html.split(f'id="proposal-card-{bare.pk}"', 1)[1].split("</article>", 1)[0]
    assert "<img" not in other


def test_a_photo_nobody_described_still_has_a_text_alternative_on_its_card(client):
    proposal, photo = card_with_photo("")
    card = client.get(URL).content.decode().split(f'id="proposal-card-{proposal.pk}"', 1)[1].split("</article>")[0]
    assert 'alt="Photo of the problem"' in card and 'alt=""' not in card


def test_no_map_points_without_points(client):
    ProposalFactory()
    assert map_points(client) == []


def test_the_count_is_cached_per_filter_set_and_refreshed_by_a_new_proposal(
    client, resident, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from proposals import services

    category = CategoryFactory(slug="safety")
    ProposalFactory.create_batch(3, category=category)
    ProposalFactory()
    # Signed in, so the page is rendered each time (anonymous pages are cached whole: test_list_cache.py).
    client.force_login(resident)
    assert client.get(URL).context["page_obj"].paginator.count == 4
    assert client.get(URL, {"category": "safety"}).context["page_obj"].paginator.count == 3
    # session, user, Wagtail's two permission lookups, categories, areas, page ids, rows, photos: the count
    # comes from the cache
    with django_assert_num_queries(9):
        assert client.get(URL).context["page_obj"].paginator.count == 4
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_proposal(
            author=resident,
            title="Another broken street light",
            description="Dark every night since Monday.",
            category=category,
            area=DongFactory(),
        )
    assert client.get(URL).context["page_obj"].paginator.count == 5
    assert client.get(URL, {"category": "safety"}).context["page_obj"].paginator.count == 4


def test_a_deep_page_by_votes_keeps_the_order_of_the_narrow_ids(client):
    now = timezone.now()
    proposals = [ProposalFactory(vote_count=index % 4, created_at=now - timedelta(hours=index)) for index in range(25)]
    expected = sorted(proposals, key=lambda p: (-p.vote_count, -p.created_at.timestamp(), -p.pk))
    response = client.get(URL, {"sort": "votes", "per_page": "10", "page": "3"})
    assert [p.pk for p in response.context["page_obj"]] == [p.pk for p in expected[20:]]


@pytest.mark.parametrize("per_page", [10, 50])
def test_query_count_is_the_same_at_10_and_50_per_page(client, django_assert_num_queries, per_page):
    category = CategoryFactory()
    areas = [DongFactory() for _ in range(3)]
    for index in range(per_page):
        ProposalFactory(category=category, area=areas[index % 3], latitude="37.55", longitude="127.03")
    # categories, areas, count, the page's ids, its rows (with category, area, parent area, author), photos;
    # the map points are a document of their own (map_points)
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


def test_the_cached_filter_form_shows_a_new_category_and_the_chosen_values_at_once(client):
    CategoryFactory(slug="safety", name_en="Safety")
    ProposalFactory()
    assert "Safety" in client.get(URL).content.decode()
    CategoryFactory(slug="mobility", name_en="Mobility")
    html = client.get(URL).content.decode()
    assert '<option value="mobility">Mobility</option>' in html
    chosen = client.get(URL, {"category": "mobility"}).content.decode()
    assert '<option value="mobility" selected>Mobility</option>' in chosen
