"""Import a pilot's time-series results from CSV: every row checked, every error reported, all or nothing.

The file has exactly the header ``series,date,value``: the name of one of the pilot's series (as saved on
the page), an ISO date (YYYY-MM-DD) and a number with at most three decimals. A value for a date the series
already has replaces it. Series are never created by an import: a typo would otherwise make a new series.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from livinglab.events import emit

from .csv_format import HEADER, MAX_BYTES, MAX_ROWS
from .models import PilotPage, ResultDataPoint, ResultSeries

MAX_ABS_VALUE = Decimal("99999999999")  # the column holds 14 digits, 3 after the point
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class RowError:
    line: int | None
    message: str

    def __str__(self):
        if self.line is None:
            return self.message
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class ResultsImportFailed(Exception):
    """Nothing was imported; ``errors`` says why, by line."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    per_series: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.created + self.updated


def _read_text(upload) -> str:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ResultsImportFailed([RowError(None, _("The file is larger than 5 MB."))])
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ResultsImportFailed([RowError(None, _("The file is larger than 5 MB."))])
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")  # spreadsheets often write a byte-order mark
    except UnicodeDecodeError as exc:
        raise ResultsImportFailed([RowError(None, _("The file is not UTF-8 text. Save it as “CSV UTF-8”."))]) from exc


def _parse_value(text: str) -> Decimal:
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", text):
        raise InvalidOperation
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value


def _header_errors(header: list[str]) -> list[RowError]:
    if [cell.strip().lower() for cell in header] == HEADER:
        return []
    message = _("The header must be exactly “series,date,value”; found “%(found)s”.") % {
        "found": ",".join(header)[:200]
    }
    return [RowError(1, message)]


def _parse_day(date_text: str) -> tuple[date | None, str]:
    """(the date, "") or (None, why not)."""
    if not DATE_PATTERN.match(date_text):
        return None, _("“%(date)s” is not a date like 2026-03-31.") % {"date": date_text[:40]}
    try:
        return date.fromisoformat(date_text), ""
    except ValueError:
        return None, _("“%(date)s” is not a real date.") % {"date": date_text[:40]}


def _parse_checked_value(value_text: str) -> tuple[Decimal | None, str]:
    """(the value, "") or (None, why not): a number the column can hold, with at most three decimals."""
    try:
        value = _parse_value(value_text)
    except (InvalidOperation, ValueError):
        return None, _("“%(value)s” is not a number.") % {"value": value_text[:40]}
    if abs(value) > MAX_ABS_VALUE:
        return None, _("%(value)s is too large.") % {"value": value_text[:40]}
    if value.as_tuple().exponent < -3:
        return None, _("%(value)s has more than 3 decimal places.") % {"value": value_text[:40]}
    return value, ""


def _parse_row(cells: list[str], line: int, *, series_by_name, seen: dict) -> tuple[tuple | None, list[RowError]]:
    """One data row: ``(series, date, value)`` and no errors, or None and every error the row has."""
    if len(cells) != 3:
        return None, [RowError(line, _("expected 3 values (series, date, value), found %(n)s.") % {"n": len(cells)})]
    name, date_text, value_text = (c.strip() for c in cells)
    errors = []
    series = series_by_name.get(name)
    if series is None:
        errors.append(
            _("unknown series “%(name)s”. Add it on the page's Results tab and publish first.") % {"name": name[:80]}
        )
    day, date_error = _parse_day(date_text)
    value, value_error = _parse_checked_value(value_text)
    errors += [error for error in (date_error, value_error) if error]
    if series is not None and day is not None:
        if (name, day) in seen:
            errors.append(
                _("“%(name)s” already has a value for %(date)s on line %(first)s.")
                % {"name": name[:80], "date": day.isoformat(), "first": seen[(name, day)]}
            )
        else:
            seen[(name, day)] = line
    if errors:
        return None, [RowError(line, error) for error in errors]
    return (series, day, value), []


def parse_rows(text: str, *, series_by_name: dict[str, ResultSeries]) -> tuple[list[tuple], list[RowError]]:
    """Check every row; returns the parsed ``(series, date, value)`` rows and the errors found."""
    if not text.strip():
        return [], [RowError(None, _("The file is empty."))]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        return [], [RowError(1, _("This is not a readable CSV file (%(error)s).") % {"error": exc})]
    if errors := _header_errors(header):
        return [], errors
    rows: list[tuple] = []
    seen: dict[tuple[str, date], int] = {}
    count = 0
    try:
        for cells in reader:
            if not cells or all(not c.strip() for c in cells):
                continue  # blank lines, including the one a trailing newline leaves
            count += 1
            if count > MAX_ROWS:
                return [], [RowError(None, _("The file has more than %(max)s rows.") % {"max": f"{MAX_ROWS:,}"})]
            row, row_errors = _parse_row(cells, reader.line_num, series_by_name=series_by_name, seen=seen)
            errors += row_errors
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, _("this line cannot be read as CSV (%(error)s).") % {"error": exc}))
    if not rows and not errors:
        errors.append(RowError(None, _("The file has a header but no data rows.")))
    return rows, errors


def import_results(pilot: PilotPage, upload) -> ImportSummary:
    """Import the CSV ``upload`` (a file object) into ``pilot``'s series, or raise ``ResultsImportFailed``."""
    text = _read_text(upload)
    series_by_name = {s.name.strip(): s for s in ResultSeries.objects.filter(page=pilot)}
    rows, errors = parse_rows(text, series_by_name=series_by_name)
    if errors:
        raise ResultsImportFailed(errors)
    summary = ImportSummary()
    with transaction.atomic():
        series_ids = {series.pk for series, _day, _value in rows}
        existing = {
            (p.series_id, p.date): p
            for p in ResultDataPoint.objects.select_for_update().filter(series_id__in=series_ids)
        }
        to_create, to_update = [], []
        for series, day, value in rows:
            point = existing.get((series.pk, day))
            if point is None:
                to_create.append(ResultDataPoint(series=series, date=day, value=value))
            elif point.value != value:
                point.value = value
                to_update.append(point)
            summary.per_series[series.name] = summary.per_series.get(series.name, 0) + 1
        ResultDataPoint.objects.bulk_create(to_create, batch_size=1000)
        ResultDataPoint.objects.bulk_update(to_update, ["value"], batch_size=1000)
        summary.created, summary.updated = len(to_create), len(to_update)
        emit("pilot.results_updated", pilot_id=pilot.pk)
    return summary
