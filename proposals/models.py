"""Residents' proposals and everything people do around them: votes, discussion, assessments, reports."""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .validators import validate_user_text

EDIT_WINDOW = timedelta(minutes=30)
COMMENT_EDIT_WINDOW = timedelta(minutes=15)


class Area(models.Model):
    """A district (gu) or a neighbourhood (dong) inside one, with the point a map centres on."""

    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Empty for a district (gu); the district for a neighbourhood (dong)."),
    )
    latitude = models.DecimalField(_("map centre latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("map centre longitude"), max_digits=9, decimal_places=6)

    class Meta:
        ordering = ["parent__name", "name"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self):
        if self.parent_id:
            return f"{self.parent.name} {self.name}"
        return self.name


class Category(models.Model):
    """A kind of problem (safety, environment, mobility, ...) that residents file proposals under."""

    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    icon = models.CharField(_("icon"), max_length=8, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


class ProposalStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    PILOTING = "piloting", _("Piloting")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


VOTING_STATUSES = (ProposalStatus.PUBLISHED, ProposalStatus.UNDER_REVIEW)
OPEN_STATUSES = (ProposalStatus.PUBLISHED, ProposalStatus.UNDER_REVIEW, ProposalStatus.ACCEPTED)


class FilingChannel(models.TextChoices):
    ONLINE = "online", _("Online, by the resident")
    IN_PERSON = "in_person", _("In person, filed by staff")
    PHONE = "phone", _("By phone, filed by staff")


class ProposalQuerySet(models.QuerySet):
    def visible(self):
        """What the public may see: not hidden by a moderator."""
        return self.filter(is_hidden=False)

    def public(self):
        """Visible and not withdrawn: what lists and search show."""
        return self.visible().exclude(status=ProposalStatus.WITHDRAWN)

    def open(self):
        return self.public().filter(status__in=OPEN_STATUSES)

    def for_list(self):
        return self.select_related("category", "area", "area__parent", "author").prefetch_related("photos")


class Proposal(models.Model):
    """A local problem a resident reports, which neighbours support and the district answers."""

    title = models.CharField(_("title"), max_length=140, validators=[MinLengthValidator(5), validate_user_text])
    description = models.TextField(
        _("description"),
        max_length=5000,
        validators=[MinLengthValidator(20), validate_user_text],
        help_text=_("Plain text or simple Markdown: **bold**, *italic*, lists and links."),
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="proposals"
    )
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="proposals")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="proposals"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The administrator who filed it on the resident's behalf."),
    )
    channel = models.CharField(_("channel"), max_length=12, choices=FilingChannel.choices, default=FilingChannel.ONLINE)
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PUBLISHED, db_index=True
    )
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="proposal_status_created"),
            models.Index(fields=["-vote_count"], name="proposal_votes"),
            models.Index(fields=["-comment_count"], name="proposal_comments"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="proposal_point_complete",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("proposals:detail", args=[self.pk])

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_open_for_votes(self) -> bool:
        return not self.is_hidden and self.status in VOTING_STATUSES

    @property
    def is_open_for_comments(self) -> bool:
        return not self.is_hidden and self.status != ProposalStatus.WITHDRAWN

    def is_editable_now(self, now=None) -> bool:
        """Authors may edit until the first vote and for at most 30 minutes, whichever ends first."""
        now = now or timezone.now()
        return self.status == ProposalStatus.PUBLISHED and self.vote_count == 0 and now - self.created_at <= EDIT_WINDOW

    @property
    def is_withdrawable(self) -> bool:
        return self.status in (ProposalStatus.PUBLISHED, ProposalStatus.UNDER_REVIEW)


def photo_upload_to(instance, filename):
    return f"proposals/{instance.proposal_id}/{filename}"


class ProposalPhoto(models.Model):
    """A photo of the problem, re-encoded on upload so no location metadata survives."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_upload_to, width_field="width", height_field="height")
    thumbnail = models.ImageField(_("thumbnail"), upload_to=photo_upload_to)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(_("description of the photo"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.alt_text or f"Photo {self.position + 1} of proposal {self.proposal_id}"


class Vote(models.Model):
    """One resident's support for one proposal."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [models.UniqueConstraint(fields=["user", "proposal"], name="vote_once_per_user")]

    def __str__(self):
        return f"{self.user_id} → {self.proposal_id}"


class CommentQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_hidden=False)


class Comment(models.Model):
    """A contribution to a proposal's discussion; replies go one level deep."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies", verbose_name=_("reply to")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    # The author's role when they wrote it: a later role change does not rewrite old badges.
    author_role = models.CharField(_("author's role"), max_length=20)
    body = models.TextField(_("comment"), max_length=2000, validators=[MinLengthValidator(2), validate_user_text])
    is_official_answer = models.BooleanField(_("official answer"), default=False)
    is_removed = models.BooleanField(_("removed by its author"), default=False)
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return f"{self.author} on {self.proposal_id}: {self.body[:40]}"

    def is_editable_now(self, now=None) -> bool:
        now = now or timezone.now()
        return not (self.is_removed or self.is_hidden) and now - self.created_at <= COMMENT_EDIT_WINDOW


class Recommendation(models.TextChoices):
    PILOT = "pilot", _("Pilot it")
    ADOPT = "adopt", _("Adopt it")
    REJECT = "reject", _("Reject it")
    RESEARCH = "research", _("Research further")


class CostRange(models.TextChoices):
    UNDER_10M = "under_10m", _("Under ₩10 million")
    FROM_10M_TO_50M = "10m_50m", _("₩10–50 million")
    FROM_50M_TO_200M = "50m_200m", _("₩50–200 million")
    OVER_200M = "over_200m", _("Over ₩200 million")


class Assessment(models.Model):
    """An expert's structured review of a proposal, shown apart from the discussion."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assessments")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments")
    feasibility = models.PositiveSmallIntegerField(
        _("feasibility"), validators=[MinValueValidator(1), MaxValueValidator(5)], help_text=_("1 (hard) to 5 (easy)")
    )
    cost_range = models.CharField(_("estimated cost"), max_length=12, choices=CostRange.choices)
    risks = models.TextField(_("risks"), max_length=2000, blank=True, validators=[validate_user_text])
    recommendation = models.CharField(_("recommendation"), max_length=12, choices=Recommendation.choices)
    text = models.TextField(_("assessment"), max_length=5000, validators=[MinLengthValidator(20), validate_user_text])
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "expert"], name="assessment_once_per_expert"),
            models.CheckConstraint(
                condition=Q(feasibility__gte=1, feasibility__lte=5), name="assessment_feasibility_1_5"
            ),
        ]

    def __str__(self):
        return f"{self.expert} on {self.proposal_id}: {self.get_recommendation_display()}"


class Report(models.Model):
    """A signed-in user's flag that a proposal or comment breaks the rules, for moderators to review."""

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports")
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(_("reason"), max_length=500, validators=[validate_user_text])
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, comment__isnull=True)
                | Q(proposal__isnull=True, comment__isnull=False),
                name="report_one_target",
            ),
            models.UniqueConstraint(
                fields=["reporter", "proposal"], condition=Q(proposal__isnull=False), name="report_proposal_once"
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"], condition=Q(comment__isnull=False), name="report_comment_once"
            ),
        ]

    def __str__(self):
        target = f"proposal {self.proposal_id}" if self.proposal_id else f"comment {self.comment_id}"
        return f"{self.reporter} reported {target}"


class StatusChange(models.Model):
    """One step on a proposal's public timeline, with the district's official response."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=20, choices=ProposalStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=ProposalStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    official_response = models.TextField(
        _("official response"), max_length=5000, blank=True, validators=[validate_user_text]
    )
    pilot = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("pilot")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self):
        return f"{self.proposal_id}: {self.from_status or '—'} → {self.to_status}"
