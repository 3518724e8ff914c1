"""A Korean administrator's daily Wagtail screens read in Korean where Wagtail's own catalogue left English
(the msgids are kept by ``livinglab/wagtail_terms.py``; their Korean is in our ``django.po``)."""

import pytest
from django.utils import translation
from django.utils.translation import ngettext
from wagtail import __version__ as WAGTAIL_VERSION

from tests.factories import AdministratorFactory
from tests.livinglab.test_translations import _visible_texts

SCREENS = {
    "/admin/": {
        # The dashboard, and the keyboard shortcuts dialog every admin page carries.
        "키보드 단축키": "Keyboard shortcuts",
        "모든 페이지 검색…": "Search all pages…",
        "대화 상자 닫기": "Close dialog",
        "프로필 사진 수정": "Edit account avatar",
        f"Wagtail {WAGTAIL_VERSION} 편집자 안내서": f"Wagtail {WAGTAIL_VERSION} editor guide",
        "페이지 1개": "1 Page",  # the site summary; its screen-reader half is checked below
        "텍스트 서식": "Text formatting",
        "서식 없이 붙여넣기": "Paste without formatting",
    },
    "/admin/account/": {
        "관리자 테마": "Admin theme",
        "시스템 기본값": "System default",
        "밝은 테마": "Light",
        "어두운 테마": "Dark",
        "대비": "Contrast",
        "높은 대비": "More contrast",
        "촘촘하게": "Snug",
        "서버 언어 사용: English": "Use server language: English",  # the test server speaks English
    },
    "/admin/users/": {
        "마지막 로그인": "Last login",
        "권한 수준": "Access level",
        "방금 전": "Just now",
        "활성 상태 설정": "Set active state",
        "선택한 사용자 삭제": "Delete selected users",
    },
    "/admin/reports/locked/": {"잠근 사람": "Locked by", "모든 사용자": "Anyone"},
    "/admin/reports/page-types-usage/": {"페이지 유형별 사용 현황": "Page types usage"},
    "/admin/images/": {"격자 보기": "Grid layout", "목록 보기": "List layout", "사용 횟수": "Usage count"},
}


def _texts(client, url: str, language: str) -> set[str]:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return _visible_texts(response.content.decode())


@pytest.fixture
def administrator_client(client):
    client.force_login(AdministratorFactory())
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url", SCREENS)
def test_a_korean_administrator_reads_wagtails_screens_in_korean(administrator_client, url):
    texts = _texts(administrator_client, url, "ko")
    assert sorted(set(SCREENS[url]) - texts) == []  # the Korean is on the page
    assert sorted(set(SCREENS[url].values()) & texts) == []  # and the English is not


@pytest.mark.django_db
@pytest.mark.parametrize("url", SCREENS)
def test_an_english_administrator_keeps_wagtails_english(administrator_client, url):
    """The rejection case: the same screens in English show Wagtail's wording, so the check above looks at the
    strings a Korean administrator used to see in English."""
    texts = _texts(administrator_client, url, "en")
    english = set(SCREENS[url].values()) - {"Use server language: English"}  # the picker names the server language
    assert sorted(english - texts) == []
    assert sorted(set(SCREENS[url]) & texts) == []


def test_the_dashboard_site_summary_counts_in_korean():
    singular = '%(total)s Page <span class="w-sr-only">created in %(site_name)s</span>'
    plural = '%(total)s Pages <span class="w-sr-only">created in %(site_name)s</span>'
    with translation.override("ko"):
        assert ngettext(singular, plural, 3) % {"total": 3, "site_name": "리빙랩"} == (
            '<span class="w-sr-only">리빙랩에 만든 </span>페이지 3개'
        )
    with translation.override("en"):
        assert ngettext(singular, plural, 3) % {"total": 3, "site_name": "Living lab"} == (
            '3 Pages <span class="w-sr-only">created in Living lab</span>'
        )
