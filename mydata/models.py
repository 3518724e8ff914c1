"""Residents' requests for a copy of everything the platform stores about them."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class RequestChannel(models.TextChoices):
    ONLINE = "online", _("Online, by the resident")
    DESK = "desk", _("At the desk, on paper or in person")


class PersonalDataExport(models.Model):
    """A ZIP of one person's data, built in the background and downloadable until it expires."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    channel = models.CharField(
        _("requested"), max_length=10, choices=RequestChannel.choices, default=RequestChannel.ONLINE
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The staff member who took a request made at the desk."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("E.g. the paper form's number."))
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personal data export")
        verbose_name_plural = _("personal data exports")

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d} {self.status}"

    @property
    def path(self) -> Path:
        return Path(settings.PERSONAL_DATA_ROOT) / f"{self.token}.zip"

    @property
    def filename(self) -> str:
        return f"my-data-{self.created_at:%Y%m%d}.zip"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and (now or timezone.now()) >= self.expires_at

    @property
    def is_downloadable(self) -> bool:
        return self.status == ExportStatus.READY and not self.is_expired()
