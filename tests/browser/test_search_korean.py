"""A resident searches the way people type Korean: with a particle, or a Latin word joined to Hangul."""

import pytest

from tests.browser.steps import check_accessible
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def hit_titles(page) -> list[str]:
    return page.locator(".search-hit h3").all_inner_texts()


def test_search_finds_words_with_particles_and_latin_letters_with_highlights(live_server, page, screenshot):
    ProposalFactory(title="행당역 사거리 가로등이 꺼졌어요", description="사거리 모퉁이가 밤마다 어둡습니다.")
    ProposalFactory(title="LED가로등으로 바꿔 주세요", description="3번출구 앞 LED가로등이 자주 깜빡여요.")
    ProposalFactory(title="놀이터 미끄럼틀이 녹슬었어요", description="아이들이 다칠까 걱정입니다.")

    page.goto(f"{live_server.url}/search/?q=사거리에서")
    assert hit_titles(page) == ["행당역 사거리 가로등이 꺼졌어요"]
    assert page.locator(".search-hit h3 mark").first.inner_text() == "사거리"
    assert page.locator(".search-snippet mark").first.inner_text() == "사거리"
    screenshot("search-korean-particle")

    page.goto(f"{live_server.url}/search/?q=LED")
    assert hit_titles(page) == ["LED가로등으로 바꿔 주세요"]
    assert page.locator(".search-hit h3 mark").first.inner_text() == "LED"
    screenshot("search-latin-in-hangul")

    page.goto(f"{live_server.url}/search/?q=미끄럼틀을")
    assert hit_titles(page) == ["놀이터 미끄럼틀이 녹슬었어요"]


def test_pilots_and_pages_arrive_below_the_proposals_and_open_without_javascript(
    live_server, page, browser, screenshot
):
    from home import demo
    from home.models import StandardPage

    home = demo.build_pages()
    guide = StandardPage(title="사거리 가로등 신고 안내", slug="crossroads-lights", intro="안내")
    home.add_child(instance=guide)
    guide.save_revision().publish()
    ProposalFactory(title="행당역 사거리 가로등이 꺼졌어요", description="사거리 모퉁이가 밤마다 어둡습니다.")

    page.goto(f"{live_server.url}/search/?q=사거리")
    assert hit_titles(page) == ["행당역 사거리 가로등이 꺼졌어요"]
    pages = page.locator(".search-pages")
    pages.locator("a", has_text="사거리 가로등 신고 안내").wait_for()  # htmx fetched the fragment after the page
    assert pages.get_by_text("Search pilots and pages for").count() == 0
    check_accessible(page, "search page with its pages fragment")
    screenshot("search-pages-fragment")
    page.goto(f"{live_server.url}/search/pages/?q=사거리")
    check_accessible(page, "pilots and pages on their own")

    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(f"{live_server.url}/search/?q=사거리")
    plain.locator(".search-pages").get_by_role("link", name="Search pilots and pages for “사거리”").click()
    plain.wait_for_url("**/search/pages/?q=*")
    assert plain.get_by_role("heading", level=1).inner_text() == "Pilots and pages"
    assert plain.locator(".search-pages a", has_text="사거리 가로등 신고 안내").count() == 1
    context.close()
