"""Running a pull or an upload (inside the task worker): each leaves a ``PullLog``, never raises for the source."""

import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from .ingest import IngestResult, ingest
from .models import DataStream, PullLog, SensorUpload, Source
from .sensorthings import SensorThingsClient, SourceError
from .uploads import UploadError, upload_batches

logger = logging.getLogger(__name__)


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


def pull_source(source: Source) -> PullLog:
    """Pull every linked stream's new observations from a SensorThings source; never raises for the source.

    Each page is stored in its own transaction, so a source that fails half-way keeps what it sent, and the
    next pull continues from the latest stored reading.
    """
    started = timezone.now()
    log = PullLog.objects.create(source=source, label=_("Pull of %(source)s") % {"source": source.name})
    result = IngestResult()
    client = SensorThingsClient(source.url, timeout=source.timeout_seconds, page_size=source.page_size)
    error = ""
    try:
        units = {
            str(item.get("@iot.id")): (item.get("unitOfMeasurement") or {}).get("symbol")
            for item in client.datastreams()
        }
        for stream in DataStream.objects.filter(source=source).exclude(external_id="").select_related("site"):
            if stream.external_id not in units:
                result.reject(
                    stream.site.code, "", "", _("the source has no Datastream %(id)s") % {"id": stream.external_id}
                )
                continue
            unit = units[stream.external_id]
            for page in client.observations(stream.external_id, since=stream.latest_time):
                items = [(obs.get("phenomenonTime"), obs.get("result"), unit) for obs in page]
                result.add(ingest([(stream, items)]))
                stream.refresh_from_db()
    except SourceError as failure:
        error = str(failure)
    Source.objects.filter(pk=source.pk).update(
        last_attempt_at=started,
        pull_requested_at=None,
        last_error=error,
        **({} if error else {"last_success_at": timezone.now()}),
    )
    if error:
        logger.warning("Sensor source %s: %s", source.pk, error)
    return _finish(log, result, error)


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
