"""Readings from uploaded CSV or JSON files (e.g. a city open-data portal's export), through a column mapping."""

import csv
import io
import json

from django.utils.translation import gettext as _

from .ingest import IngestResult
from .models import DataStream, SensorUpload


class UploadError(Exception):
    """The file as a whole cannot be read (not CSV/JSON, a mapped column missing)."""


def upload_rows(upload: SensorUpload) -> list[dict]:
    if upload.format == SensorUpload.Format.JSON:
        try:
            data = json.loads(upload.content)
        except ValueError as error:
            raise UploadError(_("The file is not valid JSON.")) from error
        if isinstance(data, dict):
            data = data.get("value", data.get("data"))
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise UploadError(_('The JSON file must hold a list of objects (or {"value": [...]}).'))
        rows = data
    else:
        reader = csv.DictReader(io.StringIO(upload.content.lstrip("\ufeff")))
        rows = list(reader)
        columns = set(reader.fieldnames or ())
        wanted = {upload.stream_column, upload.time_column, upload.value_column} | (
            {upload.unit_column} if upload.unit_column else set()
        )
        missing = sorted(wanted - columns)
        if missing:
            raise UploadError(_("Columns missing from the file: %(columns)s") % {"columns": ", ".join(missing)})
    return rows


def upload_batches(upload: SensorUpload, result: IngestResult) -> list[tuple[DataStream, list]]:
    """Rows grouped per stream as (time, value, unit) items; rows naming no known stream are rejected."""
    streams = list(DataStream.objects.filter(source=upload.source).select_related("site"))
    by_key = {}
    for stream in streams:
        if stream.external_id:
            by_key[stream.external_id] = stream
        by_key.setdefault(f"{stream.site.code}:{stream.observed_property}", stream)
    grouped: dict[int, tuple[DataStream, list]] = {}
    for number, row in enumerate(upload_rows(upload), start=2):
        key = str(row.get(upload.stream_column, "")).strip()
        stream = by_key.get(key)
        if stream is None:
            result.reject(
                key or f"row {number}",
                row.get(upload.time_column),
                row.get(upload.value_column),
                _("no stream %(key)s at this source") % {"key": key or "—"},
            )
            continue
        unit = row.get(upload.unit_column) if upload.unit_column else upload.unit
        grouped.setdefault(stream.pk, (stream, []))[1].append(
            (row.get(upload.time_column), row.get(upload.value_column), unit)
        )
    return list(grouped.values())
