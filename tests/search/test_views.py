"""The /search/ page and the similar-proposals fragment: sane pages for any input, escaped output, few queries."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from home import demo
from home.models import StandardPage
from proposals.models import Proposal, ProposalStatus
from tests.factories import CategoryFactory, DongFactory, ProposalFactory

from .conftest import NEAR_MARKET, NEAR_SCHOOL

pytestmark = pytest.mark.django_db

SEARCH = "/search/"
SIMILAR = "/search/similar/"


def test_urls_are_named():
    assert reverse("search:search") == SEARCH
    assert reverse("search:similar") == SIMILAR


def test_empty_query_lists_public_proposals(client, world):
    response = client.get(SEARCH)
    body = response.content.decode()
    assert response.status_code == 200
    assert "5 proposals found" in body
    assert "숨겨진 가로등 제안" not in body
    assert "Pilots and pages" not in body  # nothing to search pages for


def test_korean_fragment_shows_highlighted_hits_and_facets(client, world):
    body = client.get(SEARCH, {"q": "가로등"}).content.decode()
    assert "3 proposals found" in body
    assert "골목 <mark>가로등</mark> 고장" in body
    assert "숨겨진 가로등 제안" not in body
    assert "철회된 가로등 제안" not in body
    assert "Narrow down" in body
    assert "?q=%EA%B0%80%EB%A1%9C%EB%93%B1&amp;category=safety" in body  # a facet link that adds a filter


def test_facet_filter_link_toggles(client, world):
    body = client.get(SEARCH, {"q": "가로등", "category": "environment"}).content.decode()
    assert "1 proposal found" in body
    assert "공원 미세먼지 측정기 설치" in body
    assert "골목 <mark>가로등</mark> 고장" not in body
    # The active filter shows with a link that removes it.
    assert 'href="?q=%EA%B0%80%EB%A1%9C%EB%93%B1"' in body
    assert "(remove this filter)" in body


def test_sort_links_and_votes_order(client, world):
    body = client.get(SEARCH, {"sort": "votes"}).content.decode()
    assert body.index("공원 미세먼지 측정기 설치") < body.index("골목 가로등 고장") < body.index("가로등 교체 요청")
    assert 'href="?sort=votes" aria-current="true"' in body
    assert "Nearest" not in body  # no point, no distance sort


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        "(",
        "AND OR",
        "* ? :",
        "\\",
        "/ [ ] { } ~ ^ !",
        '"(AND OR * ? : \\ / [ ] { } ~ ^ !',
        "가로등~2^5",
        "title:가로등",
        "%",
        "_",
        "' OR 1=1 --",
        "\x00\x1f",
    ],
)
def test_odd_queries_get_a_sane_page(client, world, query):
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert b"<h1>Search</h1>" in response.content


def test_script_in_the_query_is_escaped_everywhere(client, world):
    response = client.get(SEARCH, {"q": "<script>alert(1)</script>"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_proposal_markup_is_escaped_in_hits(client, world):
    ProposalFactory(
        title="<b>Bold</b> crossing", description="<img src=x onerror=alert(1)> crossing is unsafe at night"
    )
    body = client.get(SEARCH, {"q": "crossing"}).content.decode()
    assert "<img src=x" not in body
    assert "<b>Bold</b>" not in body
    assert "&lt;b&gt;Bold&lt;/b&gt; <mark>crossing</mark>" in body


def test_a_thousand_character_query_is_shortened_and_the_user_told(client, world):
    response = client.get(SEARCH, {"q": "가로등 " + "x" * 996})
    body = response.content.decode()
    assert response.status_code == 200
    assert "only its first 200 characters were used" in body
    assert response.context["query"] == ("가로등 " + "x" * 996)[:200]
    assert 'value="가로등 ' + "x" * 196 + '"' in body  # the search box keeps what was searched, no more


def test_a_normal_query_is_not_reported_as_shortened(client, world):
    assert "characters were used" not in client.get(SEARCH, {"q": "가로등"}).content.decode()


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999", "1e9", ""])
def test_bad_page_numbers_get_a_page(client, world, page):
    assert client.get(SEARCH, {"q": "가로등", "page": page}).status_code == 200


def test_pagination_links(client, db):
    for number in range(23):
        ProposalFactory(title=f"Bench repair request {number}")
    body = client.get(SEARCH, {"q": "bench"}).content.decode()
    assert "Page 1 of 2" in body
    assert 'rel="next" href="?q=bench&amp;page=2"' in body
    second = client.get(SEARCH, {"q": "bench", "page": "2"}).content.decode()
    assert 'rel="prev" href="?q=bench&amp;page=1"' in second
    assert "showing 21–23" in second


def test_near_me_shows_distances_and_a_remove_link(client, world):
    lat, lon = NEAR_SCHOOL
    body = client.get(SEARCH, {"lat": lat, "lon": lon, "radius": "1"}).content.decode()
    assert "2 proposals found" in body
    assert "Within 1 km of your location" in body
    assert "140 m away" in body
    assert 'href="?"' in body  # removing the point clears lat, lon and radius


@pytest.mark.parametrize(
    "params",
    [
        {"lat": "abc", "lon": "127"},
        {"lat": "95", "lon": "127"},
        {"lat": "nan", "lon": "inf"},
        {"lat": "37.56", "lon": "127.04", "radius": "-3"},
        {"lat": "37.56", "lon": "127.04", "radius": "9999"},
        {"lat": "37.56"},
    ],
)
def test_bad_points_and_radii_are_ignored_or_defaulted(client, world, params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    near = response.context["near"]
    assert near is None or near.radius_km == 1.0


def test_search_page_rejects_post(client, world):
    assert client.post(SEARCH, {"q": "가로등"}).status_code == 405


PAGES = "/search/pages/"


def test_pages_and_pilots_are_found_through_wagtail_search_in_their_own_request(client, world):
    home = demo.build_pages()
    page = StandardPage(title="가로등 신고 안내 · Reporting a street light", slug="street-lights", intro="안내")
    home.add_child(instance=page)
    page.save_revision().publish()
    assert reverse("search:pages") == PAGES

    # The search page only points at them: htmx loads the fragment, and without JavaScript the link opens it.
    body = client.get(SEARCH, {"q": "가로등"}).content.decode()
    assert "Pilots and pages" in body
    assert f'hx-get="{PAGES}?q=%EA%B0%80%EB%A1%9C%EB%93%B1"' in body
    assert f'href="{PAGES}?q=%EA%B0%80%EB%A1%9C%EB%93%B1"' in body
    assert "가로등 신고 안내" not in body

    fragment = client.get(PAGES, {"q": "가로등"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "가로등 신고 안내 · Reporting a street light" in fragment.content.decode()
    assert f'href="{page.url}"' in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]

    full = client.get(PAGES, {"q": "가로등"}).content.decode()
    assert "<html" in full
    assert "<h1>Pilots and pages</h1>" in full
    assert "가로등 신고 안내 · Reporting a street light" in full
    assert f'href="{SEARCH}?q=%EA%B0%80%EB%A1%9C%EB%93%B1"' in full  # back to the proposals


def test_the_search_page_does_not_search_pages(client, world, monkeypatch):
    def refuse(query):
        raise AssertionError("the search page searched pages")

    monkeypatch.setattr("search.views.search_pages", refuse)
    assert client.get(SEARCH, {"q": "가로등"}).status_code == 200


def test_unmatched_pages_say_so(client, world):
    demo.build_pages()
    body = client.get(PAGES, {"q": "zeppelin"}, headers={"HX-Request": "true"}).content.decode()
    assert "No pilot or page matches these words." in body


def test_pages_without_words_search_nothing(client, world, monkeypatch):
    monkeypatch.setattr("search.views._pages", lambda *args, **kwargs: pytest.fail("searched without words"))
    for params in ({}, {"q": "   "}):
        body = client.get(PAGES, params).content.decode()
        assert "Type a word to search pilots and pages." in body
    assert client.post(PAGES, {"q": "가로등"}).status_code == 405


def test_a_failing_page_search_says_so_and_the_proposals_stay(client, world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("index gone")

    monkeypatch.setattr("search.views._pages", broken)
    response = client.get(PAGES, {"q": "가로등"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Pages cannot be searched right now." in response.content.decode()
    assert "3 proposals found" in client.get(SEARCH, {"q": "가로등"}).content.decode()


def test_page_search_words_are_escaped_and_long_ones_cut(client, world):
    demo.build_pages()
    attack = '<script>alert(1)</script>"><img src=x>'
    for path in (SEARCH, PAGES):
        body = client.get(path, {"q": attack}).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "<img src=x>" not in body
    body = client.get(PAGES, {"q": "가" * 1500}).content.decode()
    assert "only its first 200 characters were used" in body


def _search_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(SEARCH, params).status_code == 200
    return len(queries)


def test_results_page_query_count_does_not_grow_with_results(
    client, django_assert_num_queries, django_capture_on_commit_callbacks, db
):
    demo.build_pages()
    ProposalFactory(title="Bench repair request 0")
    baseline = _search_queries(client, {"q": "bench"})
    assert _search_queries(client, {"q": "bench"}) == 0  # the results section is kept whole (search.views)
    cached = baseline - 3  # another page: the matches and the facets' slugs are read once (search.backends.database)
    with django_capture_on_commit_callbacks(execute=True):  # as in production: the analysed text's commit
        for number in range(1, 30):
            ProposalFactory(
                title=f"Bench repair request {number}",
                category=CategoryFactory(),
                area=DongFactory(),
                latitude=NEAR_MARKET[0],
                longitude=NEAR_MARKET[1],
            )
    with django_assert_num_queries(baseline):
        body = client.get(SEARCH, {"q": "bench"}).content.decode()
    assert "30 proposals found" in body
    with django_assert_num_queries(cached):
        client.get(SEARCH, {"q": "bench", "page": "2"})


def test_similar_fragment_lists_open_similar_proposals(client, world):
    response = client.get(SIMILAR, {"title": "가로등이 고장났어요", "description": "골목이 어두워요"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "has this already been reported?" in body
    assert "골목 가로등 고장" in body
    assert "Supporters 12" in body
    assert "가로등 교체 요청" not in body  # rejected
    assert "숨겨진 가로등 제안" not in body


def test_similar_fragment_shows_distance_when_a_point_is_given(client, world):
    lat, lon = NEAR_MARKET
    body = client.get(SIMILAR, {"title": "broken light", "latitude": lat, "longitude": lon}).content.decode()
    assert "Broken street light by the school" in body
    assert "140 m away" in body


def test_similar_fragment_is_one_closed_line_that_never_leaves_the_draft(client, world):
    body = client.get(SIMILAR, {"title": "가로등 고장"}).content.decode()
    proposal = world["alley_light"]
    assert body.startswith('<details class="similar-proposals"') and "<details class" in body
    assert " open" not in body.split(">", 1)[0]  # closed until the resident opens it
    assert "similar open proposal" in body
    # Supporting happens on the proposal's page, in a new tab: no form here posts and navigates away.
    assert "<form" not in body and "Support this one instead" not in body
    assert f'href="{proposal.get_absolute_url()}" target="_blank" rel="noopener"' in body


def test_similar_fragment_leaves_out_proposals_whose_voting_is_closed(client, world):
    for status in (ProposalStatus.ACCEPTED, ProposalStatus.PILOTING, ProposalStatus.COMPLETED):
        world["alley_light"].status = status
        world["alley_light"].save(update_fields=["status"])
        body = client.get(SIMILAR, {"title": "가로등 고장"}).content.decode()
        assert "골목 가로등 고장" not in body, status


@pytest.mark.parametrize("title", ["", "가로", "ab", "  x ", "!!!!", "***"])
def test_similar_fragment_is_empty_for_short_or_wordless_titles(client, world, title):
    response = client.get(SIMILAR, {"title": title})
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_similar_fragment_escapes_titles(client, world):
    ProposalFactory(title="<script>alert(1)</script> broken light", description="x" * 30)
    body = client.get(SIMILAR, {"title": "broken light"}).content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; broken light" in body


@pytest.mark.parametrize("params", [{"latitude": "x", "longitude": "y"}, {"latitude": "91", "longitude": "0"}])
def test_similar_fragment_ignores_bad_points(client, world, params):
    response = client.get(SIMILAR, {"title": "broken light", **params})
    assert response.status_code == 200
    assert "away" not in response.content.decode()


def test_similar_fragment_query_count_is_constant(client, django_assert_num_queries, db):
    ProposalFactory(title="Broken street light 0")
    with CaptureQueriesContext(connection) as baseline:
        client.get(SIMILAR, {"title": "broken street light"})
    for number in range(1, 10):
        ProposalFactory(title=f"Broken street light {number}", area=DongFactory(), category=CategoryFactory())
    with django_assert_num_queries(len(baseline)):
        body = client.get(SIMILAR, {"title": "broken street light"}).content.decode()
    assert body.count("<li>") == 5


def test_the_hits_are_rendered_once_until_a_card_changes(client, world, emit_committed):
    proposal = world["alley_light"]
    assert "Supporters 12" in client.get(SEARCH, {"q": "골목"}).content.decode()
    Proposal.objects.filter(pk=proposal.pk).update(vote_count=13)
    assert "Supporters 12" in client.get(SEARCH, {"q": "골목"}).content.decode()  # no event yet: kept
    emit_committed("proposal.voted", proposal_id=proposal.pk, actor_id=None, vote_count=13)
    body = client.get(SEARCH, {"q": "골목"}).content.decode()
    assert "Supporters 13" in body and "Supporters 12" not in body


def test_kept_hits_stay_escaped_marked_and_in_the_reader_s_language(client, world):
    ProposalFactory(title="<b>가로등</b> 점검", description="<script>x</script>")
    for _ in range(2):
        body = client.get(SEARCH, {"q": "점검"}).content.decode()
        assert "&lt;b&gt;가로등&lt;/b&gt; <mark>점검</mark>" in body
        assert "<script>x" not in body and '<ol class="card-list search-hits"' in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(SEARCH, {"q": "골목"}).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    korean = client.get(SEARCH, {"q": "골목"}).content.decode()
    assert "Supporters 12" in english and "공감 12" in korean and "Supporters 12" not in korean


def test_the_results_section_is_kept_until_a_card_changes(client, world, emit_committed):
    light = world["alley_light"]
    first = client.get(SEARCH, {"q": "가로등"}).content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(SEARCH, {"q": "가로등"}).content.decode()
    assert len(queries) == 0

    def section(body):
        return body[body.index('class="search-layout"') : body.index('class="search-pages"')]

    assert section(again) == section(first)

    Proposal.objects.filter(pk=light.pk).update(vote_count=13)  # as the vote service does, then its event
    emit_committed("proposal.voted", proposal_id=light.pk, actor_id=None, vote_count=13)
    assert "Supporters 13" in client.get(SEARCH, {"q": "가로등"}).content.decode()

    Proposal.objects.filter(pk=light.pk).update(is_hidden=True)
    emit_committed("proposal.hidden", proposal_id=light.pk, actor_id=None, reason="spam")
    body = client.get(SEARCH, {"q": "가로등"}).content.decode()
    assert "2 proposals found" in body and light.title not in body


def test_results_are_kept_per_language_and_query_string(client, world):
    english = client.get(SEARCH, {"q": "가로등"}).content.decode()
    korean = client.get(SEARCH, {"q": "가로등"}, headers={"accept-language": "ko"}).content.decode()
    assert "3 proposals found" in english and "Supporters" in english
    assert "Supporters" not in korean
    by_votes = client.get(SEARCH, {"q": "가로등", "sort": "votes"}).content.decode()
    assert 'href="?q=%EA%B0%80%EB%A1%9C%EB%93%B1&amp;sort=votes" aria-current="true"' in by_votes
    filtered = client.get(SEARCH, {"q": "가로등", "category": "environment"}).content.decode()
    assert "1 proposal found" in filtered


def test_unknown_parameters_and_an_absent_redis_keep_nothing(client, world, monkeypatch):
    client.get(SEARCH, {"q": "가로등", "utm_source": "flyer"})
    with CaptureQueriesContext(connection) as queries:
        body = client.get(SEARCH, {"q": "가로등", "utm_source": "flyer"}).content.decode()
    assert len(queries) > 0  # read again, not kept
    assert "utm_source=flyer" in body  # the facet and sort links keep what the visitor came with

    monkeypatch.setattr(type(caches["default"]), "redis_is_down", property(lambda self: True), raising=False)
    client.get(SEARCH, {"q": "가로등"})
    with CaptureQueriesContext(connection) as queries:
        client.get(SEARCH, {"q": "가로등"})
    assert len(queries) > 0


def test_a_fallback_answer_is_not_kept(client, world, monkeypatch):
    from search import views
    from search.interface import search_proposals

    def degraded(*args, **kwargs):
        result = search_proposals(*args, **kwargs)
        result.degraded = True
        return result

    monkeypatch.setattr(views, "search_proposals", degraded)
    body = client.get(SEARCH, {"q": "가로등"}).content.decode()
    assert "these results come from a simpler search" in body
    monkeypatch.undo()
    body = client.get(SEARCH, {"q": "가로등"}).content.decode()
    assert "3 proposals found" in body and "these results come from a simpler search" not in body
