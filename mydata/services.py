"""Requesting, building and handing over a copy of one's personal data; every step is audited."""

from contextlib import nullcontext
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log as audit_log

from livinglab import ratelimit

from .models import ExportStatus, PersonalDataExport, RequestChannel
from .tasks import build_personal_export


class ExportRefused(Exception):
    """Not yours (403), gone (410), not ready or already being prepared (409), asked for too often (429)."""

    def __init__(self, message, *, status: int):
        super().__init__(message)
        self.message = str(message)
        self.status = status


def request_export(*, user, by=None, channel: str = RequestChannel.ONLINE, note: str = "") -> PersonalDataExport:
    """Start preparing ``user``'s archive; ``by`` is the staff member when the request came to the desk.

    Each archive is built in the background from everything the person did, so online requests are held to
    ``PERSONAL_EXPORT_RATE_LIMIT`` per person; a request made through the staff is not.
    """
    rate_limit = nullcontext()
    if channel != RequestChannel.DESK:
        rate_limit = ratelimit.holding(
            "mydata.export",
            user.pk,
            settings.PERSONAL_EXPORT_RATE_LIMIT,
            refuse=lambda: ExportRefused(
                _("You have asked for a copy of your data several times today. Please try again tomorrow."),
                status=429,
            ),
        )
    with rate_limit, transaction.atomic():
        if PersonalDataExport.objects.select_for_update().filter(user=user, status=ExportStatus.PENDING).exists():
            raise ExportRefused(_("Your data are already being prepared."), status=409)
        export = PersonalDataExport.objects.create(
            user=user, channel=channel, handled_by=by if channel == RequestChannel.DESK else None, note=note
        )
        audit_log(
            instance=export,
            action="livinglab.mydata.requested",
            user=by or user,
            data={"channel": channel, "export": export.pk},
        )
        transaction.on_commit(lambda: build_personal_export.enqueue(export.pk), robust=True)
    return export


def can_download(export: PersonalDataExport, user) -> bool:
    """The person the data are about; for a desk request also the administrators, who hand it over."""
    if not user.is_authenticated:
        return False
    if export.user_id == user.pk:
        return True
    return export.channel == RequestChannel.DESK and user.has_perm("mydata.handle_desk_request")


def open_for_download(export: PersonalDataExport, *, user) -> Path:
    if not can_download(export, user):
        raise ExportRefused(_("This download link belongs to another account."), status=403)
    if export.is_expired():
        raise ExportRefused(_("This download link has expired. Please request your data again."), status=410)
    if export.status != ExportStatus.READY or not export.path.exists():
        raise ExportRefused(_("Your data are not ready yet."), status=409)
    if user.pk != export.user_id:
        audit_log(instance=export, action="livinglab.mydata.handed_over", user=user, data={"export": export.pk})
    return export.path


def purge_expired_exports(now=None) -> int:
    now = now or timezone.now()
    expired = list(PersonalDataExport.objects.filter(expires_at__lte=now))
    for export in expired:
        export.path.unlink(missing_ok=True)
    PersonalDataExport.objects.filter(pk__in=[e.pk for e in expired]).delete()
    return len(expired)
