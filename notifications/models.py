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
    NEW_REPORT = "new_report", _("New abuse report (moderators)")
    MODERATION_WARNING = "moderation_warning", _("A moderator's warning")
    MENTION = "mention", _("Someone mentioned you")
    FOLLOWED_COMMENT = "followed_comment", _("New comment on a proposal you follow")
    FOLLOWED_ASSESSMENT = "followed_assessment", _("New expert assessment on a proposal you follow")
    FIELD_PROPOSAL = "field_proposal", _("New proposal in your field (experts)")
    CHALLENGE_STAGE = "challenge_stage", _("Challenge stage")
    CHALLENGE_DECISION = "challenge_decision", _("Challenge decision")


class Channel(models.TextChoices):
    """How a notification reaches a person. A new channel (SMS, say) adds a choice and its defaults below."""

    IN_APP = "in_app", _("On the site")
    EMAIL = "email", _("E-mail")


# What each channel carries for someone who never changed a setting; ``ChannelSetting`` rows override it.
# Moderators' warnings always reach the site (they cannot be turned off there).
DEFAULT_CHANNELS: dict[str, frozenset[str]] = {
    Channel.IN_APP: frozenset(NotificationKind.values),
    Channel.EMAIL: frozenset(
        {
            NotificationKind.STATUS_CHANGED,
            NotificationKind.REPLY,
            NotificationKind.MENTION,
            NotificationKind.MODERATION_WARNING,
            NotificationKind.FIELD_PROPOSAL,
        }
    ),
}
ALWAYS_ON: frozenset[tuple[str, str]] = frozenset({(NotificationKind.MODERATION_WARNING, Channel.IN_APP)})


class ChannelSetting(models.Model):
    """One person's choice for one kind of notification on one channel, where it differs from the default."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_settings")
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    enabled = models.BooleanField(_("on"))

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="channel_setting_once"),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.kind} by {self.channel} {'on' if self.enabled else 'off'}"


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
    """A person's general choices; without a row, the defaults apply. Per-kind channels: ``ChannelSetting``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    follow_on_comment = models.BooleanField(_("follow the proposals I comment on"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user_id}: follow on comment {'on' if self.follow_on_comment else 'off'}"


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed after every retry")


class OutgoingEmail(models.Model):
    """One e-mail to one person, stored before it is sent so that a failed send is retried, never lost.

    Rows are written by the notification tasks and sent in batches by ``notifications.mail.send_batch``; a
    failure keeps the row pending with its error and attempt count until it is sent or gives up (``failed``,
    still kept: ``manage.py send_pending_emails --include-failed`` tries again).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_address = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["status", "id"], name="outgoing_email_status")]

    def __str__(self):
        return f"{self.to_address}: {self.subject} ({self.status})"
