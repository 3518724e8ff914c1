"""Checking and storing a batch of readings: every value is stored (flagged when doubtful) or rejected with a
reason; one bad value never costs the rest of the batch, and a reading already stored is never stored twice.
"""

import datetime
import math
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from livinglab.events import emit

from . import rollups, storage
from .metrics import recompute_metrics
from .models import DataStream, Flag, Gap, PilotEvidence, Reading
from .units import converter

FUTURE_TOLERANCE = datetime.timedelta(minutes=5)
GAP_INTERVALS = 3
MAX_KEPT_REJECTIONS = 100


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    flagged: int = 0
    rejected: int = 0
    rejections: list = field(default_factory=list)
    touched: dict = field(default_factory=dict)  # stream id -> (first, last) time written or re-flagged

    def reject(self, stream_label: str, time, value, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_KEPT_REJECTIONS:
            self.rejections.append({"stream": stream_label, "time": str(time), "value": str(value), "reason": reason})

    def touch(self, stream_id: int, first: datetime.datetime, last: datetime.datetime) -> None:
        old = self.touched.get(stream_id)
        self.touched[stream_id] = (min(first, old[0]), max(last, old[1])) if old else (first, last)

    def add(self, other: "IngestResult") -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.flagged += other.flagged
        self.rejected += other.rejected
        room = MAX_KEPT_REJECTIONS - len(self.rejections)
        self.rejections.extend(other.rejections[: max(room, 0)])
        for stream_id, (first, last) in other.touched.items():
            self.touch(stream_id, first, last)


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def parse_time(raw) -> datetime.datetime:
    """An ISO 8601 instant (or a SensorThings interval, whose start is taken) as an aware UTC datetime.

    A time without an offset is read as Seoul time, the way the district's files write it.
    """
    if isinstance(raw, datetime.datetime):
        moment = raw
    elif isinstance(raw, str) and raw.strip():
        text = raw.strip().split("/")[0]
        moment = datetime.datetime.fromisoformat(text.replace("z", "Z"))
    else:
        raise ValueError("no time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.astimezone(datetime.UTC)


def parse_value(raw) -> float:
    if isinstance(raw, bool) or raw is None:
        raise ValueError
    if isinstance(raw, str):
        raw = raw.strip().replace(",", "")
    value = float(raw)
    if not math.isfinite(value):
        raise OverflowError
    return value


def _check(stream: DataStream, items, result: IngestResult, now) -> list[tuple[datetime.datetime, float, int]]:
    """Parse, convert and flag one stream's raw (time, value, unit) items; rejects go to ``result``."""
    low, high = stream.valid_range
    label = stream.site.code if stream.site_id else str(stream.pk)
    accepted: dict[datetime.datetime, tuple[float, int]] = {}
    converters: dict = {}  # a batch carries one or two unit spellings: look each up once
    for raw_time, raw_value, unit in items:
        # UTC datetimes and finite floats (generated or already parsed data) need no parsing.
        if type(raw_time) is datetime.datetime and raw_time.tzinfo is datetime.UTC:
            moment = raw_time
        else:
            try:
                moment = parse_time(raw_time)
            except (TypeError, ValueError):
                result.reject(label, raw_time, raw_value, _("unreadable time"))
                continue
        if type(raw_value) is float and math.isfinite(raw_value):
            value = raw_value
        else:
            try:
                value = parse_value(raw_value)
            except OverflowError:
                result.reject(label, raw_time, raw_value, _("not a finite number"))
                continue
            except (TypeError, ValueError):
                result.reject(label, raw_time, raw_value, _("not a number"))
                continue
        flags = 0
        if unit not in converters:
            converters[unit] = converter(unit, stream.unit)
        convert = converters[unit]
        if convert is None:
            flags |= Flag.UNIT_MISMATCH
        else:
            value = convert(value)
        if not low <= value <= high:
            flags |= Flag.OUT_OF_RANGE
        if moment > now + FUTURE_TOLERANCE:
            flags |= Flag.FUTURE
        if moment in accepted:
            result.reject(label, raw_time, raw_value, _("duplicate timestamp in this batch"))
            continue
        accepted[moment] = (value, flags)
    return sorted((moment, value, flags) for moment, (value, flags) in accepted.items())


def ingest(
    batches: list[tuple[DataStream, list]], *, now=None, method: str | None = None, announce: bool = True
) -> IngestResult:
    """Store each stream's items ``(time, value, unit)``; refresh the rollups of the periods they touch.

    Runs in one transaction with the streams locked, so two pulls of the same stream take turns; the rollups
    are refreshed in it, so they always match the stored readings. Then the new data are announced (metrics
    recomputed, open pages told) unless ``announce`` is False: a caller that stores one pull in several
    batches announces once at the end with ``announce_readings(result.touched)``.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    result = IngestResult()
    with transaction.atomic():
        ids = sorted({stream.pk for stream, _items in batches})
        locked = {s.pk: s for s in DataStream.objects.select_for_update().select_related("site").filter(pk__in=ids)}
        checked = []
        for stream, items in batches:
            stream = locked[stream.pk]
            rows = _check(stream, items, result, now)
            if rows:
                checked.append((stream, rows))
        existing = _existing_keys(checked)
        to_store, gaps = [], []
        for stream, rows in checked:
            new_rows = [row for row in rows if (stream.pk, row[0]) not in existing] if existing else rows
            result.duplicates += len(rows) - len(new_rows)
            if not new_rows:
                continue
            new_rows = _flag_sequence(stream, new_rows, result, gaps)
            stream_id = stream.pk
            to_store.extend((stream_id, moment, value, flags) for moment, value, flags in new_rows)
            result.flagged += sum(1 for row in new_rows if row[2])
            result.touch(stream.pk, new_rows[0][0], new_rows[-1][0])
            _update_stream(stream, new_rows)
        result.stored = storage.store_rows(to_store, method=method)
        if gaps:
            Gap.objects.bulk_create(gaps, ignore_conflicts=True)
        DataStream.objects.bulk_update([stream for stream, _rows in checked], DataStream.INGESTION_STATE)
        if result.touched:
            rollups.refresh(result.touched)
            if announce:
                announce_readings(result.touched, now=now)
    return result


def _existing_keys(checked) -> set[tuple[int, datetime.datetime]]:
    """The (stream, time) pairs of this batch that are already stored: one range query per distinct span,
    so a scheduled pull (every stream, the same ten minutes) asks once."""
    spans: dict[tuple, list[int]] = {}
    wanted = set()
    for stream, rows in checked:
        spans.setdefault((rows[0][0], rows[-1][0]), []).append(stream.pk)
        wanted.update((stream.pk, row[0]) for row in rows)
    keys = set()
    for (first, last), stream_ids in spans.items():
        stored = Reading.objects.filter(stream_id__in=stream_ids, time__gte=first, time__lte=last)
        keys.update(key for key in stored.values_list("stream_id", "time") if key in wanted)
    return keys


def _flag_sequence(stream: DataStream, rows, result: IngestResult, gaps: list) -> list:
    """Stuck runs, spikes and gaps, checked in time order against the stream's state from the last batch.

    Readings older than the latest stored one (a backfill, a source that went back in time) are checked for
    range, unit and future only: their neighbours are not at hand. A reading dated in the future (a sensor's clock
    running ahead) is stored, flagged, but is never the stream's latest: the next pull asks for what came after the
    latest real reading, so the readings that arrive in between are not skipped.
    """
    out = []
    latest_time, latest_value = stream.latest_time, stream.latest_value
    run_length, run_start = stream.run_length, stream.run_start
    threshold = stream.spike_threshold
    gap_after = datetime.timedelta(seconds=stream.interval_seconds * GAP_INTERVALS)
    run_index = 0  # where the current run of equal values starts in ``out``
    for moment, value, flags in rows:
        if (latest_time is not None and moment <= latest_time) or flags & Flag.FUTURE:
            out.append((moment, value, flags))
            continue
        if latest_time is not None and moment - latest_time > gap_after:
            gaps.append(Gap(stream_id=stream.pk, start=latest_time, end=moment))
        if latest_value is not None and value == latest_value:
            run_length += 1
        else:
            run_length, run_start, run_index = 1, moment, len(out)
            if latest_value is not None and abs(value - latest_value) > threshold and not flags & Flag.OUT_OF_RANGE:
                flags |= Flag.SPIKE
        if run_length >= stream.stuck_after:
            flags |= Flag.STUCK
            if run_length == stream.stuck_after:
                # The run just reached N: its first readings, in this batch or stored before, are stuck too.
                out[run_index:] = [
                    (m, v, f | Flag.STUCK) if m >= run_start else (m, v, f) for m, v, f in out[run_index:]
                ]
                if run_start < rows[0][0]:
                    earlier = Reading.objects.filter(stream_id=stream.pk, time__gte=run_start, time__lt=rows[0][0])
                    # Stored clean until now, flagged from now on: ``flagged_count`` counts them too (under the
                    # stream's lock, which every writer of its readings takes).
                    newly_flagged = earlier.filter(flags=0).count()
                    if earlier.update(flags=F("flags").bitor(Flag.STUCK)):
                        stream.flagged_count += newly_flagged
                        result.touch(stream.pk, run_start, rows[0][0])
        out.append((moment, value, flags))
        latest_time, latest_value = moment, value
    stream._new_state = (latest_time, latest_value, run_length, run_start)
    return out


def _update_stream(stream: DataStream, rows) -> None:
    latest_time, latest_value, run_length, run_start = stream._new_state
    if latest_time is not None and latest_time != stream.latest_time:
        stream.latest_flags = next(row[2] for row in reversed(rows) if row[0] == latest_time)
        stream.latest_time, stream.latest_value = latest_time, latest_value
        stream.run_length, stream.run_start = run_length, run_start
    stream.reading_count += len(rows)
    stream.flagged_count += sum(1 for row in rows if row[2])
    for row in rows:
        stream.flags_seen |= row[2]
    if stream.first_time is None or rows[0][0] < stream.first_time:
        stream.first_time = rows[0][0]


def announce_readings(touched: dict, *, now=None) -> None:
    """New data for these streams: bump their pilots' data version, recompute metrics, tell open pages.

    Once per pull or upload, however many batches stored it: each pilot's metrics are recomputed once and
    its open pages get one push.
    """
    pilot_ids = sorted(set(DataStream.objects.filter(pk__in=list(touched)).values_list("site__pilot_id", flat=True)))
    with transaction.atomic():
        PilotEvidence.objects.filter(pilot_id__in=pilot_ids).update(data_version=F("data_version") + 1)
        recompute_metrics(pilot_ids, now=now)
        for pilot_id in pilot_ids:
            emit("sensors.readings_ingested", pilot_id=pilot_id)
