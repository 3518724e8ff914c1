"""Forms that parse what people send; the services in ``proposals.services`` decide what happens next."""

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import (
    Area,
    Assessment,
    Category,
    Comment,
    CostRange,
    ProposalStatus,
    Recommendation,
)
from .validators import validate_point, validate_user_text

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp")


def localized_name(obj) -> str:
    """An area's or category's name in the reader's language: the English name when English is active.

    A neighbourhood (dong) carries its district (gu) in front: "성동구 성수1가1동", "Seongdong-gu Seongsu 1-ga 1-dong".
    """
    if obj is None:
        return ""
    english = (translation.get_language() or "").startswith("en")
    own = (obj.name_en if english and getattr(obj, "name_en", "") else obj.name) or str(obj)
    parent = getattr(obj, "parent", None) if getattr(obj, "parent_id", None) else None
    return f"{localized_name(parent)} {own}" if parent is not None else own


class AreaChoiceField(forms.ModelChoiceField):
    """Neighbourhoods (dongs) labelled with their district, in the reader's language."""

    def label_from_instance(self, obj):
        return localized_name(obj)


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return localized_name(obj)


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
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.all(), empty_label=_("Choose…"))
    area = AreaChoiceField(
        label=_("Neighbourhood"),
        queryset=Area.objects.filter(parent__isnull=False).select_related("parent"),
        empty_label=_("Choose…"),
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


class ProposalSubmitForm(ProposalForm):
    photos = MultiplePhotoField(
        label=_("Photos"),
        help_text=_("Optional. Up to 3 photos (JPEG, PNG or WebP, at most 8 MB each). Location data is removed."),
    )


class WithdrawForm(PlainLabelForm):
    reason = forms.CharField(
        label=_("Why are you withdrawing it? (optional)"),
        validators=[validate_user_text],
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CommentForm(PlainLabelForm):
    body = forms.CharField(
        label=_("Your comment"),
        validators=[validate_user_text],
        widget=forms.Textarea(attrs={"rows": 4}),
        min_length=2,
        max_length=2000,
    )
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


class CommentEditForm(PlainLabelForm):
    body = forms.CharField(
        label=_("Your comment"),
        validators=[validate_user_text],
        widget=forms.Textarea(attrs={"rows": 4}),
        min_length=2,
        max_length=2000,
    )


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
    """An administrator moves a proposal along its workflow and answers residents officially."""

    to_status = forms.ChoiceField(label=_("New status"))
    response = forms.CharField(
        label=_("Official answer"),
        validators=[validate_user_text],
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Shown on the proposal's public timeline and sent to its supporters."),
    )

    def __init__(self, *args, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        allowed = allowed_next_statuses(proposal)
        self.fields["to_status"].choices = [(s.value, s.label) for s in ProposalStatus if s in allowed]


def allowed_next_statuses(proposal) -> set:
    """The states an administrator may move ``proposal`` to, from the services' one transition table."""
    from . import services

    return set(services.allowed_transitions(proposal.status)) - set(services.AUTHOR_ONLY_STATUSES)


class ProposalFilterForm(PlainLabelForm):
    """The list's filters. Anything unknown is dropped, so no raw value ever reaches ``filter``/``order_by``."""

    SORTS = {
        "newest": ("-created_at", "-id"),
        "votes": ("-vote_count", "-created_at", "-id"),
        "discussed": ("-comment_count", "-created_at", "-id"),
    }
    SORT_CHOICES = [
        ("newest", _("Newest")),
        ("votes", _("Most votes")),
        ("discussed", _("Most discussed")),
    ]
    DEFAULT_PER_PAGE = 20
    MIN_PER_PAGE, MAX_PER_PAGE = 10, 50

    category = forms.ChoiceField(label=_("Category"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))] + [c for c in ProposalStatus.choices if c[0] != ProposalStatus.WITHDRAWN],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, data, *, categories, areas):
        super().__init__(data)
        self.categories = {c.slug: c for c in categories}
        self.areas = {a.slug: a for a in areas}
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.slug, localized_name(c)) for c in categories
        ]
        self.fields["area"].choices = [("", _("All areas"))] + [(a.slug, localized_name(a)) for a in areas]

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

    def per_page(self) -> int:
        try:
            value = int(self.data.get("per_page", ""))
        except (TypeError, ValueError):
            return self.DEFAULT_PER_PAGE
        return value if self.MIN_PER_PAGE <= value <= self.MAX_PER_PAGE else self.DEFAULT_PER_PAGE
