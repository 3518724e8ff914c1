"""Korean mobile numbers: what residents type (010-1234-5678, 01012345678, +82 10 1234 5678) becomes E.164.

Text messages go only to Korean mobiles, so a foreign number, a landline or a malformed one is refused with a
message that says which. Parsing and validity come from ``phonenumbers`` (Google's libphonenumber metadata).
"""

import phonenumbers
from allauth.account.fields import PhoneField
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

REGION = "KR"
MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_korean_mobile(value: str) -> str:
    """``value`` in E.164 (``+821012345678``), or ``ValidationError`` saying what is wrong with it."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("Enter your mobile number."), code="required")
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a mobile number such as 010-1234-5678."), code="invalid_phone") from exc
    if number.country_code != phonenumbers.country_code_for_region(REGION):
        raise ValidationError(
            _("Only Korean mobile numbers (010-…) can receive our text messages."), code="foreign_phone"
        )
    if not phonenumbers.is_valid_number_for_region(number, REGION):
        raise ValidationError(_("Enter a mobile number such as 010-1234-5678."), code="invalid_phone")
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValidationError(_("This is not a mobile number: text messages need a mobile (010-…)."), code="not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_format(e164: str) -> str:
    """``+821012345678`` -> ``010-1234-5678``; anything unparsable is returned as it is."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


class KoreanMobileField(PhoneField):
    """allauth's phone field (used by its sign-up, sign-in by code and change-number forms), for Korean mobiles."""

    def __init__(self, *args, **kwargs):
        kwargs["validators"] = []
        kwargs.setdefault("label", _("Mobile phone"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "placeholder": "010-1234-5678",
                    "autocomplete": "tel-national",
                    "type": "tel",
                    "inputmode": "tel",
                }
            ),
        )
        kwargs.setdefault("help_text", _("A Korean mobile number. We send a one-time code to it by text message."))
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = forms.CharField.clean(self, value)
        if not value:
            return value
        return normalize_korean_mobile(value)
