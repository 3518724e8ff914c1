from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm as WagtailUserCreationForm
from wagtail.users.forms import UserEditForm as WagtailUserEditForm

from proposals.models import Area

from .models import Role, User
from .services import set_role


class SignupForm(AllauthSignupForm):
    """allauth's sign-up, plus the name others see and the neighbourhood the resident lives in."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("Shown next to your proposals and comments."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    home_area = forms.ModelChoiceField(
        label=_("Home area"),
        queryset=Area.objects.filter(parent__isnull=False).select_related("parent"),
        required=False,
        empty_label=_("Prefer not to say"),
    )

    field_order = ["email", "display_name", "home_area", "password1", "password2"]

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if len(name) < 2:
            raise forms.ValidationError(_("Please use at least 2 characters."))
        return name

    def save(self, request):
        user = super().save(request)
        user.display_name = self.cleaned_data["display_name"]
        user.home_area = self.cleaned_data.get("home_area")
        user.save(update_fields=["display_name", "home_area"])
        return user


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "home_area"]

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if len(name) < 2:
            raise forms.ValidationError(_("Please use at least 2 characters."))
        return name


ADMIN_FIELDS = {"display_name", "home_area", "role", "expertise", "organisation"}


class AdminRoleFieldsMixin:
    """The Wagtail user form's extra fields; saving applies the role through ``set_role``."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == Role.EXPERT and not cleaned.get("expertise"):
            self.add_error("expertise", _("An expert needs a field of expertise."))
        return cleaned

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            set_role(
                user,
                self.cleaned_data["role"],
                expertise=self.cleaned_data.get("expertise", ""),
                organisation=self.cleaned_data.get("organisation", ""),
            )
        return user


class AdminUserEditForm(AdminRoleFieldsMixin, WagtailUserEditForm):
    first_name = None
    last_name = None

    class Meta(WagtailUserEditForm.Meta):
        fields = (WagtailUserEditForm.Meta.fields - {"first_name", "last_name"}) | ADMIN_FIELDS


class AdminUserCreationForm(AdminRoleFieldsMixin, WagtailUserCreationForm):
    first_name = None
    last_name = None

    class Meta(WagtailUserCreationForm.Meta):
        fields = (WagtailUserCreationForm.Meta.fields - {"first_name", "last_name"}) | ADMIN_FIELDS
