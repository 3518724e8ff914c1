"""A Korean administrator's daily Wagtail screens read in Korean where Wagtail's own catalogue left English
(the msgids are kept by ``livinglab/wagtail_terms.py``; their Korean is in our ``django.po``)."""

import json
import re

import pytest
from django.utils import translation
from django.utils.translation import ngettext
from wagtail import __version__ as WAGTAIL_VERSION

from tests.factories import AdministratorFactory
from tests.livinglab.test_translations import _visible_texts
from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401 - the pilot page tree
from tests.pilots.test_permissions import pilot_form

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


# The page editor, on a pilot: the add view, the edit view, and each after a save the form refused (an empty title).
# Both carry the publishing schedule dialog, the side panels (preview, checks, usage) and the autosave footer.
EDITOR_COMMON = {
    "자동 저장이": "Autosave is",  # "Autosave is <span>paused</span>", the footer banner's template
    "일시 중지": "paused",
    "게시 일정 설정": "Set publishing schedule",
    "일정 저장": "Save schedule",
    "이 페이지를 게시할 시각과 만료할 시각을 정하세요": "Choose when this page should go live and/or expire",
    "입력 오류를 고치면 미리보기가 다시 표시됩니다 (저장하면 오류 위치가 강조됩니다)": (
        "Correct the validation errors to resume preview (saving will highlight errors)"
    ),
    "미니맵": "Minimap",
    "문제 위치 보기": "Show issue",
    "이 지표의 의미": "This data explained",
    "지표를 계산하는 방법": "How we calculate our metrics",
    "0번 참조됨": "Referenced 0 times",
}
EDITOR_EDIT = {
    "네트워크 오류가 발생했습니다": "A network error occurred",
    "최신 버전 보기": "View latest version",
    "게시된 이 페이지를 볼 수 있는 사람을 정하세요": "Choose who can view the live version of this page",
    '이 게시 일정은 "게시 예약"을 선택해야 적용됩니다': (
        'This publishing schedule will only take effect after you select the "Schedule to publish" option'
    ),
}
EDITOR_SCREENS = {
    "add": EDITOR_COMMON
    | {"편집 권한이 있으면 누구나 일정을 만들 수 있습니다": "Anyone with editing permissions can create schedules"},
    "edit": EDITOR_COMMON | EDITOR_EDIT,
    "add, refused": EDITOR_COMMON
    | {
        "첫 번째 오류로 이동": "Go to the first error",
        "입력한 내용에 오류가 있어 페이지를 만들지 못했습니다.": "The page could not be created due to validation errors.",
    },
    "edit, refused": EDITOR_COMMON
    | EDITOR_EDIT
    | {
        "첫 번째 오류로 이동": "Go to the first error",
        "입력한 내용에 오류가 있어 페이지를 저장하지 못했습니다.": "The page could not be saved due to validation errors.",
    },
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


@pytest.fixture
def editor_html(administrator_client, make_pilot, pilot_index, settings):  # noqa: F811
    """The pilot editor's HTML in a language, with autosave on (the test settings turn it off)."""
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 500
    pilot = make_pilot()
    add_url = f"/admin/pages/add/pilots/pilotpage/{pilot_index.pk}/"
    edit_url = f"/admin/pages/{pilot.pk}/edit/"

    def render(screen: str, language: str) -> str:
        url = add_url if screen.startswith("add") else edit_url
        if screen.endswith("refused"):
            response = administrator_client.post(url, pilot_form(title=""), HTTP_ACCEPT_LANGUAGE=language)
        else:
            response = administrator_client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, screen
        return response.content.decode()

    return render


@pytest.mark.django_db
@pytest.mark.parametrize("screen", EDITOR_SCREENS)
def test_a_korean_administrator_edits_a_page_in_korean(editor_html, screen):
    texts = _visible_texts(editor_html(screen, "ko"))
    assert sorted(set(EDITOR_SCREENS[screen]) - texts) == []
    assert sorted(set(EDITOR_SCREENS[screen].values()) & texts) == []


@pytest.mark.django_db
@pytest.mark.parametrize("screen", EDITOR_SCREENS)
def test_an_english_administrator_edits_a_page_in_english(editor_html, screen):
    texts = _visible_texts(editor_html(screen, "en"))
    assert sorted(set(EDITOR_SCREENS[screen].values()) - texts) == []
    assert sorted(set(EDITOR_SCREENS[screen]) & texts) == []


def _content_checks(html: str) -> dict:
    """The content checks' rule names and hints, which Wagtail hands the checks panel as JSON."""
    found = re.search(r'<script id="checker-axe-configuration" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))["messages"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "rule_names"),
    [
        ("ko", {"button-name": "버튼 텍스트가 비어 있습니다", "heading-order": "제목 수준이 올바르지 않습니다"}),
        ("en", {"button-name": "Button text is empty", "heading-order": "Incorrect heading hierarchy"}),
    ],
)
def test_the_content_checks_name_their_rules_in_the_editors_language(editor_html, language, rule_names):
    messages = _content_checks(editor_html("edit", language))
    assert {rule: messages[rule]["error_name"] for rule in rule_names} == rule_names
    hints = {message["help_text"] for message in messages.values()}
    if language == "ko":
        assert all(re.search("[가-힣]", hint) for hint in hints), hints
    else:
        assert "Use meaningful text for screen reader users" in hints
