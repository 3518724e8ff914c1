"""The desk's forms; ``desk.services`` decides what happens with what they parse."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.forms import WagtailAdminModelForm

from accounts.models import NotifyBy, User
from livinglab.forms import LocalizedChoiceField
from proposals.forms import PlainLabelForm, ProposalSubmitForm
from proposals.models import Area, FilingChannel, Proposal

from .chooser import appointable_users, appointee_chooser_viewset, appointee_label
from .models import AgeBand, DeskStaff

ASSISTED_CHANNEL_CHOICES = [
    (FilingChannel.IN_PERSON.value, _("In person at the desk")),
    (FilingChannel.PHONE.value, _("By phone")),
    (FilingChannel.PAPER.value, _("On a paper form")),
]


class ChannelField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("How did the resident reach you?"))
        kwargs.setdefault("choices", ASSISTED_CHANNEL_CHOICES)
        kwargs.setdefault("initial", FilingChannel.IN_PERSON.value)
        kwargs.setdefault("widget", forms.RadioSelect)
        super().__init__(**kwargs)


NEWS_CHOICES = [
    (NotifyBy.SMS.value, _("Text messages to this phone (the resident agreed)")),
    (NotifyBy.NONE.value, _("No messages")),
]


class NewsField(forms.ChoiceField):
    """How the resident wants to hear about their proposals and co-design sessions (no pre-selection: ask)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Messages about their proposals and co-design sessions"))
        kwargs.setdefault("choices", NEWS_CHOICES)
        kwargs.setdefault("widget", forms.RadioSelect)
        super().__init__(**kwargs)


class RegisterResidentForm(PlainLabelForm):
    display_name = forms.CharField(label=_("Name"), max_length=60, help_text=_("As the resident wants to be shown."))
    phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("e.g. 010-1234-5678. Leave empty if the resident has none."),
    )
    area = LocalizedChoiceField(
        label=_("Neighbourhood"), queryset=Area.objects.neighbourhoods(), empty_label=_("Choose…")
    )
    age_band = forms.ChoiceField(
        label=_("Age band (optional, only if the resident wants to say)"),
        choices=[("", _("Not given"))] + list(AgeBand.choices),
        required=False,
    )
    news = NewsField(
        required=False,
        help_text=_(
            "Ask the resident. Without an answer nothing is sent to the number, until it is recorded on their "
            "page. Once they take the account over, they change it themselves."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of the messages"), choices=settings.LANGUAGES, initial="ko", required=False
    )
    consent_given = forms.BooleanField(
        label=_("The resident signed the paper consent form."),
        error_messages={"required": _("Register a resident only after they signed the consent form.")},
    )
    consent_reference = forms.CharField(
        label=_("Consent form number"), max_length=40, help_text=_("The number on the signed form, e.g. C-2026-0153.")
    )


class NewsChoiceForm(forms.Form):
    news = NewsField()


class AssistedProposalForm(ProposalSubmitForm):
    """The resident's proposal form, filled in by staff, with how it came in and the photos' descriptions."""

    channel = ChannelField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Staff type from paper: the similar-problems search while typing would only distract.
        for attr in ("hx-get", "hx-trigger", "hx-target", "hx-include"):
            self.fields["title"].widget.attrs.pop(attr, None)

    def service_kwargs(self) -> dict:
        return {
            **super().service_kwargs(),
            "photos": self.cleaned_data["photos"],
            "photo_alt_texts": self.photo_alt_texts(),
        }


class PaperEntryForm(AssistedProposalForm):
    """One paper form: which form it is (the general call or a challenge's own), its printed reference, whose it
    is, and what it says."""

    reference = forms.CharField(
        label=_("Paper reference number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
        help_text=_("Printed at the top right of the form."),
    )
    resident = forms.TypedChoiceField(label=_("Resident"), coerce=int, empty_value=None)

    field_order = [
        "challenge",
        "reference",
        "resident",
        "title",
        "description",
        "category",
        "area",
        "photos",
        "photo_alt_text",
    ]

    def __init__(self, *args, residents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("channel")
        self.fields.pop("latitude")
        self.fields.pop("longitude")
        self.fields["resident"].choices = [("", _("Choose…"))] + [
            (r.pk, f"{r.user.display_name} · {r.consent_reference}") for r in residents
        ]
        challenge = self.fields.get("challenge")
        if challenge is not None:
            # Offered while a challenge's call is open: its own paper form files the proposal into it.
            challenge.label = _("Which paper form")
            challenge.help_text = _("The title printed at the top of the form. It stays chosen for the next form.")
            challenge.choices = [("", _("The general call (no challenge)")), *list(challenge.choices)[1:]]

    def clean(self):
        cleaned = forms.Form.clean(self)
        cleaned["latitude"] = cleaned["longitude"] = None
        return cleaned


class SupportForm(PlainLabelForm):
    proposal = forms.IntegerField(label=_("Proposal number"), min_value=1, max_value=2**31 - 1)
    channel = ChannelField()

    def clean_proposal(self):
        proposal = Proposal.objects.public().filter(pk=self.cleaned_data["proposal"]).first()
        if proposal is None:
            raise forms.ValidationError(_("There is no public proposal with this number."))
        return proposal


class CommentForResidentForm(SupportForm):
    body = forms.CharField(label=_("What the resident said"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


class RatePilotForm(PlainLabelForm):
    pilot = forms.TypedChoiceField(label=_("Pilot"), coerce=int, empty_value=None)
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Why (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )
    channel = ChannelField()

    def __init__(self, *args, pilots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pilots = {p.pk: p for p in pilots}
        self.fields["pilot"].choices = [("", _("Choose…"))] + [(p.pk, p.title) for p in pilots]

    def clean_pilot(self):
        return self.pilots[self.cleaned_data["pilot"]]


class SessionRegistrationForm(PlainLabelForm):
    """A co-design session the resident wants to attend; a full one puts them on its waiting list."""

    session = forms.TypedChoiceField(label=_("Session"), coerce=int, empty_value=None)
    channel = ChannelField()

    def __init__(self, *args, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = {s.pk: s for s in sessions}
        self.fields["session"].choices = [("", _("Choose…"))] + [(s.pk, self.label_of(s)) for s in sessions]

    @staticmethod
    def label_of(session) -> str:
        when = timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")
        if session.is_full:
            seats = _("full: waiting list")
        else:
            seats = ngettext("%(count)d seat left", "%(count)d seats left", session.seats_left) % {
                "count": session.seats_left
            }
        return f"{when} · {session.title} · {seats}"

    def clean_session(self):
        return self.sessions[self.cleaned_data["session"]]


class ClaimForm(PlainLabelForm):
    number = forms.CharField(
        label=_("Letter number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("The 8 digits printed on your letter."),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
        help_text=_("The 8 letters and digits printed below the number."),
    )
    # Both optional here: ``services.claim_account`` knows whether the code came by text message (then a
    # verified phone is enough) or on a printed letter (then an e-mail address and a password are needed).
    email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_(
            "Needed if your code came on a printed letter. If it came by text message, you may leave it empty "
            "and sign in with your mobile number."
        ),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text=_("Needed with an e-mail address."),
    )
    password_again = forms.CharField(
        label=_("The password again"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("password") or "") != (cleaned.get("password_again") or ""):
            self.add_error("password_again", _("The two passwords are not the same."))
        return cleaned


class PopulationForm(PlainLabelForm):
    area = LocalizedChoiceField(
        label=_("Neighbourhood"), queryset=Area.objects.neighbourhoods(), empty_label=_("Choose…")
    )
    total = forms.IntegerField(label=_("Population"), min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for band, label in AgeBand.choices:
            self.fields[f"band_{band}"] = forms.IntegerField(
                label=_("Aged %(band)s (optional)") % {"band": label}, min_value=0, required=False
            )


class PopulationImportForm(PlainLabelForm):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, first line: dong,population,under_20,20_39,40_59,60_74,75_plus (age bands optional)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


# --- the administrators' side: appointing desk staff in the admin ---------------------------------------


class AppointeeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return appointee_label(obj)


class DeskStaffAppointForm(WagtailAdminModelForm):
    """Make a resident desk staff at a centre (saved by ``desk.services.appoint_desk_staff``)."""

    # A search in a modal, not a dropdown: a district has thousands of accounts (``desk.chooser``). The field
    # still accepts only ``appointable_users()``, whatever id is posted.
    user = AppointeeChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        widget=appointee_chooser_viewset.widget_class,
        help_text=_(
            "Search by name, e-mail address or mobile number. Residents with an active account who are not desk "
            "staff yet. To move someone to another centre, edit their appointment instead."
        ),
    )

    class Meta:
        model = DeskStaff
        fields = ["user", "centre"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = appointable_users()


class DeskStaffMoveForm(WagtailAdminModelForm):
    """Move a staff member to another centre's desk (the person stays; ``appoint_desk_staff`` moves them)."""

    class Meta:
        model = DeskStaff
        fields = ["centre"]
