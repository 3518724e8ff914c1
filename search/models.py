"""The search outbox: index writes the cluster did not take yet, kept until a replay succeeds."""

from datetime import timedelta

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


class WagtailIndexOutbox(models.Model):
    """A page, image or document whose entry in Wagtail's cluster index is out of date (search/wagtail_index.py).

    Written in the transaction of the change itself (save, delete, move, bulk action); the ``index_wagtail_object``
    task sends the object's current state after the commit and deletes the row, a failure leaves it for the
    replay. One row per indexed object, named by its root model (all pages share ``wagtailcore.page``), because
    the replay always sends what the database holds now: the document if the object exists, a delete if not.
    """

    model = models.CharField(_("model"), max_length=100)
    object_id = models.CharField(_("object"), max_length=64)
    action = models.CharField(_("action"), max_length=10, choices=IndexAction.choices, default=IndexAction.INDEX)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["updated_at", "id"]
        verbose_name = _("pending page index write")
        verbose_name_plural = _("pending page index writes")
        constraints = [
            models.UniqueConstraint(fields=["model", "object_id"], name="wagtail_index_outbox_one_pending_per_object"),
        ]

    def __str__(self):
        return f"{self.action} {self.model} {self.object_id} ({self.attempts} attempts)"


class ProposalSearchText(models.Model):
    """A proposal's words after Korean analysis (search.analysis), which the database backend matches against.

    Kept beside the proposal rather than on it: proposals know nothing of search. Written after each proposal
    change (search.signals) and in bulk by `manage.py search_index --analyse` (demo data, imports, a new
    analyser version). Title and body are apart so a word in the title can rank higher.
    """

    proposal = models.OneToOneField(
        "proposals.Proposal", on_delete=models.CASCADE, primary_key=True, related_name="search_text"
    )
    title_terms = models.TextField(_("title terms"), blank=True)
    body_terms = models.TextField(_("body terms"), blank=True)
    analyser_version = models.PositiveSmallIntegerField(_("analyser version"), default=0)

    class Meta:
        verbose_name = _("analysed proposal text")
        verbose_name_plural = _("analysed proposal texts")

    def __str__(self):
        return f"proposal {self.proposal_id} (analyser v{self.analyser_version})"


class IndexRebuild(models.Model):
    """A running (or finished) `search_index --rebuild`. While one runs, every index write also leaves an outbox
    row, which the rebuild replays into the new index after the alias swap: the bulk fill read the database
    before those writes, so without the replay a vote, hide or edit made meanwhile would be lost."""

    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("index rebuild")
        verbose_name_plural = _("index rebuilds")

    def __str__(self):
        return f"rebuild started {self.started_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def running(cls) -> bool:
        # A rebuild that died without finishing stops counting after a day, or every write would queue forever.
        since = timezone.now() - timedelta(days=1)
        return cls.objects.filter(finished_at__isnull=True, started_at__gte=since).exists()
