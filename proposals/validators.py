"""Checks on what residents type and where they point on the map, shared by models, forms and services."""

import math
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Something that looks like an HTML tag, comment or doctype: "<b>", "</script>", "<img src=x>", "<!-- -->".
HTML_TAG = re.compile(r"<(?:[a-zA-Z]|/[a-zA-Z]|!|\?)[^>]*>")
# Markdown link targets: inline "[text](target)" and reference "[label]: target".
INLINE_LINK_TARGET = re.compile(r"\]\(\s*<?\s*([^)\s>]*)")
REFERENCE_LINK_TARGET = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?\s*(\S*)", re.MULTILINE)
# A target must start with an allowed scheme: this also refuses relative links and obfuscated schemes
# such as "java&#115;cript:" or "java\tscript:".
ALLOWED_TARGET = re.compile(r"^(?:https?://|mailto:)\S", re.IGNORECASE)


@deconstructible
class UserTextValidator:
    """Plain text or simple Markdown only: no HTML, and links only to http(s) and mailto addresses."""

    def __call__(self, value):
        if not value:
            return
        if HTML_TAG.search(value):
            raise ValidationError(
                _("HTML is not allowed. Write plain text, or simple Markdown such as **bold** and [links](https://…)."),
                code="html",
            )
        targets = INLINE_LINK_TARGET.findall(value) + REFERENCE_LINK_TARGET.findall(value)
        for target in targets:
            if not ALLOWED_TARGET.match(target):
                raise ValidationError(
                    _("Links must start with http://, https:// or mailto:. Other kinds of links are not allowed."),
                    code="link_scheme",
                )

    def __eq__(self, other):
        return isinstance(other, UserTextValidator)


validate_user_text = UserTextValidator()


def validate_point(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    """Both coordinates or neither; finite numbers inside ``settings.PROPOSAL_MAP_BOUNDS``.

    Returns them as Decimals rounded to the six places the database keeps.
    """
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    if latitude in (None, "") or longitude in (None, ""):
        raise ValidationError(_("Give both latitude and longitude, or neither."), code="point_incomplete")
    try:
        lat = Decimal(str(latitude).strip())
        lng = Decimal(str(longitude).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(_("The map point must be two numbers."), code="point_invalid") from None
    if not (lat.is_finite() and lng.is_finite() and math.isfinite(float(lat)) and math.isfinite(float(lng))):
        raise ValidationError(_("The map point must be two finite numbers."), code="point_invalid")
    bounds = settings.PROPOSAL_MAP_BOUNDS
    if not (
        Decimal(str(bounds["south"])) <= lat <= Decimal(str(bounds["north"]))
        and Decimal(str(bounds["west"])) <= lng <= Decimal(str(bounds["east"]))
    ):
        raise ValidationError(_("The map point is outside the district's map."), code="point_out_of_bounds")
    quantum = Decimal("0.000001")
    return lat.quantize(quantum), lng.quantize(quantum)


# Easy-read summaries (proposals and pilots): a few short sentences, one a line, in plain text. The limits keep
# them short enough to be read in one go by someone who finds long text hard.
EASY_READ_MAX_LENGTH = 600
EASY_READ_MAX_LINES = 10
EASY_READ_MAX_LINE_LENGTH = 120
# Control characters other than the line break (a pasted form feed or a bidi override must not survive).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def normalise_easy_read(text: str) -> str:
    """Plain lines: control characters dropped, spaces collapsed, empty lines removed."""
    lines = (" ".join(CONTROL_CHARACTERS.sub(" ", line).split()) for line in (text or "").splitlines())
    return "\n".join(line for line in lines if line)


def easy_read_lines(text: str) -> list[str]:
    """The summary's sentences, one per line, as the pages show them."""
    return normalise_easy_read(text).splitlines()


def validate_easy_read(value: str) -> None:
    """Plain text in short lines: no markup, at most ``EASY_READ_MAX_LINES`` lines of
    ``EASY_READ_MAX_LINE_LENGTH`` characters."""
    if not value:
        return
    if HTML_TAG.search(value):
        raise ValidationError(_("Write plain text: HTML is not allowed in an easy-read summary."), code="html")
    if len(value) > EASY_READ_MAX_LENGTH:
        raise ValidationError(
            _("Keep the summary under %(max)d characters.") % {"max": EASY_READ_MAX_LENGTH}, code="too_long"
        )
    lines = easy_read_lines(value)
    if len(lines) > EASY_READ_MAX_LINES:
        raise ValidationError(
            _("Write at most %(max)d short sentences, one on each line.") % {"max": EASY_READ_MAX_LINES},
            code="too_many_lines",
        )
    if any(len(line) > EASY_READ_MAX_LINE_LENGTH for line in lines):
        raise ValidationError(
            _("Keep each sentence under %(max)d characters: split long sentences in two.")
            % {"max": EASY_READ_MAX_LINE_LENGTH},
            code="line_too_long",
        )
