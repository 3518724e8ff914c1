"""Korean catalogue: our overrides of Wagtail's admin terms win, and nothing ships untranslated."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, pgettext
from django.utils.translation.trans_real import DjangoTranslation
from django.views.i18n import JavaScriptCatalog

from livinglab.wagtail_terms import OVERRIDDEN_TERMS, PLURAL_TERMS

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


def test_every_listed_plural_wagtail_term_has_korean():
    """The dashboard's "3 Pages created in ..." lines are plural msgids; each reads as its singular in English."""
    assert len(PLURAL_TERMS) == 3
    for term in PLURAL_TERMS:
        with translation.override("en"):
            english = str(term)
        with translation.override("ko"):
            korean = str(term)
        assert english.startswith("%(total)s ")
        assert korean != english


def test_english_keeps_wagtail_wording():
    with translation.override("en"):
        assert gettext("More actions") == "More actions"


@pytest.mark.parametrize(
    ("msgid", "korean"), [("More actions", "추가 작업"), ("Split block", "블록 나누기"), ("Complex", "어려움")]
)
def test_wagtail_admin_javascript_catalogue_uses_our_korean(msgid, korean):
    """The same merge Wagtail's /admin/jsi18n/ view does: its own djangojs catalogue, then LOCALE_PATHS."""
    wagtail_admin = JavaScriptCatalog().get_paths(["wagtail.admin"])
    catalogue = DjangoTranslation("ko", domain="djangojs", localedirs=wagtail_admin)
    assert catalogue.gettext(msgid) == korean


@pytest.mark.parametrize(
    ("singular", "plural", "korean"),
    [("%(num)s error", "%(num)s errors", "오류 %(num)s개"), ("%(num)s min", "%(num)s mins", "%(num)s분")],
)
def test_the_page_editors_javascript_counts_in_korean(singular, plural, korean):
    """The editor's error count (beside "Go to the first error", and in the minimap) and the reading time."""
    wagtail_admin = JavaScriptCatalog().get_paths(["wagtail.admin"])
    catalogue = DjangoTranslation("ko", domain="djangojs", localedirs=wagtail_admin)
    assert catalogue.ngettext(singular, plural, 3) == korean
    english = DjangoTranslation("en", domain="djangojs", localedirs=wagtail_admin)
    assert english.ngettext(singular, plural, 3) == plural


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


# --- The admin pages our apps add read in Korean -------------------------------------------------------------

OUR_APPS = {"accounts", "challenges", "codesign", "desk", "home", "mydata", "pilots", "proposals", "search", "sensors"}


def _our_admin_viewsets():
    """Every admin viewset (listing, snippet, chooser) whose model is one of ours."""
    from django.apps import apps
    from django.urls import get_resolver
    from wagtail.admin.viewsets import viewsets
    from wagtail.admin.viewsets.base import ViewSetGroup

    get_resolver().url_patterns  # noqa: B018 - loading the URLconf registers the admin's viewsets

    def flatten(items):
        for item in items:
            if isinstance(item, ViewSetGroup):
                yield from flatten(item.registerables)
            else:
                yield item

    for viewset in flatten(viewsets.viewsets):
        model = getattr(viewset, "model", None)
        if isinstance(model, str):
            model = apps.get_model(model)
        if model is not None and model._meta.app_label in OUR_APPS:
            yield viewset, model


def _shown_fields(viewset, model):
    """The model fields a viewset names in its columns, filters and CSV, and those its forms may edit."""
    from django.core.exceptions import FieldDoesNotExist

    names = []
    for attribute in ("list_display", "list_filter", "list_export"):
        value = getattr(viewset, attribute, None)
        names += [name for name in value if isinstance(name, str)] if isinstance(value, (list, tuple, dict)) else []
    fields = {}
    for name in names:
        try:
            fields[name] = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue  # a method or a related path: its label is the method's own
    for field in model._meta.concrete_fields:
        if field.editable:
            fields.setdefault(field.name, field)
    return [field for field in fields.values() if not field.primary_key]


def test_every_field_our_admin_shows_has_a_korean_name():
    """A field without ``verbose_name=_(...)`` heads its column as Django's English guess ("Created at")."""
    from django.utils.functional import Promise

    untranslated, checked = set(), set()
    for viewset, model in _our_admin_viewsets():
        checked.add(model._meta.label)
        for field in _shown_fields(viewset, model):
            name = field.verbose_name
            with translation.override("ko"):
                korean = str(name)
            if not isinstance(name, Promise) or korean == _in_english(name):
                untranslated.add(f"{model._meta.label}.{field.name}")
    assert {"proposals.Report", "pilots.PilotFeedback", "sensors.DataStream", "accounts.User"} <= checked
    assert sorted(untranslated) == []


def _in_english(name) -> str:
    with translation.override("en"):
        return str(name)


def test_the_field_name_check_catches_a_field_without_a_korean_name():
    """The rejection case: Django's own guess at a name is a plain string, and the check above refuses it."""
    from django.db import models
    from django.utils.functional import Promise

    field = models.DateTimeField()
    field.set_attributes_from_name("created_at")
    assert not isinstance(field.verbose_name, Promise)
    assert field.verbose_name == "created at"


def _english_msgids_of_ours() -> set[str]:
    """Our catalogue's msgids whose Korean differs: any of them on a Korean admin page is an English leak."""
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES" / "django.po"))
    return {
        entry.msgid
        for entry in catalogue.translated_entries()
        if not entry.msgctxt and not entry.msgid_plural and "%" not in entry.msgid and entry.msgstr != entry.msgid
    }


# English that Wagtail itself puts on every admin page, though the words are in our catalogue too: the header's
# aria-label="Actions" is not marked for translation, the side panel's hidden counter prints Python's None, the
# workflow report's filter is labelled by Wagtail's lowercase "workflow", and the language picker names English in
# English (WAGTAILADMIN_PERMITTED_LANGUAGES).
WAGTAIL_OWN_ENGLISH = {"Actions", "None", "Workflow", "English"}


def _django_guessed_names() -> dict[str, str]:
    """Django's English guesses ("Created at" for ``created_at``) at names for fields of our admin's models."""
    from django.utils.functional import Promise
    from django.utils.text import capfirst

    guessed = {}
    for _viewset, model in _our_admin_viewsets():
        for field in model._meta.get_fields():
            name = getattr(field, "verbose_name", None)
            if isinstance(name, str) and not isinstance(name, Promise) and not getattr(field, "primary_key", False):
                guessed.setdefault(capfirst(name), f"{model._meta.label}.{field.name}")
    return guessed


def _sidebar(html: str) -> dict:
    import json
    import re

    return json.loads(re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S).group(1))


def _menu(node, urls: set[str], labels: set[str]):
    if isinstance(node, dict):
        if isinstance(node.get("url"), str):
            urls.add(node["url"])
        if isinstance(node.get("label"), str):
            labels.add(node["label"])
        for value in node.values():
            _menu(value, urls, labels)
    elif isinstance(node, list):
        for value in node:
            _menu(value, urls, labels)


def _visible_texts(html: str) -> set[str]:
    """Text between tags, and the words screen readers and tooltips read (title, aria-label, placeholder)."""
    import html as html_lib
    import re

    body = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    attributes = re.findall(r'\s(?:title|aria-label|placeholder|alt)="([^"]*)"', body)
    texts = re.sub(r"(?s)<[^>]+>", "\n", body).split("\n") + attributes
    return {html_lib.unescape(text).strip().rstrip("*:").strip() for text in texts} - {""}


@pytest.mark.django_db
def test_the_admin_pages_our_apps_add_read_in_korean(client):
    """Walk every admin menu entry (and the add/edit forms its listing links to) as a Korean administrator:
    no text of ours may be left in English, whether an untranslated msgid or a name Django guessed."""
    import re

    from proposals.models import Report
    from tests.factories import AdministratorFactory, CommentFactory, ExpertFactory, ProposalFactory

    administrator = AdministratorFactory()
    proposal = ProposalFactory(status="under_review")
    comment = CommentFactory(proposal=proposal, author=ExpertFactory())
    Report.objects.create(reporter=administrator, comment=comment, reason="광고입니다")
    client.force_login(administrator)
    english = _english_msgids_of_ours()
    guessed = _django_guessed_names()

    dashboard = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ko")
    assert dashboard.status_code == 200
    urls, labels = set(), set()
    _menu(_sidebar(dashboard.content.decode()), urls, labels)
    assert "리빙랩" in labels  # the menu itself is in Korean
    pages = {"/admin/"} | {url for url in urls if url.startswith("/admin/")}
    for url in sorted(pages - {"/admin/"}):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
        pages |= set(re.findall(r'href="(/admin/[^"?#]*/(?:add|edit/\d+)/)"', html))

    leaks = {}
    for url in sorted(pages):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ko")
        assert response.status_code == 200, url
        texts = _visible_texts(response.content.decode()) | (labels if url == "/admin/" else set())
        for text in texts:
            if text in WAGTAIL_OWN_ENGLISH:
                continue
            if text in english:
                leaks.setdefault(url, []).append(text)
            elif text in guessed:
                leaks.setdefault(url, []).append(f"{text} ({guessed[text]})")
    assert leaks == {}, "\n".join(f"{url}: {texts}" for url, texts in leaks.items())
