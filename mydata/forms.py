from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _


class DeskRequestForm(forms.Form):
    """A resident asked at the desk (on paper or in person) for a copy of their data."""

    resident_email = forms.EmailField(label=_("Resident's e-mail address (as registered)"))
    note = forms.CharField(label=_("Paper form number or note"), max_length=200, required=False)
    identity_checked = forms.BooleanField(label=_("I checked the resident's identity in person"))

    def clean_resident_email(self):
        email = self.cleaned_data["resident_email"].strip().lower()
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(_("No account uses this e-mail address."))
        return user
