"""Background work for sensors: pulls from sources and uploaded files, run by the task worker."""

from django.tasks import task

from .models import SensorUpload, Source
from .pulls import process_upload, pull_source


@task()
def pull_source_task(source_id: int) -> dict | None:
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return None
    log = pull_source(source)
    return {"status": log.status, "stored": log.stored, "error": log.error}


@task()
def process_upload_task(upload_id: int) -> dict | None:
    upload = SensorUpload.objects.filter(pk=upload_id).select_related("source").first()
    if upload is None:
        return None
    log = process_upload(upload)
    return {"status": log.status, "stored": log.stored, "rejected": log.rejected, "error": log.error}
