"""Co-design with residents: sessions they register for, lab participants who test a pilot, and surveys.

Everything here belongs to a Wagtail page (a challenge page, a pilot page, or any page), by a plain foreign
key to ``wagtailcore.Page``: the pages' apps know nothing of this one, which shows its parts on their pages
through its own template tags (``codesign_tags``).
"""

import nh3
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.forms import FormBuilder
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField, AbstractFormSubmission
from wagtail.models import PageManager

from home.rich_text import CheckedRichTextField
from livinglab.counters import save_leaving_counters
from livinglab.view_restrictions import PublicPageQuerySet, ViewRestrictionsKnown
from proposals.models import AssistedFields

# --- sessions ------------------------------------------------------------------------------------------


class SessionFormat(models.TextChoices):
    OFFLINE = "offline", _("In person")
    ONLINE = "online", _("Online")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class AttendanceChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    PAPER = "paper", _("On paper")


# Minutes and outcomes are typed by staff in the admin's rich-text editor; what is stored is cleaned again
# with nh3 so that nothing but these tags reaches a resident's page, whoever wrote the row.
MINUTES_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link"]
MINUTES_TAGS = {"p", "h2", "h3", "b", "strong", "i", "em", "ol", "ul", "li", "a", "br"}
MINUTES_ATTRIBUTES = {"a": {"href", "linktype", "id"}}


def clean_minutes(html: str) -> str:
    if not html:
        return ""
    return nh3.clean(
        html, tags=MINUTES_TAGS, attributes=MINUTES_ATTRIBUTES, url_schemes={"http", "https", "mailto"}, link_rel=None
    )


class SessionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def for_page(self, page):
        return self.filter(page_id=page.pk)

    def upcoming(self, now=None):
        return self.filter(ends_at__gte=now or timezone.now())

    def open_for_registration(self, now=None):
        """Published sessions on a live page that have not started: the ones a person may still register for."""
        return self.published().filter(page__live=True, starts_at__gt=now or timezone.now())


class Session(models.Model):
    """A co-design workshop or meeting that residents register for; staff run it and publish its minutes."""

    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page"),
        on_delete=models.CASCADE,
        related_name="codesign_sessions",
        help_text=_("The challenge or pilot this session works on."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    format = models.CharField(_("format"), max_length=10, choices=SessionFormat.choices, default=SessionFormat.OFFLINE)
    online_url = models.URLField(_("online meeting link"), blank=True, help_text=_("Shown only to people with a seat."))
    place = models.CharField(_("place"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    is_published = models.BooleanField(_("published"), default=True)
    # Seats taken, changed only by ``codesign.services`` in the same transaction as the registration, whichever
    # way it goes (``codesign.counters``, ``codesign.erasure``); ``manage.py recount_seats`` repairs drift.
    registered_count = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    # Checked rich text: a link whose id is not a real page's is refused on save (home/rich_text.py).
    minutes = CheckedRichTextField(_("minutes"), blank=True, features=MINUTES_FEATURES)
    outcomes = CheckedRichTextField(_("outcomes"), blank=True, features=MINUTES_FEATURES)
    minutes_published_at = models.DateTimeField(_("minutes published at"), null=True, blank=True)
    proposals = models.ManyToManyField(
        "proposals.Proposal",
        verbose_name=_("proposals it produced"),
        blank=True,
        related_name="codesign_sessions",
    )
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SessionQuerySet.as_manager()

    panels = [
        FieldPanel("page"),
        FieldPanel("title"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldRowPanel([FieldPanel("capacity"), FieldPanel("is_published")]),
            ],
            heading=_("When and how many"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("format"),
                FieldPanel("online_url"),
                FieldPanel("place"),
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
            ],
            heading=_("Where"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("minutes"),
                FieldPanel("outcomes"),
                FieldPanel("minutes_published_at"),
                FieldPanel("proposals"),
            ],
            heading=_("After the session"),
        ),
    ]

    class Meta:
        verbose_name = _("co-design session")
        verbose_name_plural = _("co-design sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="codesign_session_ends_after"),
            models.CheckConstraint(
                condition=Q(registered_count__lte=models.F("capacity")), name="codesign_session_within_capacity"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, **kwargs):
        self.minutes = clean_minutes(self.minutes)
        self.outcomes = clean_minutes(self.outcomes)
        # An admin edit never writes back the seats it read: a registration may have come in meanwhile.
        super().save(**save_leaving_counters(self, ("registered_count",), **kwargs))

    def get_absolute_url(self) -> str:
        return reverse("codesign:session", args=[self.pk])

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("A session ends after it starts.")
        if self.format == SessionFormat.ONLINE and not self.online_url:
            errors["online_url"] = _("An online session needs its meeting link.")
        if self.format == SessionFormat.OFFLINE and not self.place:
            errors["place"] = _("A session in person needs its place.")
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both latitude and longitude, or neither.")
        if self.pk and self.capacity is not None and self.capacity < self.registered_count:
            errors["capacity"] = _(
                "%(count)d people already have a seat; cancel some before lowering the capacity."
            ) % {"count": self.registered_count}
        if errors:
            raise ValidationError(errors)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.registered_count, 0)

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0

    @property
    def is_online(self) -> bool:
        return self.format == SessionFormat.ONLINE

    @property
    def has_map_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def has_started(self, now=None) -> bool:
        return (now or timezone.now()) >= self.starts_at

    def has_ended(self, now=None) -> bool:
        return (now or timezone.now()) >= self.ends_at

    @property
    def minutes_are_published(self) -> bool:
        return self.minutes_published_at is not None and self.minutes_published_at <= timezone.now()

    @property
    def dom_id(self) -> str:
        return f"session-{self.pk}"


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status=RegistrationStatus.CANCELLED)

    def seated(self):
        return self.filter(status=RegistrationStatus.REGISTERED)

    def waiting(self):
        # First come, first served: the waiting list's order is the order people joined it.
        return self.filter(status=RegistrationStatus.WAITING).order_by("created_at", "pk")


class Registration(AssistedFields):
    """A person's seat at a session, or their place on its waiting list; cancelled rows stay as history.

    A desk may register a resident of its centre (``livinglab.assisted``): the row keeps how the resident
    reached the desk, the staff member and the centre, and staff lists say "with help at <centre>".
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="codesign_registrations")
    status = models.CharField(_("status"), max_length=12, choices=RegistrationStatus.choices)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    promoted_at = models.DateTimeField(_("promoted from the waiting list at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The desk staff member who registered the resident."),
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=~Q(status="cancelled"),
                name="codesign_one_active_registration",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.session} ({self.get_status_display()})"

    @property
    def is_seated(self) -> bool:
        return self.status == RegistrationStatus.REGISTERED

    @property
    def is_waiting(self) -> bool:
        return self.status == RegistrationStatus.WAITING


class WalkIn(models.Model):
    """People who came without registering, counted by staff on the day, with how they joined."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="walk_ins")
    count = models.PositiveSmallIntegerField(_("people"), validators=[MinValueValidator(1), MaxValueValidator(500)])
    names = models.TextField(_("names (optional)"), blank=True, max_length=2000)
    channel = models.CharField(_("channel"), max_length=12, choices=AttendanceChannel.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("walk-in")
        verbose_name_plural = _("walk-ins")

    def __str__(self):
        return f"{self.count} · {self.get_channel_display()}"


# --- lab participants ----------------------------------------------------------------------------------


class ConsentText(models.Model):
    """One version of a pilot's informed-consent text; a new wording is a new version, never an edit."""

    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE, related_name="codesign_consent_texts"
    )
    version = models.PositiveSmallIntegerField(_("version"), validators=[MinValueValidator(1)])
    text = models.TextField(_("consent text"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    panels = [FieldPanel("page"), FieldPanel("version"), FieldPanel("text")]

    class Meta:
        verbose_name = _("informed-consent text")
        verbose_name_plural = _("informed-consent texts")
        ordering = ["page_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["page", "version"], name="codesign_one_consent_version")]

    def __str__(self):
        return f"{self.page} · v{self.version}"

    @classmethod
    def current_for(cls, page):
        return cls.objects.filter(page_id=page.pk).order_by("-version").first()


class ParticipantQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class LabParticipant(models.Model):
    """A resident who volunteered to test a pilot, with the consent version they agreed to and when."""

    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE, related_name="codesign_participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="codesign_participations",
    )
    consent = models.ForeignKey(ConsentText, verbose_name=_("consent version"), on_delete=models.PROTECT)
    consented_at = models.DateTimeField(_("consented at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("lab participant")
        verbose_name_plural = _("lab participants")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "user"],
                condition=Q(withdrawn_at__isnull=True),
                name="codesign_one_active_participation",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.page}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


# --- surveys -------------------------------------------------------------------------------------------


class SurveyPhase(models.TextChoices):
    BEFORE = "before", _("Before the pilot")
    AFTER = "after", _("After the pilot")
    ANYTIME = "anytime", _("Any time")


class SurveyAudience(models.TextChoices):
    PARTICIPANTS = "participants", _("Lab participants only")
    RESIDENTS = "residents", _("All signed-in residents")


SCALE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]
SURVEY_FIELD_CHOICES = (
    ("radio", _("Single choice")),
    ("checkboxes", _("Multiple choice")),
    ("scale", _("Scale from 1 to 5")),
    ("singleline", _("Short text")),
    ("multiline", _("Free text")),
)
CHOICE_FIELD_TYPES = ("radio", "checkboxes", "scale")


class SurveyFormBuilder(FormBuilder):
    """Wagtail's form builder plus a 1–5 scale, shown as five radio buttons."""

    def create_scale_field(self, field, options):
        options["choices"] = SCALE_CHOICES
        return forms.ChoiceField(widget=forms.RadioSelect, **options)


class SurveyField(AbstractFormField):
    page = ParentalKey("SurveyPage", on_delete=models.CASCADE, related_name="form_fields")
    field_type = models.CharField(_("question type"), max_length=16, choices=SURVEY_FIELD_CHOICES)

    def option_labels(self) -> list[str]:
        if self.field_type == "scale":
            return [value for value, _label in SCALE_CHOICES]
        return [label for _value, label in SurveyFormBuilder([]).get_formatted_field_choices(self)]


def page_can_have_participants(page) -> bool:
    """Whether residents can ever volunteer as lab participants of ``page`` (``codesign.rules`` asks the same
    page whether they can now): a page that says so itself, or a pilot, which has a status."""
    return hasattr(page, "accepts_lab_participants") or hasattr(page, "status")


class SurveyPage(ViewRestrictionsKnown, AbstractForm):
    """A short survey on a pilot or challenge, built with Wagtail's form builder; one answer per person.

    A "before" and an "after" survey of the same page are compared question by question (same question text)
    on that page.
    """

    objects = PageManager.from_queryset(PublicPageQuerySet)()

    subject_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("about"),
        on_delete=models.PROTECT,
        related_name="codesign_surveys",
        help_text=_("The pilot or challenge this survey asks about."),
    )
    phase = models.CharField(_("when"), max_length=10, choices=SurveyPhase.choices, default=SurveyPhase.ANYTIME)
    audience = models.CharField(
        _("who may answer"), max_length=15, choices=SurveyAudience.choices, default=SurveyAudience.PARTICIPANTS
    )
    closes_at = models.DateTimeField(
        _("answers accepted until"),
        null=True,
        blank=True,
        help_text=_(
            "Optional. After this time the survey and its results stay on the site, but take no more answers. "
            "A challenge's surveys also close when its decision is recorded."
        ),
    )
    intro = models.TextField(_("introduction"), blank=True)
    thank_you_text = models.TextField(_("thank-you text"), blank=True)

    form_builder = SurveyFormBuilder

    content_panels = AbstractForm.content_panels + [
        FieldPanel("subject_page"),
        FieldRowPanel([FieldPanel("phase"), FieldPanel("audience")]),
        FieldPanel("closes_at"),
        FieldPanel("intro"),
        InlinePanel("form_fields", label=_("Questions")),
        FieldPanel("thank_you_text"),
    ]

    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def get_submission_class(self):
        return SurveyAnswer

    def clean(self):
        super().clean()
        subject = self.subject_page.specific if self.subject_page_id else None
        if (
            subject is not None
            and self.audience == SurveyAudience.PARTICIPANTS
            and not page_can_have_participants(subject)
        ):
            raise ValidationError(
                {
                    "audience": _(
                        "Only a pilot has lab participants: open this survey to all signed-in residents, "
                        "or choose a pilot it asks about."
                    )
                }
            )

    def is_open(self, now=None) -> bool:
        """Whether it still takes answers: before its closing time, and while the page it asks about is not
        closed (a challenge closes with its decision; the page says so through ``is_closed``)."""
        if self.closes_at is not None and self.closes_at <= (now or timezone.now()):
            return False
        subject = self.subject_page.specific if self.subject_page_id else None
        return not getattr(subject, "is_closed", False)

    def serve(self, request, *args, **kwargs):
        """The page shows the survey; answers are posted to ``codesign:answer_survey``, which runs the service
        that refuses a second answer (Wagtail's own form handling would store every post)."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        context = self.get_context(request)
        context["form"] = self.get_form(page=self, user=request.user)
        return TemplateResponse(request, self.get_template(request), context)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["answered"] = self.answered_by(request.user)
        return context

    def question_fields(self):
        return list(self.form_fields.all())

    def answered_by(self, user) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        return SurveyAnswer.objects.filter(page_id=self.pk, user_id=user.pk).exists()

    def is_participant(self, user) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        return LabParticipant.objects.active().filter(page_id=self.subject_page_id, user_id=user.pk).exists()


class SurveyAnswer(AbstractFormSubmission):
    """One person's answers to one survey."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="codesign_answers")

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [models.UniqueConstraint(fields=["page", "user"], name="codesign_one_answer_per_survey")]
