"""Who follows which proposal, what they were told, and how they want to be told."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Follow(models.Model):
    """A person keeping up with a proposal: authors and voters follow automatically, anyone may opt in."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [models.UniqueConstraint(fields=["user", "proposal"], name="follow_once_per_user")]

    def __str__(self):
        return f"{self.user_id} follows {self.proposal_id}"


class NotificationKind(models.TextChoices):
    STATUS_CHANGED = "status_changed", _("Status changed")
    OFFICIAL_ANSWER = "official_answer", _("Official answer")
    REPLY = "reply", _("Reply to your comment")
    PILOT_PUBLISHED = "pilot_published", _("Pilot published")
    PILOT_RESULTS = "pilot_results", _("Pilot results")
    REVIEW_NEEDED = "review_needed", _("Ready for review")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(is_read=False)


class Notification(models.Model):
    """One message in a person's notification list; the bell counts the unread ones."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    proposal = models.ForeignKey(
        "proposals.Proposal", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    pilot = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("pilot")
    )
    # Rendered once, in the language the site speaks when it is created, so the list needs no joins.
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=500, blank=True)
    is_read = models.BooleanField(_("read"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "is_read"], name="notification_unread")]

    def __str__(self):
        return f"{self.recipient_id}: {self.text}"


class NotificationPreference(models.Model):
    """A person's choices about e-mail; without a row, the defaults apply (e-mail on status changes)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_on_status_change = models.BooleanField(_("e-mail me when a proposal I follow changes status"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user_id}: e-mail {'on' if self.email_on_status_change else 'off'}"
