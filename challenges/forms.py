"""Forms administrators fill in on the challenge page; the services decide what happens."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from proposals.models import Area

from .stages import DecisionOutcome, Stage


class LocalizedMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.localized_name


class PlainLabelForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class StageChangeForm(PlainLabelForm):
    to_stage = forms.ChoiceField(label=_("Next stage"), choices=Stage.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note for followers (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    early = forms.BooleanField(label=_("Start it early, before its planned date"), required=False)


class ShortlistForm(PlainLabelForm):
    note = forms.CharField(label=_("Why (optional)"), required=False, max_length=500)


class DecisionForm(PlainLabelForm):
    outcome = forms.ChoiceField(label=_("Decision"), choices=DecisionOutcome.choices, widget=forms.RadioSelect)
    dongs = LocalizedMultipleChoiceField(
        label=_("Neighbourhoods to scale to"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only when scaling to named neighbourhoods."),
    )
    reasons = forms.CharField(label=_("Reasons"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    evidence_note = forms.CharField(
        label=_("Other evidence (optional)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The pilots' metrics, residents' ratings and survey results are kept with the decision automatically."
        ),
    )
    budget_consequence = forms.CharField(
        label=_("Budget consequence"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    budget_amount = forms.DecimalField(
        label=_("Budget (KRW, optional)"), required=False, min_value=0, max_digits=15, decimal_places=0
    )

    def __init__(self, *args, challenge=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dongs"].queryset = Area.objects.neighbourhoods()
        if challenge is not None and challenge.pk:
            # The neighbourhoods of the challenge's areas: a district's dongs, or the dongs named themselves.
            area_ids = [area.pk for area in challenge.areas.all()]
            self.fields["dongs"].queryset = Area.objects.neighbourhoods().filter(
                Q(pk__in=area_ids) | Q(parent_id__in=area_ids)
            )
