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

from notifications import events

from .models import PilotPage, ResultDataPoint, ResultSeries

HEADER = ["series", "date", "value"]
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
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


def parse_rows(text: str, *, series_by_name: dict[str, ResultSeries]) -> tuple[list[tuple], list[RowError]]:
    """Check every row; returns the parsed ``(series, date, value)`` rows and the errors found."""
    if not text.strip():
        return [], [RowError(None, _("The file is empty."))]
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[RowError] = []
    try:
        header = next(reader)
    except csv.Error as exc:
        return [], [RowError(1, _("This is not a readable CSV file (%(error)s).") % {"error": exc})]
    if [cell.strip().lower() for cell in header] != HEADER:
        return [], [
            RowError(
                1,
                _("The header must be exactly “series,date,value”; found “%(found)s”.")
                % {"found": ",".join(header)[:200]},
            )
        ]
    rows: list[tuple] = []
    seen: dict[tuple[str, date], int] = {}
    count = 0
    try:
        for cells in reader:
            line = reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue  # blank lines, including the one a trailing newline leaves
            count += 1
            if count > MAX_ROWS:
                return [], [RowError(None, _("The file has more than %(max)s rows.") % {"max": f"{MAX_ROWS:,}"})]
            if len(cells) != 3:
                errors.append(
                    RowError(line, _("expected 3 values (series, date, value), found %(n)s.") % {"n": len(cells)})
                )
                continue
            name, date_text, value_text = (c.strip() for c in cells)
            row_ok = True
            series = series_by_name.get(name)
            if series is None:
                errors.append(
                    RowError(
                        line,
                        _("unknown series “%(name)s”. Add it on the page's Results tab and publish first.")
                        % {"name": name[:80]},
                    )
                )
                row_ok = False
            day = None
            if not DATE_PATTERN.match(date_text):
                errors.append(RowError(line, _("“%(date)s” is not a date like 2026-03-31.") % {"date": date_text[:40]}))
                row_ok = False
            else:
                try:
                    day = date.fromisoformat(date_text)
                except ValueError:
                    errors.append(RowError(line, _("“%(date)s” is not a real date.") % {"date": date_text[:40]}))
                    row_ok = False
            value = None
            try:
                value = _parse_value(value_text)
            except (InvalidOperation, ValueError):
                errors.append(RowError(line, _("“%(value)s” is not a number.") % {"value": value_text[:40]}))
                row_ok = False
            else:
                if abs(value) > MAX_ABS_VALUE:
                    errors.append(RowError(line, _("%(value)s is too large.") % {"value": value_text[:40]}))
                    row_ok = False
                elif value.as_tuple().exponent < -3:
                    errors.append(
                        RowError(line, _("%(value)s has more than 3 decimal places.") % {"value": value_text[:40]})
                    )
                    row_ok = False
            if series is not None and day is not None:
                key = (name, day)
                if key in seen:
                    errors.append(
                        RowError(
                            line,
                            _("“%(name)s” already has a value for %(date)s on line %(first)s.")
                            % {"name": name[:80], "date": day.isoformat(), "first": seen[key]},
                        )
                    )
                    row_ok = False
                else:
                    seen[key] = line
            if row_ok:
                rows.append((series, day, value))
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
        pilot_id = pilot.pk
        transaction.on_commit(lambda: events.publish("pilot.results_updated", pilot_id=pilot_id))
    return summary
