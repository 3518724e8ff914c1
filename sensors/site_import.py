"""Sensor sites (and their streams) from a CSV list: all rows valid or nothing imported, with every error."""

import csv
import io
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from livinglab.fragments import page_changed
from proposals.models import Area

from .models import DataStream, SensorSite, SiteRole
from .units import ObservedProperty

COLUMNS = ("code", "name", "role", "latitude", "longitude")
OPTIONAL = ("area", "property", "unit", "min", "max", "external_id")


class SiteImportError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _float(value):
    return float(value) if str(value or "").strip() else None


def import_sites(pilot, content: str, *, source=None) -> list[SensorSite]:
    """Create or update ``pilot``'s sites from CSV text. Raises ``SiteImportError`` listing every bad row."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise SiteImportError([_("Columns missing: %(columns)s") % {"columns": ", ".join(missing)}])
    areas = {a.slug: a for a in Area.objects.all()}
    errors, sites, streams, seen = [], [], [], set()
    for number, row in enumerate(reader, start=2):
        row = {key: (value or "").strip() for key, value in row.items() if key}
        site, stream, problems = _site_from_row(row, pilot=pilot, areas=areas, seen=seen, source=source)
        if problems:
            errors.append(_("Row %(number)s: %(problems)s") % {"number": number, "problems": "; ".join(problems)})
        sites.append(site)
        streams.append(stream)
    if not sites and not errors:
        errors.append(_("The file lists no sites."))
    if errors:
        raise SiteImportError(errors)
    _save_sites(sites, streams)
    # New or moved sites change what the pilot page's evidence shows.
    transaction.on_commit(partial(page_changed, pilot.pk))
    return sites


def _site_from_row(row: dict, *, pilot, areas: dict, seen: set, source) -> tuple[SensorSite, DataStream | None, list]:
    """The site a row describes (stored or new), its stream if it names one, and what is wrong with the row."""
    problems = []
    code = row["code"]
    if code in seen:
        problems.append(_("code %(code)s appears twice") % {"code": code})
    seen.add(code)
    site = SensorSite.objects.filter(code=code).first() or SensorSite(code=code)
    if site.pk and site.pilot_id != pilot.pk:
        problems.append(_("code %(code)s belongs to another pilot") % {"code": code})
    site.pilot = pilot
    site.name = row["name"]
    site.role = row["role"].lower()
    if site.role not in SiteRole.values:
        problems.append(_("role must be pilot or control"))
    if row.get("area") and row["area"] not in areas:
        problems.append(_("unknown area %(area)s") % {"area": row["area"]})
    site.area = areas.get(row.get("area") or "")
    try:
        site.latitude, site.longitude = float(row["latitude"]), float(row["longitude"])
        stream = _stream_from_row(row, source=source, problems=problems)
    except ValueError:
        problems.append(_("latitude, longitude, min and max must be numbers"))
        stream = None
    if not problems:
        problems.extend(_validation_problems(site, stream))
    return site, stream, problems


def _stream_from_row(row: dict, *, source, problems: list) -> DataStream | None:
    """The row's stream, unsaved; ``None`` when it names no property (or an unknown one, added to ``problems``)."""
    if not row.get("property"):
        return None
    if row["property"] not in ObservedProperty.values:
        problems.append(_("unknown property %(property)s") % {"property": row["property"]})
        return None
    return DataStream(
        observed_property=row["property"],
        unit=row.get("unit", ""),
        min_valid=_float(row.get("min")),
        max_valid=_float(row.get("max")),
        external_id=row.get("external_id", ""),
        source=source,
    )


def _validation_problems(site: SensorSite, stream: DataStream | None) -> list[str]:
    try:
        site.full_clean(validate_unique=False)
        if stream is not None:
            stream.full_clean(exclude=["site"])
    except ValidationError as error:
        return [f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()]
    return []


def _save_sites(sites: list[SensorSite], streams: list[DataStream | None]) -> None:
    """Store the checked sites and streams at once; a stream stored before keeps what ingestion knows of it."""
    with transaction.atomic():
        for site, stream in zip(sites, streams, strict=True):
            site.save()
            if stream is None:
                continue
            # Locked as ingestion locks it: the state copied below is the state a running pull leaves.
            stored = (
                DataStream.objects.select_for_update()
                .filter(site=site, observed_property=stream.observed_property)
                .first()
            )
            if stored is not None:
                stream.pk = stored.pk
                for name in DataStream.INGESTION_STATE:
                    setattr(stream, name, getattr(stored, name))
            stream.site = site
            stream.save()
