"""Forms that parse what people send; the services in ``proposals.services`` decide what happens next."""

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from livinglab.forms import LocalizedChoiceField

from .models import (
    ADMIN_MOVABLE_STATUSES,
    PUBLIC_STATUSES,
    Area,
    Assessment,
    Category,
    Comment,
    CostRange,
    Proposal,
    ProposalStatus,
    Recommendation,
    administrator_transitions,
)
from .photos import MAX_PHOTOS
from .validators import validate_point, validate_user_text

MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Up to three photos in one ``<input type=file multiple>``; Pillow checks each one in the service."""

    widget = MultipleFileInput

    default_error_messages = {
        "too_many": _("Attach at most %(max)d photos."),
        "too_big": _("“%(name)s” is larger than 8 MB."),
        "wrong_type": _("“%(name)s” is not a JPEG, PNG or WebP photo."),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ",".join(PHOTO_CONTENT_TYPES))

    def clean(self, data, initial=None):
        files = [f for f in (data or []) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many", params={"max": MAX_PHOTOS})
        cleaned = [super(MultiplePhotoField, self).clean(f, initial) for f in files]
        for upload in cleaned:
            if upload.size > MAX_PHOTO_BYTES:
                raise forms.ValidationError(
                    self.error_messages["too_big"], code="too_big", params={"name": upload.name}
                )
            # The browser's claim is only a first filter: the service opens every file with Pillow.
            if getattr(upload, "content_type", None) not in PHOTO_CONTENT_TYPES:
                raise forms.ValidationError(
                    self.error_messages["wrong_type"], code="wrong_type", params={"name": upload.name}
                )
        return cleaned


class PlainLabelForm(forms.Form):
    """Labels without Django's trailing colon: they read better aloud and match what people click."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ProposalForm(PlainLabelForm):
    """What a resident writes when they report a problem; the same fields serve the author's edit."""

    title = forms.CharField(
        label=_("Title"),
        validators=[validate_user_text],
        min_length=5,
        max_length=140,
        help_text=_("Say in a few words what the problem is (5–140 characters)."),
    )
    description = forms.CharField(
        label=_("Description"),
        validators=[validate_user_text],
        widget=forms.Textarea(attrs={"rows": 8}),
        min_length=20,
        max_length=5000,
        help_text=_("Where exactly, since when, who is affected. Plain text or simple Markdown (20–5,000 characters)."),
    )
    category = LocalizedChoiceField(label=_("Category"), queryset=Category.objects.all(), empty_label=_("Choose…"))
    area = LocalizedChoiceField(
        label=_("Neighbourhood"), queryset=Area.objects.neighbourhoods(), empty_label=_("Choose…")
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Optional, e.g. 37.5446."),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Optional, together with the latitude, e.g. 127.0557."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The similar-problems search runs while the resident types (search:similar answers it).
        self.fields["title"].widget.attrs.update(
            {
                "hx-get": "/search/similar/",
                "hx-trigger": "keyup changed delay:400ms",
                "hx-target": "#similar-proposals",
                "hx-include": "[name=description],[name=latitude],[name=longitude]",
                "autocomplete": "off",
            }
        )

    def clean(self):
        cleaned = super().clean()
        if "latitude" in self.errors or "longitude" in self.errors:
            return cleaned
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        # Floats print as their shortest exact decimal, so validate_point rounds what the resident typed.
        cleaned["latitude"], cleaned["longitude"] = validate_point(
            None if latitude is None else repr(latitude), None if longitude is None else repr(longitude)
        )
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "category": data["category"],
            "area": data["area"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
        }

    @classmethod
    def initial_for(cls, proposal) -> dict:
        return {
            "title": proposal.title,
            "description": proposal.description,
            "category": proposal.category_id,
            "area": proposal.area_id,
            "latitude": proposal.latitude,
            "longitude": proposal.longitude,
        }


class ChallengeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class ProposalSubmitForm(ProposalForm):
    photos = MultiplePhotoField(
        label=_("Photos"),
        help_text=_("Optional. Up to 3 photos (JPEG, PNG or WebP, at most 8 MB each). Location data is removed."),
    )
    photo_alt_text = forms.CharField(
        label=_("What the photos show (for people who cannot see them)"),
        required=False,
        max_length=200,
        validators=[validate_user_text],
        help_text=_(
            "Optional, e.g. “Broken street light at the alley entrance”. Without it, the title describes the photos."
        ),
    )

    def photo_alt_texts(self) -> list[str]:
        """One description per photo (the same for all); empty ones get the service's default from the title."""
        return [self.cleaned_data.get("photo_alt_text", "")] * len(self.cleaned_data.get("photos") or [])

    challenge = ChallengeChoiceField(
        label=_("Challenge (optional)"),
        queryset=Proposal._meta.get_field("challenge").related_model.objects.none(),
        required=False,
        empty_label=_("No challenge: a problem of its own"),
        help_text=_("The district's challenges whose call for problems is open in your neighbourhood."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Through the foreign key's model: proposals never import the challenges app that builds on them.
        challenges = Proposal._meta.get_field("challenge").related_model.objects
        # Any live challenge is accepted here, so that one whose call is over gets the service's clear 409
        # rather than "not a valid choice"; only the open ones for the resident's area are offered.
        self.fields["challenge"].queryset = challenges.live().public()
        home_area = getattr(user, "home_area", None) if user is not None else None
        offered = list(challenges.open_for_submission(area=home_area).order_by("title"))
        if not offered and not (self.is_bound and self.data.get("challenge")):
            del self.fields["challenge"]
            return
        field = self.fields["challenge"]
        field.choices = [("", field.empty_label), *((c.pk, c.title) for c in offered)]

    def service_kwargs(self) -> dict:
        kwargs = super().service_kwargs()
        kwargs["challenge"] = self.cleaned_data.get("challenge")
        return kwargs


class WithdrawForm(PlainLabelForm):
    reason = forms.CharField(
        label=_("Why are you withdrawing it? (optional)"),
        validators=[validate_user_text],
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CommentEditForm(PlainLabelForm):
    body = forms.CharField(
        label=_("Your comment"),
        validators=[validate_user_text],
        widget=forms.Textarea(attrs={"rows": 4}),
        min_length=2,
        max_length=2000,
    )


class CommentForm(CommentEditForm):
    """A new comment, or a reply to a top-level comment of the same proposal."""

    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, proposal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal

    def clean_parent(self):
        parent_id = self.cleaned_data.get("parent")
        if parent_id is None:
            return None
        # Replies go one level deep, under a comment of the same proposal.
        parent = Comment.objects.filter(pk=parent_id, proposal=self.proposal, parent__isnull=True).first()
        if parent is None:
            raise forms.ValidationError(_("You can only reply to a comment on this proposal."), code="bad_parent")
        return parent


class AssessmentForm(PlainLabelForm):
    """An expert's structured review: how feasible, how costly, what could go wrong, what to do."""

    feasibility = forms.TypedChoiceField(
        label=_("Feasibility"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 (hard) to 5 (easy)"),
    )
    cost_range = forms.ChoiceField(label=_("Estimated cost"), choices=CostRange.choices)
    risks = forms.CharField(
        label=_("Risks"),
        validators=[validate_user_text],
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    recommendation = forms.ChoiceField(label=_("Recommendation"), choices=Recommendation.choices)
    text = forms.CharField(
        label=_("Assessment"),
        validators=[validate_user_text],
        min_length=20,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    @classmethod
    def initial_for(cls, assessment: Assessment | None) -> dict:
        if assessment is None:
            return {}
        return {
            "feasibility": assessment.feasibility,
            "cost_range": assessment.cost_range,
            "risks": assessment.risks,
            "recommendation": assessment.recommendation,
            "text": assessment.text,
        }


class ReportForm(PlainLabelForm):
    reason = forms.CharField(
        label=_("What is wrong with it?"),
        validators=[validate_user_text],
        min_length=3,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Moderators read every report. Each person can report an item once."),
    )


class StatusChangeForm(PlainLabelForm):
    """An administrator moves a proposal along its workflow and answers residents officially.

    For one ``proposal`` it offers the moves its status allows; without one (the admin's bulk action over
    several proposals) it offers every status an administrator can move to, and the service refuses each
    proposal that cannot make the move.
    """

    to_status = forms.ChoiceField(label=_("New status"))
    response = forms.CharField(
        label=_("Official answer"),
        validators=[validate_user_text],
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Shown on the proposal's public timeline and sent to its supporters."),
    )

    def __init__(self, *args, proposal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        if proposal is not None:
            allowed = set(administrator_transitions(proposal.status))
        else:
            allowed = {to for status in ADMIN_MOVABLE_STATUSES for to in administrator_transitions(status)}
            self.fields["response"].help_text = _("Shown on each proposal's public timeline. Required when rejecting.")
        self.fields["to_status"].choices = [(s.value, s.label) for s in ProposalStatus if s in allowed]


class ProposalFilterForm(PlainLabelForm):
    """The list's filters. Anything unknown is dropped, so no raw value ever reaches ``filter``/``order_by``."""

    SORTS = {
        "newest": ("-created_at", "-id"),
        "votes": ("-vote_count", "-created_at", "-id"),
        "discussed": ("-comment_count", "-created_at", "-id"),
    }
    SORT_CHOICES = [
        ("newest", _("Newest")),
        ("votes", _("Most supported")),
        ("discussed", _("Most discussed")),
    ]
    DEFAULT_PER_PAGE = 20
    MIN_PER_PAGE, MAX_PER_PAGE = 10, 50

    category = forms.ChoiceField(label=_("Category"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))] + [(s.value, s.label) for s in PUBLIC_STATUSES],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, data, *, categories, areas):
        super().__init__(data)
        self.categories = {c.slug: c for c in categories}
        self.areas = {a.slug: a for a in areas}
        self.fields["category"].choices = [("", _("All categories"))] + [(c.slug, c.localized_name) for c in categories]
        self.fields["area"].choices = [("", _("All areas"))] + [(a.slug, a.localized_name) for a in areas]

    def value(self, name: str) -> str:
        """The cleaned value of one filter, or "" when it was missing or not one we know."""
        self.is_valid()
        return self.cleaned_data.get(name) or ""

    def apply(self, queryset):
        if category := self.categories.get(self.value("category")):
            queryset = queryset.filter(category=category)
        if area := self.areas.get(self.value("area")):
            queryset = queryset.filter(
                area__in=[area.pk, *[a.pk for a in self.areas.values() if a.parent_id == area.pk]]
            )
        if status := self.value("status"):
            queryset = queryset.filter(status=status)
        return queryset.order_by(*self.SORTS[self.value("sort") or "newest"])

    def filters(self) -> dict[str, str]:
        """The known filters that are set (not the sort or the page): what a list's count depends on."""
        return {name: self.value(name) for name in ("category", "area", "status") if self.value(name)}

    def filters_query(self) -> str:
        return urlencode(self.filters())

    def per_page(self) -> int:
        try:
            value = int(self.data.get("per_page", ""))
        except (TypeError, ValueError):
            return self.DEFAULT_PER_PAGE
        return value if self.MIN_PER_PAGE <= value <= self.MAX_PER_PAGE else self.DEFAULT_PER_PAGE
