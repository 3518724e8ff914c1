"""CSV (UTF-8 with BOM, so Excel reads Korean), JSON and GeoJSON writers, one row at a time."""

import csv
import json
from datetime import date, datetime
from decimal import Decimal

from .csvcells import FORMULA_PREFIXES, safe_cell

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "geojson": "application/geo+json",
}


def _text(value):
    return "" if value is None else safe_cell(value)


def _moment(value):
    # Datasets may read their timestamps as ISO text from the database already (``IsoTimestamp``).
    if value is None:
        return ""
    return value if value.__class__ is str else value.isoformat()


def _boolean(value):
    return "" if value is None else ("true" if value else "false")


def _number(value):
    return "" if value is None else value


# One converter per column kind, chosen once per file rather than per cell.
CSV_CONVERTERS = {"text": _text, "datetime": _moment, "date": _moment, "boolean": _boolean}


def json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


class _CsvRows:
    """Rows ready for ``csv.writer``, counted as they go: only the columns that need a conversion are touched.

    Numbers pass as they are (``csv`` writes None as an empty cell), text is neutralised against formulas in
    line (a function call per cell was a tenth of the build), and the other kinds go through their converter.
    """

    def __init__(self, kinds, rows):
        self.kinds = kinds
        self.rows = rows
        self.count = 0

    def __iter__(self):
        width = len(self.kinds)
        text_columns = [i for i, kind in enumerate(self.kinds) if kind == "text"]
        converted = [(i, CSV_CONVERTERS[kind]) for i, kind in enumerate(self.kinds) if kind in CSV_CONVERTERS]
        converted = [(i, convert) for i, convert in converted if i not in text_columns]
        for row in self.rows:
            if len(row) != width:
                raise ValueError(f"a row has {len(row)} cells for {width} columns")
            row = list(row)
            for i in text_columns:
                value = row[i]
                if value and value[0] in FORMULA_PREFIXES:
                    row[i] = "'" + value
            for i, convert in converted:
                row[i] = convert(row[i])
            self.count += 1
            yield row


def write_csv(handle, names, kinds, rows) -> int:
    """``handle`` is a text file opened with ``encoding="utf-8-sig"`` (which writes the BOM)."""
    writer = csv.writer(handle)
    writer.writerow(names)
    prepared = _CsvRows(kinds, rows)
    writer.writerows(prepared)
    return prepared.count


def write_json(handle, names, rows, meta: dict) -> int:
    head = json.dumps(meta, ensure_ascii=False)[:-1]
    handle.write(f'{head}, "rows": [')
    count = 0
    for row in rows:
        handle.write(",\n" if count else "\n")
        handle.write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False, default=json_value))
        count += 1
    handle.write("\n]}\n")
    return count


def write_geojson(handle, names, rows, meta: dict) -> int:
    """Only rows with both ``latitude`` and ``longitude``; the other columns become the properties."""
    lat, lng = names.index("latitude"), names.index("longitude")
    head = json.dumps({"type": "FeatureCollection", **meta}, ensure_ascii=False)[:-1]
    handle.write(f'{head}, "features": [')
    count = 0
    for row in rows:
        if row[lat] is None or row[lng] is None:
            continue
        properties = {
            name: value for i, (name, value) in enumerate(zip(names, row, strict=True)) if i not in (lat, lng)
        }
        feature = {
            "type": "Feature",
            "id": row[0],
            "geometry": {"type": "Point", "coordinates": [float(row[lng]), float(row[lat])]},
            "properties": properties,
        }
        handle.write(",\n" if count else "\n")
        handle.write(json.dumps(feature, ensure_ascii=False, default=json_value))
        count += 1
    handle.write("\n]}\n")
    return count
