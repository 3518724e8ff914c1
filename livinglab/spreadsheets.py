"""Spreadsheet-safe CSV: every CSV the site writes passes its cells through ``neutralise_cell``.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some spreadsheet
programs skip before reading a formula) is run as a formula when an administrator opens the file in Excel
or LibreOffice: ``=HYPERLINK("http://…"&A1,"click")`` in a page title leaks the sheet to whoever wrote it.
The OWASP remedy is to prefix such a cell with a single quote, which spreadsheets show as plain text.

Our own CSV writers use ``SafeCsvWriter``; Wagtail's exports (reports, snippet and user listings, form
submissions) all stream through ``SpreadsheetExportMixin``, which ``guard_wagtail_exports`` wraps once at
start-up (it also refuses exports of listings that declare no columns, which Wagtail would fill with blank
lines). Wagtail's XLSX export already stores such values as strings, so only CSV needs this.
"""

import csv

from django.http import Http404
from django.utils.translation import gettext as _
from wagtail.admin.views.mixins import SpreadsheetExportMixin

# ASCII triggers from OWASP's "CSV injection" page, plus their full-width forms, which a Korean IME types and
# which some spreadsheet programs normalise to ASCII before parsing.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise_cell(value):
    """Return ``value`` so that no spreadsheet reads it as a formula; non-strings pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose rows are neutralised cell by cell; use it for every CSV the site writes."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([neutralise_cell(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def _guarded_write_csv_row(self, writer, row_dict):
    return writer.writerow(
        {
            field: neutralise_cell(self.preprocess_field_value(field, value, self.FORMAT_CSV))
            for field, value in row_dict.items()
        }
    )


def _guarded_get_heading(original):
    def get_heading(self, queryset, field):
        # Headings can be editor-typed too (form builder field labels).
        return neutralise_cell(original(self, queryset, field))

    get_heading.livinglab_guarded = True
    return get_heading


def _guarded_as_spreadsheet(original):
    def as_spreadsheet(self, queryset, spreadsheet_format):
        # Wagtail answers ``?export=csv`` on any listing, and with no columns declared it streams one blank
        # line per row: refuse instead of handing out an empty file.
        if not self.list_export:
            raise Http404(_("This listing has no export."))
        return original(self, queryset, spreadsheet_format)

    return as_spreadsheet


def guard_wagtail_exports() -> None:
    """Make every Wagtail CSV export neutralise formulas, its report exports included. Idempotent."""
    if getattr(SpreadsheetExportMixin.get_heading, "livinglab_guarded", False):
        return
    SpreadsheetExportMixin.write_csv_row = _guarded_write_csv_row
    SpreadsheetExportMixin.as_spreadsheet = _guarded_as_spreadsheet(SpreadsheetExportMixin.as_spreadsheet)
    SpreadsheetExportMixin.get_heading = _guarded_get_heading(SpreadsheetExportMixin.get_heading)
