"""Residents' proposals and everything people do around them: votes, discussion, assessments, reports."""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import connections, models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from livinglab.rows import PkGetManager

from .validators import EASY_READ_MAX_LENGTH, easy_read_lines, validate_easy_read, validate_user_text

EDIT_WINDOW = timedelta(minutes=30)
COMMENT_EDIT_WINDOW = timedelta(minutes=15)


class NamedInTwoLanguages(models.Model):
    """Admin-edited names: ``name`` in Korean, ``name_en`` (optional) for English pages."""

    class Meta:
        abstract = True

    @property
    def own_localized_name(self) -> str:
        """This row's own name in the reader's language: the English name when English is active and set."""
        english = (translation.get_language() or "").startswith("en")
        return (self.name_en if english and self.name_en else self.name) or str(self)


class AreaQuerySet(models.QuerySet):
    def neighbourhoods(self):
        """The dongs residents choose from, with their district for the label."""
        return self.filter(parent__isnull=False).select_related("parent")


class Area(NamedInTwoLanguages):
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

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["parent__name", "name"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self):
        if self.parent_id:
            return f"{self.parent.name} {self.name}"
        return self.name

    @property
    def localized_name(self) -> str:
        """The name in the reader's language; a neighbourhood (dong) carries its district (gu) in front.

        "성동구 성수1가1동" on Korean pages, "Seongdong-gu Seongsu 1-ga 1-dong" on English ones.
        """
        if self.parent_id:
            return f"{self.parent.localized_name} {self.own_localized_name}"
        return self.own_localized_name


class Category(NamedInTwoLanguages):
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

    @property
    def localized_name(self) -> str:
        """The name in the reader's language."""
        return self.own_localized_name


class ProposalStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    PILOTING = "piloting", _("Piloting")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The one transition table. Moves to ``withdrawn`` belong to the author (``withdraw_proposal``); every other
# move belongs to administrators, or to code acting automatically (the vote threshold, publishing a pilot).
# Every other list of statuses below is derived from it.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ProposalStatus.PUBLISHED: (ProposalStatus.UNDER_REVIEW, ProposalStatus.WITHDRAWN),
    ProposalStatus.UNDER_REVIEW: (ProposalStatus.ACCEPTED, ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN),
    ProposalStatus.ACCEPTED: (ProposalStatus.PILOTING,),
    ProposalStatus.PILOTING: (ProposalStatus.COMPLETED,),
}
AUTHOR_ONLY_STATUSES = (ProposalStatus.WITHDRAWN,)
# A resident deserves to know why: a rejection must carry an official response.
RESPONSE_REQUIRED_STATUSES = (ProposalStatus.REJECTED,)


def allowed_transitions(status: str) -> tuple[str, ...]:
    """The statuses a proposal in ``status`` may move to next, by anyone."""
    return TRANSITIONS.get(status, ())


def administrator_transitions(status: str) -> tuple[str, ...]:
    """The moves an administrator may make from ``status`` (everything but the author's own)."""
    return tuple(s for s in allowed_transitions(status) if s not in AUTHOR_ONLY_STATUSES)


def transition_path(from_status: str, to_status: str) -> list[str] | None:
    """The statuses to step through, in order, from ``from_status`` to ``to_status``; None when unreachable."""
    paths: dict[str, list[str]] = {from_status: []}
    queue = [from_status]
    while queue:
        status = queue.pop(0)
        if status == to_status:
            return paths[status]
        for following in allowed_transitions(status):
            if following not in paths:
                paths[following] = [*paths[status], following]
                queue.append(following)
    return None


def _statuses(condition) -> tuple[str, ...]:
    return tuple(status for status in ProposalStatus if condition(status))


# Before the district decides: the author may still withdraw, and residents may (un)vote.
UNDECIDED_STATUSES = _statuses(lambda s: ProposalStatus.WITHDRAWN in allowed_transitions(s))
VOTING_STATUSES = UNDECIDED_STATUSES
# Still on its way to a pilot: what the similar-proposals hint offers and experts may assess.
OPEN_STATUSES = _statuses(
    lambda s: s != ProposalStatus.PILOTING and transition_path(s, ProposalStatus.PILOTING) is not None
)
# Where an administrator can still move a proposal on.
ADMIN_MOVABLE_STATUSES = _statuses(administrator_transitions)
# Accepted and everything after it: the proposals a pilot can answer.
PILOT_STATUSES = _statuses(lambda s: transition_path(ProposalStatus.ACCEPTED, s) is not None)
# Withdrawn proposals are their author's: lists, filters and search leave them out.
PUBLIC_STATUSES = _statuses(lambda s: s not in AUTHOR_ONLY_STATUSES)


class FilingChannel(models.TextChoices):
    ONLINE = "online", _("Online, by the resident")
    IN_PERSON = "in_person", _("In person, filed by staff")
    PHONE = "phone", _("By phone, filed by staff")
    PAPER = "paper", _("On a paper form, entered by staff")


class AssistedFields(models.Model):
    """How a contribution arrived and, when desk staff helped, who and at which centre (``livinglab.assisted``)."""

    channel = models.CharField(_("channel"), max_length=12, choices=FilingChannel.choices, default=FilingChannel.ONLINE)
    # The centre's name when the help was given: the content keeps saying where, whatever the centre is called later.
    helped_at = models.CharField(_("submitted with help at"), max_length=120, blank=True)

    class Meta:
        abstract = True

    @property
    def was_assisted(self) -> bool:
        return bool(self.helped_at)


class ProposalQuerySet(models.QuerySet):
    def visible(self):
        """What the public may see: not hidden by a moderator."""
        return self.filter(is_hidden=False)

    def public(self):
        """Visible and not withdrawn: what lists and search show."""
        return self.visible().exclude(status__in=AUTHOR_ONLY_STATUSES)

    def open(self):
        return self.public().filter(status__in=OPEN_STATUSES)

    def for_list(self):
        return self.select_related("category", "area", "area__parent", "author").prefetch_related("photos")

    def awaiting_assessment_by(self, expert):
        """An expert's work queue: under review, in their categories (all when they have none), not by them,
        not yet assessed by them; the longest-waiting first."""
        queue = self.public().filter(status=ProposalStatus.UNDER_REVIEW).exclude(author=expert)
        queue = queue.exclude(assessments__expert=expert)
        category_ids = [category.pk for category in expert.expert_categories.all()]
        if category_ids:
            queue = queue.filter(category_id__in=category_ids)
        return queue.order_by("created_at", "id")

    def awaiting_status_decision(self):
        """Under review: the district owes these a decision."""
        return self.public().filter(status=ProposalStatus.UNDER_REVIEW)

    def count_vote(self, pk: int) -> tuple[int, str] | None:
        """Add one to the vote counter of a proposal open for votes: its new (vote_count, status), or None.

        One ``UPDATE … RETURNING`` that takes the row lock until commit, so votes on one proposal are counted
        one after another and each sees the status the previous one left (the review threshold moves it once).
        None when the proposal is hidden or its voting closed meanwhile.
        """
        table = self.model._meta.db_table
        statuses = sorted(VOTING_STATUSES)
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET vote_count = vote_count + 1 "  # noqa: S608 - names from _meta
                f"WHERE id = %s AND is_hidden = %s AND status IN ({', '.join(['%s'] * len(statuses))}) "
                "RETURNING vote_count, status",
                [pk, False, *statuses],
            )
            row = cursor.fetchone()
        return (row[0], row[1]) if row else None


class ProposalManager(PkGetManager, models.Manager.from_queryset(ProposalQuerySet)):
    """``Proposal.objects.get(pk=…)``, the read a vote and every one-click action start from, is compiled once
    (``livinglab.rows``)."""


class Proposal(AssistedFields):
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
        help_text=_("The administrator or desk staff member who filed it on the resident's behalf."),
    )
    # A string reference: proposals never import the challenges app, which builds on them.
    challenge = models.ForeignKey(
        "challenges.ChallengePage",
        verbose_name=_("challenge"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
        help_text=_("The challenge whose call for problems it answers, if any."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PUBLISHED, db_index=True
    )
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Written by administrators or desk staff (``proposals.easy_read``), never by the author: shown first to
    # people who turned easy reading on, and folded away for everyone else.
    easy_read_summary = models.TextField(
        _("easy-read summary"),
        max_length=EASY_READ_MAX_LENGTH,
        blank=True,
        validators=[validate_easy_read],
        help_text=_("A few short sentences in plain words, one on each line."),
    )

    objects = ProposalManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="proposal_status_created"),
            models.Index(fields=["-vote_count"], name="proposal_votes"),
            # The list's orders with their tie-breakers, and a category filter with the default order (the
            # list and the API page): pages are picked on these indexes, then their rows loaded.
            models.Index(fields=["-created_at", "-id"], name="proposal_newest"),
            models.Index(fields=["-vote_count", "-created_at", "-id"], name="proposal_votes_newest"),
            models.Index(fields=["category", "-created_at", "-id"], name="proposal_category_newest"),
            models.Index(fields=["-comment_count"], name="proposal_comments"),
            # The public API's combined filter (category + status, newest first, then district): walked in
            # order and stopped after a page, instead of reading every proposal of the status (bench/api).
            models.Index(
                "category",
                "status",
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="proposal_api_category_newest",
                condition=Q(is_hidden=False),
            ),
            # The API's map box, newest first: the point trails the order, so the box is tested on index
            # entries while the index is walked in order, and only proposals inside it are read (bench/api).
            models.Index(
                models.F("created_at").desc(),
                models.F("id").desc(),
                "latitude",
                "longitude",
                name="proposal_api_point_newest",
                condition=Q(is_hidden=False, latitude__isnull=False),
            ),
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
    def easy_read_lines(self) -> list[str]:
        return easy_read_lines(self.easy_read_summary)

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_open_for_votes(self) -> bool:
        return not self.is_hidden and self.status in VOTING_STATUSES

    @property
    def is_open_for_comments(self) -> bool:
        return not self.is_hidden and self.status in PUBLIC_STATUSES

    def is_editable_now(self, now=None) -> bool:
        """Authors may edit until the first vote and for at most 30 minutes, whichever ends first."""
        now = now or timezone.now()
        return self.status == ProposalStatus.PUBLISHED and self.vote_count == 0 and now - self.created_at <= EDIT_WINDOW

    @property
    def is_withdrawable(self) -> bool:
        return self.status in UNDECIDED_STATUSES


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


class VoteQuerySet(models.QuerySet):
    def add_once(
        self, *, user_id: int, proposal_id: int, channel: str = FilingChannel.ONLINE, helped_at: str = ""
    ) -> int | None:
        """Insert the vote unless this person already voted: the new vote's id, or None. One statement.

        ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL, SQLite ≥ 3.35): no read before the write,
        and no savepoint for a unique-constraint error to roll back to. The channel and the centre (when desk
        staff recorded it, ``AssistedFields``) go in the same statement.
        """
        table = self.model._meta.db_table
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (user_id, proposal_id, created_at, channel, helped_at) "  # noqa: S608 - names from _meta
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (user_id, proposal_id) DO NOTHING RETURNING id",
                [user_id, proposal_id, timezone.now(), str(channel), helped_at],
            )
            row = cursor.fetchone()
        return row[0] if row else None


class Vote(AssistedFields):
    """One resident's support for one proposal; ``channel`` says how it arrived (desk staff may record it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(default=timezone.now)

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [models.UniqueConstraint(fields=["user", "proposal"], name="vote_once_per_user")]

    def __str__(self):
        return f"{self.user_id} → {self.proposal_id}"


class CommentQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_hidden=False)


class Comment(AssistedFields):
    """A contribution to a proposal's discussion; replies go one level deep."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies", verbose_name=_("reply to")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="comments"
    )
    # The author's role when they wrote it: a later role change does not rewrite old badges.
    author_role = models.CharField(_("author's role"), max_length=20)
    body = models.TextField(_("comment"), max_length=2000, validators=[MinLengthValidator(2), validate_user_text])
    is_official_answer = models.BooleanField(_("official answer"), default=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The desk staff member who wrote it down for the resident."),
    )
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

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.CASCADE, related_name="reports"
    )
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(_("reason"), max_length=500, validators=[validate_user_text])
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

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
