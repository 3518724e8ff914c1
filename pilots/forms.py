"""Forms residents and administrators fill in around pilots."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .csv_format import MAX_BYTES, MAX_ROWS

RATING_CHOICES = [
    (5, _("5 – Very good")),
    (4, _("4 – Good")),
    (3, _("3 – Fair")),
    (2, _("2 – Poor")),
    (1, _("1 – Very poor")),
]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating of the results"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a rating from 1 to 5."),
            "invalid_choice": _("Choose a rating from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("Why? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        help_text=_("Up to 1000 characters. Comments are public and moderated."),
    )


class ResultsImportForm(forms.Form):
    csv_file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns exactly: series,date,value — one row per value, dates as YYYY-MM-DD, "
            "at most %(rows)s rows and %(mb)s MB."
        )
        % {"rows": f"{MAX_ROWS:,}", "mb": MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
