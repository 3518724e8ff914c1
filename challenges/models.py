"""Living-lab challenges: a district's whole cycle, from a call for problems to a recorded decision.

A ``ChallengePage`` carries a theme and its question, the areas and categories it targets, its partners and
budget line, and five dated stages (discovery → co-design → pilot → evaluation → decision). Residents
submit proposals into it during discovery (``proposals.Proposal.challenge``), administrators shortlist some
for co-design, link the pilot(s) that try them out, and record the decision that closes the challenge.
Every change of state goes through ``challenges.services``.
"""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page, PageManager
from wagtail.search import index

from home.blocks import BaseStreamBlock
from home.index_page import IndexPage
from livinglab.errors import ActionRefused
from livinglab.pages import FreeSlugOnCreate
from livinglab.view_restrictions import PublicPageQuerySet, ViewRestrictionsKnown
from pilots.models import PilotPage
from proposals.models import Area

from .admin_forms import ChallengePageForm
from .page_context import challenge_page_context
from .stages import STAGE_ORDER, STAGE_TRANSITIONS, DecisionOutcome, PartnerRole, Stage, stage_label


class ChallengeIndexPage(IndexPage):
    """The list of challenges, each with its current stage: the front door of the living lab."""

    subpage_types = ["challenges.ChallengePage"]

    class Meta:
        verbose_name = _("challenge index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["challenges"] = list(ChallengePage.objects.child_of(self).live().public().for_cards())
        return context


class ChallengePageQuerySet(PublicPageQuerySet):
    def for_cards(self):
        return self.prefetch_related(
            Prefetch("areas", queryset=Area.objects.select_related("parent")),
            "categories",
            Prefetch("stages", queryset=ChallengeStage.objects.order_by("start")),
        ).order_by(F("closed_at").asc(nulls_first=True), "-first_published_at", "-pk")

    def open_for_submission(self, *, area=None, on: datetime.date | None = None):
        """Live challenges in discovery whose call is open on ``on`` (today), for ``area`` when given.

        A challenge that targets a district (gu) is open to every neighbourhood (dong) in it.
        """
        on = on or timezone.localdate()
        challenges = (
            self.live()
            .public()
            .filter(
                current_stage=Stage.DISCOVERY,
                closed_at__isnull=True,
                stages__stage=Stage.DISCOVERY,
                stages__start__lte=on,
                stages__end__gte=on,
            )
        )
        if area is not None:
            areas = [area.pk] + ([area.parent_id] if area.parent_id else [])
            challenges = challenges.filter(areas__in=areas)
        return challenges.distinct()


ChallengePageManager = PageManager.from_queryset(ChallengePageQuerySet)


class ChallengePage(ViewRestrictionsKnown, FreeSlugOnCreate, Page):
    """One challenge the district opens on a theme; the single page that tells its whole story."""

    theme = models.CharField(_("theme"), max_length=120, help_text=_("A few words, e.g. “Safer nights”."))
    question = models.TextField(
        _("question"), max_length=500, help_text=_("The question residents are asked to bring problems for.")
    )
    areas = ParentalManyToManyField(
        "proposals.Area",
        verbose_name=_("target areas"),
        related_name="challenges",
        help_text=_("Districts (gu) or neighbourhoods (dong); a district includes all its neighbourhoods."),
    )
    categories = ParentalManyToManyField(
        "proposals.Category", verbose_name=_("categories"), related_name="challenges", blank=True
    )
    budget = models.DecimalField(
        _("budget (KRW)"),
        max_digits=15,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("In Korean won, without separators."),
    )
    budget_line = models.CharField(
        _("budget line"),
        max_length=200,
        blank=True,
        help_text=_("Where the money comes from, e.g. the district's smart-city fund."),
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("background"), blank=True, use_json_field=True)
    # Moved only by ``challenges.services`` (audited), never in the page editor.
    current_stage = models.CharField(
        _("current stage"), max_length=20, choices=Stage.choices, default=Stage.DISCOVERY, editable=False
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)

    objects = ChallengePageManager()

    content_panels = Page.content_panels + [
        FieldPanel("theme"),
        FieldPanel("question"),
        MultiFieldPanel(
            [
                FieldPanel("areas", widget=forms.CheckboxSelectMultiple),
                FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Where and what"),
        ),
        FieldRowPanel([FieldPanel("budget"), FieldPanel("budget_line")], heading=_("Budget")),
        InlinePanel("stages", heading=_("Stages"), label=_("Stage"), min_num=1, max_num=len(STAGE_ORDER)),
        InlinePanel("partners", heading=_("Partners"), label=_("Partner")),
        InlinePanel("pilot_links", heading=_("Pilots"), label=_("Pilot")),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("theme"),
        index.SearchField("question"),
        index.FilterField("current_stage"),
    ]

    parent_page_types = ["challenges.ChallengeIndexPage"]
    subpage_types: list[str] = []
    base_form_class = ChallengePageForm
    # A copy starts its own cycle, in discovery.
    exclude_fields_in_copy = ["current_stage", "closed_at"]

    class Meta:
        verbose_name = _("challenge page")

    def __str__(self):
        return self.title

    def with_content_json(self, content):
        """A revision restores the editors' content, never the stage: the services own it (and audit it).

        Without this, publishing a draft saved before a stage change would move the challenge back.
        """
        page = super().with_content_json(content)
        page.current_stage = self.current_stage
        page.closed_at = self.closed_at
        return page

    # --- facts -------------------------------------------------------------------------------------

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def _periods(self) -> dict:
        """Each stage's dates, read once per page object (the page template asks many times)."""
        if getattr(self, "_period_cache", None) is None:
            self._period_cache = {period.stage: period for period in self.stages.all()}
        return self._period_cache

    def stage_period(self, stage: str):
        return self._periods().get(stage)

    def call_is_open(self, on: datetime.date | None = None) -> bool:
        """Whether residents may bring problems now: live, in discovery, within the call's dates."""
        period = self.call_period
        return bool(
            self.live
            and not self.is_closed
            and self.current_stage == Stage.DISCOVERY
            and period is not None
            and period.contains(on or timezone.localdate())
        )

    @property
    def call_period(self):
        """The discovery stage's dates: when residents may bring problems."""
        return self.stage_period(Stage.DISCOVERY)

    def stage_steps(self) -> list[dict]:
        """The five stages in order, each with its dates and whether it is done, current or to come."""
        current = STAGE_ORDER.index(self.current_stage)
        steps = []
        for position, stage in enumerate(STAGE_ORDER):
            if self.is_closed or position < current:
                state = "done"
            elif position == current:
                state = "current"
            else:
                state = "upcoming"
            period = self.stage_period(stage)
            steps.append({"stage": stage, "label": stage_label(stage), "period": period, "state": state})
        return steps

    @property
    def next_stage(self) -> str | None:
        following = STAGE_TRANSITIONS.get(self.current_stage, ())
        return following[0] if following else None

    def next_stage_planned_start(self, on: datetime.date | None = None) -> datetime.date | None:
        """The next stage's planned start when it is still to come on ``on`` (today): moving on now is early."""
        following = self.next_stage
        period = self.stage_period(following) if following else None
        if period is None or period.start <= (on or timezone.localdate()):
            return None
        return period.start

    def covers_area(self, area) -> bool:
        targets = {a.pk for a in self.areas.all()}
        return area is not None and (area.pk in targets or (area.parent_id is not None and area.parent_id in targets))

    def submission_refusal(self, *, area, on: datetime.date | None = None) -> ActionRefused | None:
        """Why a proposal for ``area`` may not be submitted into this challenge on ``on``; None when it may."""
        on = on or timezone.localdate()
        if not self.live:
            return ActionRefused(_("This challenge is not published."), status=404)
        if self.is_closed:
            return ActionRefused(_("This challenge is closed: it no longer takes proposals."), status=409)
        period = self.call_period
        if self.current_stage != Stage.DISCOVERY or period is None:
            return ActionRefused(
                _("This challenge is in its “%(stage)s” stage: it takes proposals only during discovery.")
                % {"stage": stage_label(self.current_stage)},
                status=409,
            )
        if not period.contains(on):
            return ActionRefused(
                _("The call for problems of this challenge runs from %(start)s to %(end)s.")
                % {"start": period.start.isoformat(), "end": period.end.isoformat()},
                status=409,
            )
        if not self.covers_area(area):
            return ActionRefused(
                _("This challenge is open to its own areas only; choose a neighbourhood it covers."), status=409
            )
        return None

    def refuse_submission(self, *, area, on: datetime.date | None = None) -> None:
        """Raise the refusal ``submission_refusal`` gives: what ``proposals.services.submit_proposal`` asks."""
        refusal = self.submission_refusal(area=area, on=on)
        if refusal is not None:
            raise refusal

    @property
    def pilots(self):
        return PilotPage.objects.filter(challenge_links__page=self)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(challenge_page_context(request, self))
        return context


class ChallengeStage(Orderable):
    """One stage of a challenge with its dates and what happens in it."""

    page = ParentalKey(ChallengePage, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    description = models.TextField(_("description"), max_length=1000, blank=True)

    panels = [FieldRowPanel([FieldPanel("stage"), FieldPanel("start"), FieldPanel("end")]), FieldPanel("description")]

    class Meta(Orderable.Meta):
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self):
        return f"{stage_label(self.stage)} {self.start}–{self.end}"

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("A stage cannot end before it starts.")})

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


class ChallengePartner(Orderable):
    """Who works on the challenge and what they bring: the district, a university, a company, residents."""

    page = ParentalKey(ChallengePage, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerRole.choices, default=PartnerRole.OTHER)
    role = models.CharField(_("role"), max_length=200, blank=True, help_text=_("What they do in this challenge."))
    url = models.URLField(_("web site"), blank=True)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]), FieldPanel("role"), FieldPanel("url")]

    class Meta(Orderable.Meta):
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self):
        return self.name


class ChallengePilot(Orderable):
    """Links a challenge to a pilot that tries out its shortlisted ideas."""

    page = ParentalKey(ChallengePage, on_delete=models.CASCADE, related_name="pilot_links")
    pilot = models.ForeignKey(
        "pilots.PilotPage", verbose_name=_("pilot"), on_delete=models.CASCADE, related_name="challenge_links"
    )

    panels = [PageChooserPanel("pilot", "pilots.PilotPage")]

    class Meta(Orderable.Meta):
        verbose_name = _("pilot")
        verbose_name_plural = _("pilots")
        constraints = [models.UniqueConstraint(fields=["page", "pilot"], name="challenge_pilot_once")]

    def __str__(self):
        return f"{self.page_id} → {self.pilot_id}"


class ChallengeStageChange(models.Model):
    """One step on a challenge's public timeline: who moved it, when, and why."""

    challenge = models.ForeignKey(ChallengePage, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), max_length=1000, blank=True)
    # Set when an administrator confirmed entering the stage before its planned start: that planned date.
    planned_start = models.DateField(_("planned start (started early)"), null=True, blank=True)
    created_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self):
        return f"{self.challenge_id}: {self.from_stage} → {self.to_stage}"

    @property
    def started_early(self) -> bool:
        return self.planned_start is not None


class ChallengeFollow(models.Model):
    """A person keeping up with a challenge: told when it changes stage and when it is decided."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="challenge_follows")
    challenge = models.ForeignKey(ChallengePage, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("challenge follow")
        verbose_name_plural = _("challenge follows")
        constraints = [models.UniqueConstraint(fields=["user", "challenge"], name="challenge_follow_once")]

    def __str__(self):
        return f"{self.user_id} follows challenge {self.challenge_id}"


class Shortlisting(models.Model):
    """A proposal the district takes into co-design; shown on the proposal and on the challenge page."""

    proposal = models.OneToOneField("proposals.Proposal", on_delete=models.CASCADE, related_name="shortlisting")
    challenge = models.ForeignKey(ChallengePage, on_delete=models.CASCADE, related_name="shortlist")
    shortlisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("shortlisted"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("shortlisted proposal")
        verbose_name_plural = _("shortlisted proposals")

    def __str__(self):
        return f"{self.proposal_id} shortlisted in {self.challenge_id}"


class ChallengeDecision(models.Model):
    """The district's recorded decision at the end of evaluation: the challenge's archive.

    ``evidence`` keeps the pilots' metrics and residents' ratings as they stood when it was decided, so the
    archive stays true when a pilot page changes later.
    """

    challenge = models.OneToOneField(ChallengePage, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(_("decision"), max_length=20, choices=DecisionOutcome.choices)
    dongs = models.ManyToManyField(Area, verbose_name=_("neighbourhoods to scale to"), blank=True, related_name="+")
    reasons = models.TextField(_("reasons"), max_length=5000)
    evidence_note = models.TextField(_("other evidence"), max_length=3000, blank=True)
    evidence = models.JSONField(_("evidence at the time of the decision"), default=dict, blank=True)
    budget_consequence = models.TextField(_("budget consequence"), max_length=2000)
    budget_amount = models.DecimalField(
        _("budget (KRW)"), max_digits=15, decimal_places=0, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self):
        return f"{self.challenge_id}: {self.get_outcome_display()}"
