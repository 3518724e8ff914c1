"""Pilot pages: where they may be created, what the index lists, what a pilot page shows."""

import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from home.models import HomePage, StandardPage
from pilots.models import PilotFeedback, PilotIndexPage, PilotPage, PilotStatus, ResultSeries
from tests.factories import AreaFactory, CategoryFactory, DongFactory, ProposalFactory, ResidentFactory

from .conftest import add_points


class PilotPageCreationRules(WagtailPageTestCase, TestCase):
    def test_the_index_goes_under_home_only(self):
        self.assertCanCreateAt(HomePage, PilotIndexPage)
        self.assertCanNotCreateAt(Page, PilotIndexPage)
        self.assertCanNotCreateAt(StandardPage, PilotIndexPage)
        self.assertCanNotCreateAt(PilotIndexPage, PilotIndexPage)
        self.assertAllowedParentPageTypes(PilotIndexPage, {HomePage})

    def test_pilots_go_under_the_index_only_and_have_no_subpages(self):
        self.assertCanCreateAt(PilotIndexPage, PilotPage)
        self.assertCanNotCreateAt(HomePage, PilotPage)
        self.assertCanNotCreateAt(StandardPage, PilotPage)
        self.assertCanNotCreateAt(PilotPage, PilotPage)
        self.assertCanNotCreateAt(PilotPage, StandardPage)
        self.assertAllowedParentPageTypes(PilotPage, {PilotIndexPage})
        self.assertAllowedSubpageTypes(PilotPage, set())
        self.assertAllowedSubpageTypes(PilotIndexPage, {PilotPage})

    def test_there_is_at_most_one_index(self):
        from home import demo

        home = demo.build_pages()
        assert PilotIndexPage.can_create_at(home)
        home.add_child(instance=PilotIndexPage(title="Pilots", slug="pilots"))
        assert not PilotIndexPage.can_create_at(home)


# --- the index -------------------------------------------------------------------------------------------


@pytest.fixture
def three_pilots(make_pilot):
    seongdong = AreaFactory(slug="seongdong-gu", name="성동구")
    guro = AreaFactory(slug="guro-gu", name="구로구")
    safety, mobility = CategoryFactory(slug="safety"), CategoryFactory(slug="mobility")
    return [
        make_pilot(
            title="Shelter",
            status=PilotStatus.EVALUATING,
            area=DongFactory(parent=seongdong, slug="seongsu"),
            category=mobility,
        ),
        make_pilot(title="Wall sensors", status=PilotStatus.RUNNING, area=guro, category=safety),
        make_pilot(title="Lights", status=PilotStatus.COMPLETED, area=seongdong, category=safety),
    ]


def titles(response) -> list[str]:
    return re.findall(r'<h2><a href="[^"]+">([^<]+)</a></h2>', response.content.decode())


@pytest.mark.django_db
def test_the_index_lists_published_pilots_as_cards(client, pilot_index, three_pilots, make_pilot):
    make_pilot(title="Secret draft", publish=False)
    response = client.get(pilot_index.url)
    assert response.status_code == 200
    assert sorted(titles(response)) == ["Lights", "Shelter", "Wall sensors"]
    assert "3 pilots" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=running", ["Wall sensors"]),
        ("status=completed", ["Lights"]),
        ("area=seongdong-gu", ["Lights", "Shelter"]),  # a district includes its neighbourhoods
        ("area=seongsu", ["Lights", "Shelter", "Wall sensors"]),  # only districts are offered; others ignored
        ("category=safety", ["Lights", "Wall sensors"]),
        ("category=safety&area=guro-gu", ["Wall sensors"]),
        ("status=evaluating&category=safety", []),
    ],
)
def test_the_index_filters_by_status_area_and_category(client, pilot_index, three_pilots, query, expected):
    response = client.get(f"{pilot_index.url}?{query}")
    assert response.status_code == 200
    assert sorted(titles(response)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["status=nonsense", "area=nowhere", "category=%3Cscript%3E", "status=&area=&category=", "status=1' OR 1=1"]
)
def test_unknown_filter_values_are_ignored(client, pilot_index, three_pilots, query):
    response = client.get(f"{pilot_index.url}?{query}")
    assert response.status_code == 200
    assert len(titles(response)) == 3
    assert "<script>" not in response.content.decode()


@pytest.mark.django_db
def test_the_index_makes_the_same_number_of_queries_for_one_or_many_pilots(
    client, pilot_index, make_pilot, django_assert_num_queries
):
    make_pilot()
    client.get(pilot_index.url)  # warm the site and content type caches
    with CaptureQueriesContext(connection) as captured:
        client.get(pilot_index.url)
    one = len(captured)
    for _ in range(4):
        pilot = make_pilot()
        PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=4)
    client.get(pilot_index.url)  # new pages move the known routes on (livinglab.routes): the index is found again
    with django_assert_num_queries(one):
        response = client.get(f"{pilot_index.url}?category=")
    assert len(titles(response)) == 5


# --- a pilot page ---------------------------------------------------------------------------------------


@pytest.fixture
def rich_pilot(make_pilot):
    accepted = ProposalFactory(status="accepted", title="Too hot at the bus stop in summer", vote_count=57)
    pilot = make_pilot(
        title="Smart bus shelter",
        status=PilotStatus.EVALUATING,
        proposals=[accepted],
        series=[("Shelter users", "people/month")],
        metrics=[
            {
                "name": "Daily users",
                "unit": "people",
                "baseline": 0,
                "target": 400,
                "actual": 300,
                "higher_is_better": True,
            },
            {
                "name": "Peak temperature",
                "unit": "°C",
                "baseline": 34,
                "target": 28,
                "actual": Decimal("27.5"),
                "higher_is_better": False,
            },
        ],
        budget=180_000_000,
    )
    add_points(pilot, "Shelter users", [1200, 1350, 1600])
    return pilot


@pytest.mark.django_db
def test_a_pilot_page_shows_facts_results_timeline_and_origin_proposals(client, rich_pilot):
    response = client.get(rich_pilot.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "₩180,000,000" in html
    assert "Evaluating" in html
    assert "Too hot at the bus stop in summer" in html
    assert "Supporters 57" in html
    assert "75% of the way from the baseline to the target" in html
    assert "Target met" in html
    assert 'class="timeline"' in html and "Installation" in html


@pytest.mark.django_db
def test_series_render_as_a_chart_and_an_accessible_table(client, rich_pilot):
    html = client.get(rich_pilot.url).content.decode()
    assert '<caption id="series-1-caption">Shelter users (people/month)</caption>' in html
    assert '<th scope="row">2026-01-01</th><td>1200</td>' in html
    canvas = re.search(r'<canvas [^>]*data-series-chart="series-1-data"[^>]*>', html).group(0)
    assert 'role="img"' in canvas
    assert "lowest 1200, highest 1600, latest 1600" in canvas
    data = json.loads(re.search(r'<script id="series-1-data" type="application/json">(.*?)</script>', html).group(1))
    assert data["values"] == [1200.0, 1350.0, 1600.0]
    assert data["labels"][0] == "2026-01-01"
    assert "vendor/chartjs/chart.umd.min.js" in html


@pytest.mark.django_db
def test_page_content_is_escaped(client, make_pilot):
    pilot = make_pilot(
        title="<script>alert(1)</script> shelter", summary="<img src=x onerror=alert(1)>", series=[("<b>x</b>", "")]
    )
    add_points(pilot, "<b>x</b>", [1])
    html = client.get(pilot.url).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "<b>x</b>" not in html


@pytest.mark.django_db
def test_hidden_feedback_comments_are_not_shown_but_ratings_count(client, rich_pilot):
    PilotFeedback.objects.create(pilot=rich_pilot, user=ResidentFactory(), rating=5, comment="Lovely and cool inside")
    PilotFeedback.objects.create(
        pilot=rich_pilot, user=ResidentFactory(), rating=1, comment="Rude words here", is_hidden=True, hidden_reason="x"
    )
    html = client.get(rich_pilot.url).content.decode()
    assert "Lovely and cool inside" in html
    assert "Rude words here" not in html
    assert "<strong>3.0</strong> / 5" in html
    assert "5 out of 5: 1 rating (50%)" in html
    assert "1 out of 5: 1 rating (50%)" in html


@pytest.mark.django_db
def test_a_draft_pilot_is_not_public_but_previews_with_unsaved_series(client, make_pilot):
    pilot = make_pilot(publish=False, series=[("Users", "")])
    add_points(pilot, "Users", [5, 7])
    assert client.get(f"{pilot.get_parent().url}{pilot.slug}/").status_code == 404
    draft = pilot.get_latest_revision_as_object()
    draft.series.add(ResultSeries(name="Added in the editor, not saved yet"))
    response = draft.make_preview_request()
    html = response.rendered_content if hasattr(response, "rendered_content") else response.content.decode()
    assert response.status_code == 200
    assert pilot.title in html
    assert "lowest 5, highest 7" in html
    assert "Added in the editor, not saved yet" in html
    assert "ws-connect" not in html


@pytest.mark.django_db
def test_a_pilot_is_found_by_wagtail_search(rich_pilot):
    results = PilotPage.objects.live().search("shelter")
    assert rich_pilot in list(results)


@pytest.mark.django_db
def test_a_pilot_page_makes_the_same_number_of_queries_for_few_or_many_proposals_and_comments(
    client, make_pilot, django_assert_num_queries
):
    few = make_pilot(
        status=PilotStatus.EVALUATING,
        proposals=[ProposalFactory(status="accepted")],
        series=[("Users", ""), ("Heat", "°C")],
    )
    many = make_pilot(
        status=PilotStatus.EVALUATING,
        proposals=[ProposalFactory(status="accepted") for _ in range(4)],
        series=[("Users", ""), ("Heat", "°C")],
    )
    for pilot, comments in ((few, 1), (many, 6)):
        add_points(pilot, "Users", [1, 2, 3])
        add_points(pilot, "Heat", [20, 25])
        for n in range(comments):
            PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=4, comment=f"Comment {n}")
    client.get(few.url)
    client.get(many.url)  # both warm: the results are cached per page (tests/pilots/test_page_cache.py)
    with CaptureQueriesContext(connection) as captured:
        client.get(few.url)
    with django_assert_num_queries(len(captured)):
        response = client.get(many.url)
    assert response.content.decode().count("Comment ") == 6


@pytest.mark.django_db
def test_the_partials_render_from_the_page_alone_for_live_pushes(rich_pilot):
    from django.template.loader import render_to_string

    results = render_to_string("pilots/includes/results.html", {"page": rich_pilot})
    assert f'id="pilot-results-{rich_pilot.pk}"' in results
    assert '<th scope="row">2026-03-01</th><td>1600</td>' in results
    average = render_to_string(
        "pilots/includes/feedback_average.html", {"pilot": rich_pilot, "average": 4.24, "count": 8}
    )
    assert f'id="pilot-feedback-average-{rich_pilot.pk}"' in average
    assert "<strong>4.2</strong> / 5" in average
    assert "from 8 ratings" in average
