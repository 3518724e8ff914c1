from django import forms
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    email_on_status_change = forms.BooleanField(
        label=_("E-mail me when a proposal I follow changes status"), required=False
    )
