"""Background work for personal data: building the archive a resident asked for."""

import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from .exporter import write_archive
from .models import ExportStatus, PersonalDataExport

logger = logging.getLogger(__name__)


def build_export(export: PersonalDataExport) -> PersonalDataExport:
    """Write the ZIP next to its final place, swap it in, then mark the request ready with its expiry."""
    root = Path(settings.PERSONAL_DATA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=root, suffix=".zip.part")
    os.close(fd)
    try:
        write_archive(export.user, Path(temporary))
        os.replace(temporary, export.path)
    except Exception:
        Path(temporary).unlink(missing_ok=True)
        PersonalDataExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
        logger.exception("Building personal data export %s failed", export.pk)
        raise
    now = timezone.now()
    export.status = ExportStatus.READY
    export.size = export.path.stat().st_size
    export.ready_at = now
    export.expires_at = now + timedelta(hours=settings.PERSONAL_EXPORT_HOURS)
    export.save(update_fields=["status", "size", "ready_at", "expires_at"])
    return export


@task
def build_personal_export(export_id: int) -> str:
    export = PersonalDataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != ExportStatus.PENDING:
        return "skipped"
    build_export(export)
    return "ready"
