"""Pilot projects: the pages administrators publish, their measured results and the residents' ratings."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Avg, Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    MultipleChooserPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.models import Orderable, Page, PageManager
from wagtail.search import index

from home.blocks import BaseStreamBlock
from home.index_page import IndexPage
from livinglab.page_cache import CachedForSignedOut
from livinglab.pages import FreeSlugOnCreate
from livinglab.view_restrictions import PublicPageQuerySet, ViewRestrictionsKnown
from proposals.models import PILOT_STATUSES, Area, AssistedFields, Category, Proposal
from proposals.validators import EASY_READ_MAX_LENGTH, easy_read_lines, validate_easy_read

from .admin_forms import PilotPageForm
from .chooser import proposal_chooser_viewset
from .forms import FeedbackForm
from .rules import feedback_policy


class PilotStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    EVALUATING = "evaluating", _("Evaluating")
    COMPLETED = "completed", _("Completed")


# Residents rate a pilot's results once there are results to judge.
FEEDBACK_STATUSES = (PilotStatus.EVALUATING, PilotStatus.COMPLETED)


class PhaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class PilotIndexPage(IndexPage):
    """The list of pilot projects, which residents filter by status, area and category."""

    subpage_types = ["pilots.PilotPage"]

    class Meta:
        verbose_name = _("pilot index page")

    def route(self, request, path_components):
        """A pilot is read as a ``PilotPage`` at once, with the area and category its page names: one query,
        where Wagtail reads the child, then its class, and the page three more rows."""
        if len(path_components) == 1:
            pilot = PilotPage.routed_queryset().child_of(self).filter(slug=path_components[0]).first()
            if pilot is not None:
                pilot._cached_parent_obj = self  # the page's "All pilots" link needs no query either
                return pilot.route(request, [])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        areas = list(Area.objects.filter(parent__isnull=True).order_by("name"))
        categories = list(Category.objects.all())
        filters = {
            # Unknown values are ignored rather than answered with an empty list or an error.
            "status": request.GET.get("status") if request.GET.get("status") in PilotStatus.values else "",
            "area": next((a for a in areas if a.slug == request.GET.get("area")), None),
            "category": next((c for c in categories if c.slug == request.GET.get("category")), None),
        }
        pilots = PilotPage.objects.child_of(self).live().public().for_cards()
        if filters["status"]:
            pilots = pilots.filter(status=filters["status"])
        if filters["area"]:
            pilots = pilots.in_area(filters["area"])
        if filters["category"]:
            pilots = pilots.filter(category=filters["category"])
        context.update(
            pilots=list(pilots),
            filters=filters,
            statuses=PilotStatus.choices,
            areas=areas,
            categories=categories,
        )
        return context


class PilotPageQuerySet(PublicPageQuerySet):
    def for_cards(self):
        images = get_image_model().objects.prefetch_renditions("fill-640x360")
        return (
            self.select_related("area", "area__parent", "category")
            .prefetch_related(Prefetch("hero_image", queryset=images))
            .annotate(
                # Hiding hides a comment; the rating itself still counts.
                feedback_average=Avg("feedback__rating"),
                feedback_count=Count("feedback"),
            )
            .order_by("-first_published_at", "-pk")
        )

    def in_area(self, area):
        """Pilots in ``area`` or, for a district, in any of its neighbourhoods."""
        return self.filter(Q(area=area) | Q(area__parent=area))


PilotPageManager = PageManager.from_queryset(PilotPageQuerySet)


class PilotPage(CachedForSignedOut, ViewRestrictionsKnown, FreeSlugOnCreate, Page):
    """One pilot project: what it tries, where, with whom, which proposals it answers and what it measured."""

    # Signed-out visitors get the page from the cache (livinglab.page_cache), with or without the evidence toggle.
    signed_out_cache_params = {"flagged": frozenset({"1"})}

    summary = models.TextField(
        _("summary"), max_length=500, help_text=_("Two or three sentences residents see on the pilot's card.")
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    area = models.ForeignKey(
        "proposals.Area", verbose_name=_("area"), null=True, on_delete=models.SET_NULL, related_name="pilots"
    )
    category = models.ForeignKey(
        "proposals.Category", verbose_name=_("category"), null=True, on_delete=models.SET_NULL, related_name="pilots"
    )
    budget = models.DecimalField(
        _("budget (KRW)"),
        max_digits=15,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("In Korean won, without separators."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PilotStatus.choices, default=PilotStatus.PLANNED, db_index=True
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True, use_json_field=True)
    easy_read_summary = models.TextField(
        _("easy-read summary"),
        max_length=EASY_READ_MAX_LENGTH,
        blank=True,
        validators=[validate_easy_read],
        help_text=_(
            "A few short sentences in plain words, one on each line. Shown first to people who turned easy "
            "reading on, and folded away for everyone else."
        ),
    )

    objects = PilotPageManager()

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("easy_read_summary"),
        FieldPanel("hero_image"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("status"), FieldPanel("budget")]),
                FieldRowPanel([FieldPanel("area"), FieldPanel("category")]),
            ],
            heading=_("Facts"),
        ),
        MultipleChooserPanel(
            "pilot_proposals",
            chooser_field_name="proposal",
            heading=_("Proposals this pilot answers"),
            label=_("Proposal"),
            help_text=_("Accepted proposals move to “piloting” when the pilot is published."),
        ),
        InlinePanel("partners", heading=_("Partners"), label=_("Partner")),
        InlinePanel("phases", heading=_("Phases"), label=_("Phase")),
        FieldPanel("body"),
    ]
    results_panels = [
        InlinePanel("metrics", heading=_("Metrics"), label=_("Metric")),
        InlinePanel(
            "series",
            heading=_("Time series"),
            label=_("Series"),
            help_text=_("Publish the page after adding a series, then import its values from a CSV file."),
        ),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(results_panels, heading=_("Results")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
        ]
    )
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("status"),
        index.FilterField("area"),
        index.FilterField("category"),
    ]

    parent_page_types = ["pilots.PilotIndexPage"]
    subpage_types: list[str] = []
    base_form_class = PilotPageForm

    class Meta:
        verbose_name = _("pilot page")

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.pk:
                # One writer at a time per pilot (PostgreSQL; SQLite serialises writes anyway), so that an
                # autosave and a publish sent together cannot both add the same new inline item.
                Page.objects.select_for_update().filter(pk=self.pk).values_list("pk").first()
                self._adopt_stored_children()
            return super().save(*args, **kwargs)

    def _adopt_stored_children(self) -> None:
        """Give inline items that arrive without an id the id of the stored item they repeat.

        An editor's form misses the ids of items an earlier autosave stored whenever that autosave's answer
        had not reached the page yet (a publish clicked meanwhile, a second tab, a revision saved before the
        ids existed). modelcluster would then delete the stored item and insert the copy: a series lost its
        imported values with it, and racing requests stored the item twice.
        """
        pending = getattr(self, "_cluster_related_objects", {})
        for relation, identity in CHILD_IDENTITIES.items():
            items = pending.get(relation)
            if not items:
                continue
            model = self._meta.get_field(relation).related_model
            claimed = {item.pk for item in items if item.pk}
            stored = [s for s in model.objects.filter(page_id=self.pk) if s.pk not in claimed]
            for item in items:
                if item.pk:
                    continue
                match = next((s for s in stored if identity(s) == identity(item)), None)
                if match is not None:
                    item.pk = match.pk
                    stored.remove(match)

    @property
    def is_open_for_feedback(self) -> bool:
        return self.status in FEEDBACK_STATUSES

    @property
    def easy_read_lines(self) -> list[str]:
        return easy_read_lines(self.easy_read_summary)

    @property
    def proposals(self):
        return Proposal.objects.filter(pilot_links__page=self)

    @classmethod
    def routed_queryset(cls):
        """How a pilot is read to be served (PilotIndexPage.route, livinglab.routes): with what its page names."""
        return cls.objects.select_related("area__parent", "category")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["origin_proposals"] = list(
            self.proposals.public().select_related("category", "area", "area__parent").order_by("-vote_count", "pk")
        )
        context.update(self.feedback_context(user=request.user))
        # The sensor evidence section's toggle (``?flagged=1``), one of the two variants the page caches.
        context["flagged_readings"] = request.GET.get("flagged") == "1"
        return context

    def feedback_context(self, *, user, form=None) -> dict:
        """What the feedback partial renders: the summary, visible comments and the viewer's own rating."""
        policy = feedback_policy(self, user=user)
        mine = None
        if self.pk and user.is_authenticated:
            mine = PilotFeedback.objects.filter(pilot_id=self.pk, user=user).first()
        if form is None and policy.allowed:
            form = FeedbackForm(initial={"rating": mine.rating, "comment": mine.comment} if mine else None)
        feedback = PilotFeedback.objects.filter(pilot_id=self.pk) if self.pk else PilotFeedback.objects.none()
        return {
            "feedback_summary": feedback.summary(),
            "feedback_comments": list(
                feedback.visible().exclude(comment="").select_related("user").order_by("-updated_at", "-pk")[:50]
            ),
            "feedback_policy": policy,
            "feedback_form": form,
            "my_feedback": mine,
        }

    def series_with_points(self) -> list["ResultSeries"]:
        """The series in editor order with their points; a previewed series that is not saved yet has none."""
        series = list(self.series.all())
        saved = {s.pk: s for s in series if s.pk}
        points: dict[int, list] = {pk: [] for pk in saved}
        for point in ResultDataPoint.objects.filter(series_id__in=saved).order_by("date"):
            points[point.series_id].append(point)
        for number, item in enumerate(series, start=1):
            item.point_list = points.get(item.pk, [])
            item.dom_id = f"series-{number}"
        return series


class PilotProposal(Orderable):
    """Links a pilot to a proposal it answers; picked in the admin with the proposal chooser."""

    page = ParentalKey(PilotPage, on_delete=models.CASCADE, related_name="pilot_proposals")
    proposal = models.ForeignKey(
        "proposals.Proposal",
        verbose_name=_("proposal"),
        on_delete=models.CASCADE,
        related_name="pilot_links",
        limit_choices_to=Q(status__in=PILOT_STATUSES, is_hidden=False),
    )

    panels = [FieldPanel("proposal", widget=proposal_chooser_viewset.widget_class)]

    class Meta(Orderable.Meta):
        verbose_name = _("proposal answered")
        verbose_name_plural = _("proposals answered")

    def __str__(self):
        return f"{self.page_id} ← {self.proposal_id}"


class PilotPartner(Orderable):
    """An organisation working on the pilot: a company, a university, a residents' association."""

    page = ParentalKey(PilotPage, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(_("role"), max_length=120, blank=True)
    url = models.URLField(_("web site"), blank=True)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("role")]), FieldPanel("url")]

    class Meta(Orderable.Meta):
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self):
        return self.name


class PilotPhase(Orderable):
    """A step of the pilot with its dates, shown on the pilot's timeline."""

    page = ParentalKey(PilotPage, on_delete=models.CASCADE, related_name="phases")
    title = models.CharField(_("title"), max_length=120)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=PhaseStatus.choices, default=PhaseStatus.PLANNED)

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("start"), FieldPanel("end"), FieldPanel("status")]),
        FieldPanel("description"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("phase")
        verbose_name_plural = _("phases")

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("A phase cannot end before it starts.")})


class PilotMetric(Orderable):
    """A measured result with its baseline and target, e.g. average response time to a faulty light."""

    page = ParentalKey(PilotPage, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=3)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=3)
    actual = models.DecimalField(
        _("actual"), max_digits=14, decimal_places=3, null=True, blank=True, help_text=_("Empty until measured.")
    )
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("unit")]),
        FieldRowPanel([FieldPanel("baseline"), FieldPanel("target"), FieldPanel("actual")]),
        FieldPanel("higher_is_better"),
        FieldPanel("note"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")

    def __str__(self):
        return self.name

    @property
    def target_met(self) -> bool | None:
        if self.actual is None:
            return None
        return self.actual >= self.target if self.higher_is_better else self.actual <= self.target

    @property
    def progress(self) -> float | None:
        """How far the actual value went from the baseline towards the target: 0 is none, 1 is all the way.

        Works in either direction (a target below the baseline when lower is better); moving away from the
        target counts as 0, passing it counts as more than 1. None until something is measured.
        """
        if self.actual is None:
            return None
        span = self.target - self.baseline
        if span == 0:
            # Keeping a value at its baseline: met or not, nothing in between.
            return 1.0 if self.target_met else 0.0
        return max(0.0, float((self.actual - self.baseline) / span))

    @property
    def progress_percent(self) -> int | None:
        progress = self.progress
        if progress is None:
            return None
        percent = round(progress * 100)
        # Rounding must not claim the target: 98.7 against 99 is 99 % of the way, not 100 %.
        return min(percent, 99) if not self.target_met else percent

    @property
    def progress_bar_percent(self) -> int | None:
        percent = self.progress_percent
        return None if percent is None else min(percent, 100)


class ResultSeries(Orderable):
    """A measured quantity over time, e.g. monthly shelter users; its values are imported from CSV."""

    page = ParentalKey(PilotPage, on_delete=models.CASCADE, related_name="series")
    name = models.CharField(
        _("name"), max_length=80, help_text=_("Used in the CSV file's “series” column; keep it short.")
    )
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    label = models.CharField(
        _("label"),
        max_length=120,
        blank=True,
        help_text=_("The chart's title residents read, e.g. “Cars parked per week”. Empty: the name is used."),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("unit")]),
        FieldPanel("label"),
        FieldPanel("description"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("time series")
        verbose_name_plural = _("time series")

    def __str__(self):
        return self.name

    # ``point_list`` and ``dom_id`` are set by ``PilotPage.series_with_points`` for the page template.

    @property
    def json_id(self) -> str:
        return f"{self.dom_id}-data"

    @property
    def title(self) -> str:
        """What residents read above the chart: the label, or the CSV name when there is none."""
        return self.label or self.name

    @property
    def is_count(self) -> bool:
        """Whole numbers only (users, faults, cars): the chart starts at zero and never draws half a count."""
        return bool(self.point_list) and all(p.value == p.value.to_integral_value() for p in self.point_list)

    @property
    def chart_data(self) -> dict:
        return {
            "name": self.title,
            "unit": self.unit,
            "counts": self.is_count,
            "labels": [p.date.isoformat() for p in self.point_list],
            "values": [float(p.value) for p in self.point_list],
        }

    @property
    def chart_summary(self) -> str:
        """One sentence a screen reader reads for the chart; the table below has every number."""
        points = self.point_list
        if not points:
            return _("No values yet.")
        values = [p.value for p in points]

        def fmt(value):
            text = format(value, "f")
            return text.rstrip("0").rstrip(".") if "." in text else text

        return _(
            "%(name)s from %(start)s to %(end)s, %(count)s values: lowest %(low)s, highest %(high)s, "
            "latest %(latest)s %(unit)s. The table below lists every value."
        ) % {
            "name": self.title,
            "start": points[0].date.isoformat(),
            "end": points[-1].date.isoformat(),
            "count": len(points),
            "low": fmt(min(values)),
            "high": fmt(max(values)),
            "latest": fmt(values[-1]),
            "unit": self.unit,
        }


class ResultDataPoint(models.Model):
    """One dated value of a series. Data, not editorial content: imported directly, outside revisions."""

    series = models.ForeignKey(ResultSeries, on_delete=models.CASCADE, related_name="points")
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=3)

    class Meta:
        ordering = ["series", "date"]
        verbose_name = _("data point")
        verbose_name_plural = _("data points")
        constraints = [models.UniqueConstraint(fields=["series", "date"], name="datapoint_once_per_date")]

    def __str__(self):
        return f"{self.series_id} {self.date}: {self.value}"


class PilotFeedbackQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_hidden=False)

    def summary(self) -> dict:
        """Average, count and the 5..1 distribution of the ratings in this queryset, in one query."""
        by_rating = dict(self.order_by().values_list("rating").annotate(n=Count("pk")))
        count = sum(by_rating.values())
        distribution = [
            {
                "rating": rating,
                "count": by_rating.get(rating, 0),
                "percent": round(100 * by_rating.get(rating, 0) / count) if count else 0,
            }
            for rating in range(5, 0, -1)
        ]
        average = sum(rating * n for rating, n in by_rating.items()) / count if count else None
        return {
            "average": round(average, 1) if average is not None else None,
            "count": count,
            "distribution": distribution,
        }


class PilotFeedback(AssistedFields):
    """A resident's rating of a pilot's results (1–5), with an optional comment that moderators can hide."""

    pilot = models.ForeignKey(PilotPage, verbose_name=_("pilot"), on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="pilot_feedback"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The desk staff member who recorded the rating for the resident."),
    )
    is_hidden = models.BooleanField(_("comment hidden by a moderator"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PilotFeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("pilot feedback")
        verbose_name_plural = _("pilot feedback")
        constraints = [
            models.UniqueConstraint(fields=["pilot", "user"], name="pilot_feedback_once_per_user"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="pilot_feedback_rating_1_5"),
        ]

    def __str__(self):
        return f"{self.user} rated {self.pilot_id}: {self.rating}"


def _same_content(item) -> tuple:
    """An inline item's editable values: two items with the same values are the same item."""
    skip = {"id", "page", "sort_order"}
    return tuple(getattr(item, f.attname) for f in item._meta.concrete_fields if f.name not in skip)


# How an inline item without an id is recognised among the stored ones: a series by its name (the CSV
# import addresses it by name, and the form keeps names unique), anything else by all its values.
CHILD_IDENTITIES = {
    "pilot_proposals": _same_content,
    "partners": _same_content,
    "phases": _same_content,
    "metrics": _same_content,
    "series": lambda series: (series.name or "").strip().casefold(),
}


class FeedbackReport(models.Model):
    """A resident's flag that someone's comment on a pilot's results breaks the rules, for the moderation queue
    (``pilots.moderation`` lists it there beside reported proposals and comments)."""

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    feedback = models.ForeignKey(PilotFeedback, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(_("reason"), max_length=500)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report on pilot feedback")
        verbose_name_plural = _("reports on pilot feedback")
        constraints = [models.UniqueConstraint(fields=["reporter", "feedback"], name="feedback_report_once")]

    def __str__(self):
        return f"{self.reporter} reported feedback {self.feedback_id}"
