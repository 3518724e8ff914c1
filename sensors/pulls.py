"""Running a pull or an upload (inside the task worker): each leaves a ``PullLog``, never raises for the source."""

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from django.utils import timezone
from django.utils.translation import gettext as _

from .ingest import IngestResult, announce_readings, ingest
from .metrics import recompute_metrics
from .models import DataStream, PullLog, SensorUpload, Source
from .sensorthings import SensorThingsClient, SourceError
from .uploads import UploadError, upload_batches

logger = logging.getLogger(__name__)

# Readings held in memory before they are stored: a scheduled pull of 600 sensors is 600 of them, a backlog
# after a long outage is stored in batches of this size.
PULL_BATCH_READINGS = 100_000


def _finish(log: PullLog, result: IngestResult, error: str = "") -> PullLog:
    log.finished_at = timezone.now()
    log.status = PullLog.Status.FAILED if error else PullLog.Status.OK
    log.error = error
    log.stored, log.duplicates, log.flagged, log.rejected = (
        result.stored,
        result.duplicates,
        result.flagged,
        result.rejected,
    )
    log.rejections = result.rejections
    log.save()
    return log


def pull_source(
    source: Source,
    *,
    client: SensorThingsClient | None = None,
    method: str | None = None,
    batch_readings: int = PULL_BATCH_READINGS,
) -> PullLog:
    """Pull every linked stream's new observations from a SensorThings source; never raises for the source.

    The pages of all streams are stored together: one ingest (one transaction, one rollup refresh) per
    ``batch_readings`` readings, which is the whole pull on a schedule, and several only when a source
    sends a long backlog. The new data are announced once at the end (metrics recomputed once, one push per
    open pilot page). A source that fails half-way keeps what it sent before the failure, and the next pull
    continues from the latest stored reading. ``client`` and ``method`` are for tests and benchmarks.
    """
    started = timezone.now()
    log = PullLog.objects.create(source=source, label=_("Pull of %(source)s") % {"source": source.name})
    result = IngestResult()
    if client is None:
        client = SensorThingsClient(source.url, timeout=source.timeout_seconds, page_size=source.page_size)
    streams = list(DataStream.objects.filter(source=source).exclude(external_id="").select_related("site"))
    pending: list[tuple[DataStream, list]] = []
    pending_count = 0

    def store_pending() -> None:
        nonlocal pending_count
        batches = [(stream, items) for stream, items in pending if items]
        if batches:
            result.add(ingest(batches, method=method, announce=False))
        pending.clear()
        pending_count = 0

    error = ""
    try:
        units = {
            str(item.get("@iot.id")): (item.get("unitOfMeasurement") or {}).get("symbol")
            for item in client.datastreams()
        }
        linked = []
        for stream in streams:
            if stream.external_id in units:
                linked.append((stream, units[stream.external_id]))
            else:
                result.reject(
                    stream.site.code, "", "", _("the source has no Datastream %(id)s") % {"id": stream.external_id}
                )
        current, items = None, []
        for stream, unit, page in fetched_ahead(_observation_pages(client, linked)):
            if stream is not current:
                current, items = stream, []
                pending.append((stream, items))
            items.extend((obs.get("phenomenonTime"), obs.get("result"), unit) for obs in page)
            pending_count += len(page)
            if pending_count >= batch_readings:
                store_pending()
                items = []
                pending.append((stream, items))
    except SourceError as failure:
        error = str(failure)
    store_pending()
    if result.touched:
        announce_readings(result.touched)
    else:
        # Nothing new (a quiet or dead source): the metrics' windows still move on, so old readings stop
        # counting as current.
        recompute_metrics({stream.site.pilot_id for stream in streams})
    Source.objects.filter(pk=source.pk).update(
        last_attempt_at=started,
        pull_requested_at=None,
        last_error=error,
        **({} if error else {"last_success_at": timezone.now()}),
    )
    if error:
        logger.warning("Sensor source %s: %s", source.pk, error)
    return _finish(log, result, error)


def _observation_pages(client: SensorThingsClient, linked: list) -> Iterator[tuple[DataStream, str | None, list]]:
    """Every linked stream's new observations, page by page, as (stream, unit, page). Reads no database: it runs
    in the fetching thread."""
    for stream, unit in linked:
        for page in client.observations(stream.external_id, since=stream.latest_time):
            yield stream, unit, page


def fetched_ahead[T](pages: Iterator[T]) -> Iterator[T]:
    """``pages`` with the next one fetched in a thread while the caller stores the current one.

    A pull is HTTP wait and JSON decoding on one side and parsing and database writes on the other; fetching one
    page ahead overlaps them. Items and errors arrive in the order the iterator produced them: an error raised
    after some pages (a source that fails half-way) reaches the caller after those pages, so what came before it
    is still stored. Only one page is ever held ahead, and the thread never touches the database.
    """
    done = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sensor-fetch") as fetcher:
        upcoming = fetcher.submit(next, pages, done)
        while (item := upcoming.result()) is not done:
            upcoming = fetcher.submit(next, pages, done)
            yield item


def process_upload(upload: SensorUpload) -> PullLog:
    log = PullLog.objects.create(source=upload.source, label=_("Upload to %(source)s") % {"source": upload.source})
    upload.log = log
    upload.save(update_fields=["log"])
    result = IngestResult()
    try:
        batches = upload_batches(upload, result)
    except UploadError as error:
        return _finish(log, result, str(error))
    if batches:
        result.add(ingest(batches))
    return _finish(log, result)
