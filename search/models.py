"""The search outbox: index writes the cluster did not take yet, kept until a replay succeeds."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IndexAction(models.TextChoices):
    INDEX = "index", _("Index")
    DELETE = "delete", _("Delete from the index")


class IndexOutbox(models.Model):
    """One proposal whose index entry is out of date because the cluster failed or was unreachable.

    A row exists only while the write is pending: a successful replay deletes it. There is at most one row per
    proposal, because the replay always sends the proposal's current state (or deletes it when it is no longer
    public), so older failures of the same proposal add nothing.
    """

    proposal_id = models.PositiveBigIntegerField(_("proposal"))
    action = models.CharField(_("action"), max_length=10, choices=IndexAction.choices, default=IndexAction.INDEX)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["updated_at", "id"]
        verbose_name = _("pending index write")
        verbose_name_plural = _("pending index writes")
        constraints = [
            models.UniqueConstraint(fields=["proposal_id"], name="index_outbox_one_pending_per_proposal"),
        ]

    def __str__(self):
        return f"{self.action} proposal {self.proposal_id} ({self.attempts} attempts)"
