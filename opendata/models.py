"""The built dataset files behind ``/data/``: one row per dataset and format, written by the refresh task."""

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def datasets_root() -> Path:
    return Path(settings.OPENDATA_ROOT or Path(settings.MEDIA_ROOT) / "opendata")


class DatasetFile(models.Model):
    """A dataset's file in one format, as last built; visitors download it, nobody edits it."""

    dataset = models.CharField(_("dataset"), max_length=40)
    format = models.CharField(_("format"), max_length=10)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    source_state = models.CharField(_("source state"), max_length=64)
    built_at = models.DateTimeField(_("built"))

    class Meta:
        verbose_name = _("dataset file")
        verbose_name_plural = _("dataset files")
        constraints = [models.UniqueConstraint(fields=["dataset", "format"], name="datasetfile_once_per_format")]

    def __str__(self):
        return self.filename

    @property
    def filename(self) -> str:
        return f"{self.dataset}.{self.format}"

    @property
    def path(self) -> Path:
        return datasets_root() / self.filename
