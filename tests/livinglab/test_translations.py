"""Korean catalogue: our overrides of Wagtail's admin terms win, and nothing ships untranslated."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, pgettext
from django.utils.translation.trans_real import DjangoTranslation
from django.views.i18n import JavaScriptCatalog

from livinglab.wagtail_terms import OVERRIDDEN_TERMS

KOREAN_CATALOGUES = sorted((Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES").glob("*.po"))


@pytest.mark.parametrize(
    ("msgid", "korean"),
    [
        ("More actions", "추가 작업"),
        ("Bulk actions", "일괄 작업"),
        ("Autosave is paused", "자동 저장이 일시 중지되었습니다"),
        ("Confirm selection", "선택 완료"),
        ("Reports", "보고서"),
        ("Abuse reports", "신고"),
        ("New", "새로 만들기"),
    ],
)
def test_korean_admin_terms_are_ours(msgid, korean):
    with translation.override("ko"):
        assert gettext(msgid) == korean


def test_the_new_notification_badge_and_wagtails_new_page_title_differ_in_korean():
    with translation.override("ko"):
        assert pgettext("notification", "New") == "새 알림"
        assert gettext("New") == "새로 만들기"  # was "새 알림", so adding a page read "new notification: ..."


def test_wagtail_reports_menu_and_our_abuse_reports_have_different_korean_names():
    with translation.override("ko"):
        assert gettext("Reports") != gettext("Abuse reports")


def test_every_listed_wagtail_term_has_korean():
    with translation.override("ko"):
        untranslated = [term for term in OVERRIDDEN_TERMS if gettext(term) == term]
    assert untranslated == []


def test_english_keeps_wagtail_wording():
    with translation.override("en"):
        assert gettext("More actions") == "More actions"


@pytest.mark.parametrize(("msgid", "korean"), [("More actions", "추가 작업"), ("Split block", "블록 나누기")])
def test_wagtail_admin_javascript_catalogue_uses_our_korean(msgid, korean):
    """The same merge Wagtail's /admin/jsi18n/ view does: its own djangojs catalogue, then LOCALE_PATHS."""
    wagtail_admin = JavaScriptCatalog().get_paths(["wagtail.admin"])
    catalogue = DjangoTranslation("ko", domain="djangojs", localedirs=wagtail_admin)
    assert catalogue.gettext(msgid) == korean


def test_there_are_korean_catalogues():
    assert {path.name for path in KOREAN_CATALOGUES} >= {"django.po"}


@pytest.mark.parametrize("path", KOREAN_CATALOGUES, ids=lambda path: path.name)
def test_korean_catalogue_is_complete(path):
    catalogue = polib.pofile(str(path))
    assert catalogue.metadata.get("Plural-Forms") == "nplurals=1; plural=0;"
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


@pytest.mark.parametrize("path", KOREAN_CATALOGUES, ids=lambda path: path.name)
def test_compiled_catalogue_is_up_to_date(path):
    """The .mo must hold every translation of the .po: `make messages` was run after the last edit."""
    source = polib.pofile(str(path))
    compiled = {(entry.msgctxt, entry.msgid): entry for entry in polib.mofile(str(path.with_suffix(".mo")))}
    stale = [
        entry.msgid
        for entry in source.translated_entries()
        if (entry.msgctxt, entry.msgid) not in compiled
        or (entry.msgstr or entry.msgstr_plural)
        != (compiled[(entry.msgctxt, entry.msgid)].msgstr or compiled[(entry.msgctxt, entry.msgid)].msgstr_plural)
    ]
    assert stale == []
