from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm as WagtailUserCreationForm
from wagtail.users.forms import UserEditForm as WagtailUserEditForm

from livinglab.forms import LocalizedChoiceField

from .consent import current_versions, document_urls, record_consent
from .models import AgeBand, LegalDocument, Role, User
from .services import set_role


def home_areas():
    """The neighbourhoods a resident may call home, through the ``home_area`` foreign key.

    Accounts sit below proposals (which own ``Area``): the field's own relation names the model, so this app
    never imports proposals.
    """
    return User._meta.get_field("home_area").related_model.objects.neighbourhoods()


def signup_language() -> str:
    """The language someone signs up in: what the site will write to them in until they switch."""
    language = get_language() or ""
    return language if language in dict(settings.LANGUAGES) else ""


def consent_links():
    """Links to the current terms and privacy notice, with their versions (marked safe: our own markup)."""
    versions = current_versions()
    urls = document_urls()
    return format_html(
        '<a href="{}">{}</a> ({}) · <a href="{}">{}</a> ({})',
        urls[LegalDocument.TERMS],
        LegalDocument.TERMS.label,
        gettext("version %(version)s") % {"version": versions[LegalDocument.TERMS]},
        urls[LegalDocument.PRIVACY],
        LegalDocument.PRIVACY.label,
        gettext("version %(version)s") % {"version": versions[LegalDocument.PRIVACY]},
    )


class ConsentForm(forms.Form):
    accept = forms.BooleanField(
        label=_("I accept the current terms of use and privacy notice"),
        error_messages={"required": _("Please accept them to keep taking part; you can still read everything.")},
    )


class DisplayNameMixin:
    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if len(name) < 2:
            raise forms.ValidationError(_("Please use at least 2 characters."))
        return name


class LoginForm(AllauthLoginForm):
    """allauth's login: one box for an e-mail address or a mobile number (010-1234-5678), and the password."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Email or mobile phone")
        self.fields["login"].widget.attrs.update({"placeholder": "", "autocomplete": "username"})


class SignupDetailsForm(DisplayNameMixin, forms.Form):
    """What every sign-up asks besides the way in (allauth's own fields): a name, a neighbourhood, consent.

    Put before allauth's form in the bases, so that its ``__init__`` and ``save`` wrap allauth's.
    """

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("Shown next to your proposals and comments."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    home_area = LocalizedChoiceField(
        label=_("Home area"), queryset=None, required=False, empty_label=_("Prefer not to say")
    )

    accept_terms = forms.BooleanField(
        label=_("I accept the terms of use and the privacy notice"),
        error_messages={"required": _("Please accept the terms of use and the privacy notice to sign up.")},
    )

    no_contact_message = _("Give an e-mail address or a mobile number, so that you can sign in.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_area"].queryset = home_areas()
        self.fields["email"].label = _("Email (optional if you give a mobile number)")
        self.fields["phone"].label = _("Mobile phone (optional if you give an e-mail address)")
        self.fields["accept_terms"].help_text = consent_links()

    def save(self, request):
        user = super().save(request)
        user.display_name = self.cleaned_data["display_name"]
        user.home_area = self.cleaned_data.get("home_area")
        user.language = signup_language()
        user.save(update_fields=["display_name", "home_area", "language"])
        record_consent(user)
        return user


class SignupForm(SignupDetailsForm, AllauthSignupForm):
    """allauth's sign-up, plus the name others see and the neighbourhood the resident lives in.

    A resident gives an e-mail address, a Korean mobile number, or both. With an e-mail address a password is
    needed (that is how e-mail accounts sign in); with a phone alone it is optional, because a code sent by text
    message signs them in.
    """

    field_order = ["email", "phone", "display_name", "home_area", "password1", "password2", "accept_terms"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = _("Needed with an e-mail address. With a phone alone, we text you a code.")

    def validate_unique_email(self, value):
        # allauth hides a taken address only under "mandatory" verification, which phone accounts rule out
        # (settings.ACCOUNT_EMAIL_VERIFICATION): answer as for a new address and mail its owner instead.
        try:
            return super().validate_unique_email(value)
        except forms.ValidationError:
            self.account_already_exists = True
            return value

    def clean(self):
        cleaned = super().clean()
        email, phone = cleaned.get("email"), cleaned.get("phone")
        if not email and not phone and not self.has_error("email") and not self.has_error("phone"):
            raise forms.ValidationError(self.no_contact_message, code="no_contact")
        if email and not cleaned.get("password1") and not self.has_error("password1"):
            self.add_error("password1", _("Choose a password to sign in with your e-mail address."))
        return cleaned


class SocialSignupForm(SignupDetailsForm, AllauthSocialSignupForm):
    """The details a Kakao or Naver sign-in still needs: a name, a neighbourhood, and an e-mail address or a
    mobile number (a Kakao profile may come without e-mail)."""

    field_order = ["email", "phone", "display_name", "home_area", "accept_terms"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = False
        nickname = (self.sociallogin.account.extra_data.get("kakao_account") or {}).get("profile", {}).get("nickname")
        self.initial.setdefault("display_name", nickname or self.sociallogin.account.extra_data.get("nickname", ""))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and not self.errors:
            raise forms.ValidationError(self.no_contact_message, code="no_contact")
        return cleaned


class ProfileForm(DisplayNameMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "home_area", "age_band", "notify_by"]
        widgets = {"notify_by": forms.RadioSelect}
        field_classes = {"home_area": LocalizedChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_area"].queryset = home_areas()
        # The same words as at sign-up, instead of Django's untranslated "- Select an option -".
        self.fields["home_area"].empty_label = _("Prefer not to say")
        self.fields["age_band"].choices = [("", _("Prefer not to say")), *AgeBand.choices]
        # Left out of a post (an older form, a script), the channel stays as it was.
        self.fields["notify_by"].required = False

    def clean_notify_by(self):
        return self.cleaned_data.get("notify_by") or self.instance.notify_by

    def clean_age_band(self):
        # Left out of a post, the band stays as it was; sent empty, it is taken back ("Prefer not to say").
        if self.add_prefix("age_band") not in self.data:
            return self.instance.age_band
        return self.cleaned_data.get("age_band", "")


ADMIN_FIELDS = {"display_name", "home_area", "role", "expertise", "expert_categories", "organisation"}


class AdminRoleFieldsMixin:
    """The Wagtail user form's extra fields; saving applies the role through ``set_role``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "expert_categories" in self.fields:
            self.fields["expert_categories"].widget = forms.CheckboxSelectMultiple(
                choices=self.fields["expert_categories"].choices
            )

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


class DeleteAccountForm(forms.Form):
    """Confirm deleting one's own account: the password, or a typed phrase for accounts without one."""

    PHRASE = _("delete my account")

    password = forms.CharField(
        label=_("Your password"), required=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    phrase = forms.CharField(label=_("Type “delete my account” to confirm"), required=False, max_length=100)
    remove_contributions = forms.BooleanField(
        label=_("Also remove my proposals, comments, assessments and pilot ratings"),
        required=False,
        help_text=_(
            "Otherwise they stay on the site, shown as written by a former participant. Removed proposals take "
            "their votes and discussion with them."
        ),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted for good and cannot be restored"),
        required=True,
        error_messages={"required": _("Tick the box to confirm that you want your account deleted.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            del self.fields["phrase"]
        else:
            del self.fields["password"]

    def clean(self):
        cleaned = super().clean()
        if "password" in self.fields:
            if not self.user.check_password(cleaned.get("password") or ""):
                self.add_error("password", _("That is not your password."))
        elif (cleaned.get("phrase") or "").strip().lower() != str(self.PHRASE).lower():
            self.add_error("phrase", _("Type the phrase exactly as shown to confirm."))
        return cleaned
