"""Asking for pulls and uploads: the admin and the scheduler call these; the task worker does the work."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from livinglab.errors import ActionRefused

from .models import SensorUpload, Source
from .tasks import process_upload_task, pull_source_task


def request_pull(source: Source) -> None:
    """Queue a pull of ``source`` now (the admin's "Pull now"); the worker runs it."""
    if source.kind != Source.Kind.SENSORTHINGS:
        raise ActionRefused(_("Only a SensorThings source can be pulled; upload files to the others."))
    with transaction.atomic():
        Source.objects.filter(pk=source.pk).update(pull_requested_at=timezone.now())
        transaction.on_commit(lambda: pull_source_task.enqueue(source.pk))


def enqueue_due_pulls(now: datetime.datetime | None = None) -> list[int]:
    """Queue every enabled source whose interval has passed and that is not already waiting in the queue."""
    now = now or timezone.now()
    queued = []
    for source in Source.objects.filter(kind=Source.Kind.SENSORTHINGS, enabled=True):
        waiting = source.pull_requested_at and now - source.pull_requested_at < datetime.timedelta(
            minutes=max(source.interval_minutes, 5) * 2
        )
        if source.is_due(now) and not waiting:
            Source.objects.filter(pk=source.pk).update(pull_requested_at=now)
            pull_source_task.enqueue(source.pk)
            queued.append(source.pk)
    return queued


def submit_upload(source: Source, *, content: str, file_format: str, **mapping) -> SensorUpload:
    """Store an uploaded file with its column mapping and queue its processing."""
    with transaction.atomic():
        upload = SensorUpload.objects.create(source=source, content=content, format=file_format, **mapping)
        transaction.on_commit(lambda: process_upload_task.enqueue(upload.pk))
    return upload
