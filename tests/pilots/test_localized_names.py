"""Area and category names follow the reader's language on every page that shows them (issue 9, point 10).

Before, English pages showed the Korean names on the home page's cards, on pilot pages and in the pilots'
filters, because those templates printed ``{{ area }}`` (the Korean ``__str__``) instead of the one filter.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from pilots.models import PilotStatus
from tests.factories import CategoryFactory, DongFactory, ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def names():
    dong = DongFactory(name="성수1가1동", name_en="Seongsu 1-ga 1-dong")
    category = CategoryFactory(name="안전", name_en="Safety")
    return {"area": dong, "category": category}


def read(client, url: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [
        ("en", ["Seongdong-gu Seongsu 1-ga 1-dong", "Safety"], ["성수1가1동", "안전"]),
        ("ko", ["성동구 성수1가1동", "안전"], ["Seongsu 1-ga 1-dong", "Safety"]),
    ],
)
def test_the_home_page_cards_name_areas_in_the_readers_language(client, home, names, language, shown, hidden):
    ProposalFactory(area=names["area"], category=names["category"], title="Dark alley behind the station")
    page = read(client, home.url, language)
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


@pytest.mark.parametrize(("language", "shown", "hidden"), [("en", "Safety", "안전"), ("ko", "안전", "Safety")])
def test_pilot_pages_and_their_index_name_areas_in_the_readers_language(
    client, make_pilot, names, language, shown, hidden
):
    proposal = ProposalFactory(area=names["area"], category=names["category"], status="accepted")
    pilot = make_pilot(status=PilotStatus.RUNNING, proposals=[proposal], **names)
    for url in (pilot.url, pilot.get_parent().url):
        page = read(client, url, language)
        assert shown in page
        assert hidden not in page
    index = read(client, pilot.get_parent().url, language)
    district = "Seongdong-gu" if language == "en" else "성동구"
    assert f">{district}</option>" in index


@pytest.mark.parametrize(("language", "shown", "hidden"), [("en", "Safety", "안전"), ("ko", "안전", "Safety")])
def test_search_hits_and_facets_name_categories_in_the_readers_language(client, names, language, shown, hidden):
    ProposalFactory(area=names["area"], category=names["category"], title="Dark alley behind the station")
    page = read(client, reverse("search:search") + "?q=alley", language)
    assert shown in page
    assert hidden not in page
