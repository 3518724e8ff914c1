from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AttendanceChannel


class AttendanceForm(forms.Form):
    """The registered people, ticked when they came."""

    present = forms.TypedMultipleChoiceField(
        label=_("Present"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, registrations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(r.pk, self.label_of(r)) for r in registrations]
        self.fields["present"].initial = [r.pk for r in registrations if r.checked_in_at]

    @staticmethod
    def label_of(registration) -> str:
        """The person's name, and where a desk registered them (staff then know whom to ask)."""
        if registration.was_assisted:
            return _("%(name)s (with help at %(centre)s)") % {
                "name": registration.user,
                "centre": registration.helped_at,
            }
        return str(registration.user)


class WalkInForm(forms.Form):
    count = forms.IntegerField(label=_("How many people"), min_value=1, max_value=500)
    channel = forms.ChoiceField(label=_("How they joined"), choices=AttendanceChannel.choices)
    names = forms.CharField(
        label=_("Names (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class VolunteerForm(forms.Form):
    """Agreeing to the consent text shown; the version travels with the form so a changed text is noticed."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    agree = forms.BooleanField(label=_("I have read the consent text and agree to take part."))

    def __init__(self, *args, consent=None, **kwargs):
        super().__init__(*args, **kwargs)
        if consent is not None:
            self.fields["version"].initial = consent.version
