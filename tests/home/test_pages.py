"""The page tree, the site frame and the language switcher."""

import pytest
from django.urls import reverse
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase

from home import demo
from home.models import HomePage, StandardPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def home_page():
    return demo.build_pages()


def test_home_page_renders_the_site_frame(client, home_page):
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="skip-link" href="#main"' in body
    assert '<main id="main"' in body
    assert 'aria-label="Main"' in body
    assert 'name="language" value="ko"' in body
    assert "<footer" in body
    assert '<html lang="en"' in body


def test_language_switcher_sets_korean_and_back(client, home_page):
    response = client.post(reverse("set_language"), {"language": "ko", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="ko"' in body
    assert "본문 바로가기" in body  # "Skip to main content" in Korean

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Skip to main content" in client.get("/").content.decode()


def test_language_switcher_ignores_unknown_languages_and_foreign_redirects(client, home_page):
    response = client.post(reverse("set_language"), {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert '<html lang="en"' in client.get("/").content.decode()


def test_unknown_page_gets_the_site_404(client, home_page):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert 'class="skip-link"' in response.content.decode()


def test_500_page_renders_without_a_request_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html


def test_standard_page_renders_its_stream_body(client, home_page):
    page = StandardPage.objects.get(slug="how-it-works")
    response = client.get(page.url)
    assert response.status_code == 200
    assert "<h2>1. 문제를 알려 주세요" in response.content.decode()


class TestPageTree(WagtailPageTestCase):
    def test_home_page_only_at_the_root(self):
        self.assertCanCreateAt(Page, HomePage)
        self.assertCanNotCreateAt(HomePage, HomePage)
        self.assertCanNotCreateAt(StandardPage, HomePage)

    def test_standard_pages_under_home_and_each_other(self):
        self.assertCanCreateAt(HomePage, StandardPage)
        self.assertCanCreateAt(StandardPage, StandardPage)
        self.assertCanNotCreateAt(Page, StandardPage)


def test_only_one_home_page(home_page):
    assert not HomePage.can_create_at(Page.get_first_root_node())
    assert Site.objects.get(is_default_site=True).root_page_id == home_page.pk
