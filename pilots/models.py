"""Pilot projects: the pages administrators publish, their measured results and the residents' ratings."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
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
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from home.blocks import BaseStreamBlock

from .admin_forms import PilotPageForm
from .chooser import CHOOSABLE_STATUSES, proposal_chooser_viewset


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


class PilotIndexPage(Page):
    """The list of pilot projects, which residents filter by status, area and category."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["pilots.PilotPage"]
    max_count = 1

    class Meta:
        verbose_name = _("pilot index page")

    def get_context(self, request, *args, **kwargs):
        from proposals.models import Area, Category

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


class PilotPageQuerySet(PageQuerySet):
    def for_cards(self):
        from wagtail.images import get_image_model

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


class PilotPage(Page):
    """One pilot project: what it tries, where, with whom, which proposals it answers and what it measured."""

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

    objects = PilotPageManager()

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
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

    @property
    def is_open_for_feedback(self) -> bool:
        return self.status in FEEDBACK_STATUSES

    @property
    def proposals(self):
        from proposals.models import Proposal

        return Proposal.objects.filter(pilot_links__page=self)

    def get_context(self, request, *args, **kwargs):
        from .services import feedback_context

        context = super().get_context(request, *args, **kwargs)
        context["origin_proposals"] = list(
            self.proposals.public().select_related("category", "area", "area__parent").order_by("-vote_count", "pk")
        )
        context.update(feedback_context(self, user=request.user))
        return context

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
        limit_choices_to=Q(status__in=CHOOSABLE_STATUSES, is_hidden=False),
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
        return None if progress is None else round(progress * 100)

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
    description = models.CharField(_("description"), max_length=300, blank=True)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("unit")]), FieldPanel("description")]

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
    def chart_data(self) -> dict:
        return {
            "name": self.name,
            "unit": self.unit,
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
            "name": self.name,
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
        """Average, count and the 5..1 distribution of the ratings in this queryset, in two queries."""
        totals = self.aggregate(average=Avg("rating"), count=Count("pk"))
        by_rating = dict(self.order_by().values_list("rating").annotate(n=Count("pk")))
        count = totals["count"] or 0
        distribution = [
            {
                "rating": rating,
                "count": by_rating.get(rating, 0),
                "percent": round(100 * by_rating.get(rating, 0) / count) if count else 0,
            }
            for rating in range(5, 0, -1)
        ]
        average = totals["average"]
        return {
            "average": round(average, 1) if average is not None else None,
            "count": count,
            "distribution": distribution,
        }


class PilotFeedback(models.Model):
    """A resident's rating of a pilot's results (1–5), with an optional comment that moderators can hide."""

    pilot = models.ForeignKey(PilotPage, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pilot_feedback")
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
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
