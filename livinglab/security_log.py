"""One warning line per security refusal, on the ``livinglab.security`` logger (routed in ``settings.LOGGING``).

Wrong or voided one-time codes, code lockouts, text-message floods and refused desk claim codes are logged where
they are refused, so that an operator can see an attack on a number or from an address. A line names the
event, the last four digits of the phone number and the client's address; never a whole number, never a code.
"""

import logging

logger = logging.getLogger("livinglab.security")


def masked_number(phone: str | None) -> str:
    """The last four digits of a number (``***5678``), or ``-`` when there is none."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return f"***{digits[-4:]}" if digits else "-"


def log_refusal(event: str, *, phone: str | None = None, ip: str | None = None, **details) -> None:
    """Log one refusal: a dotted ``event`` (``accounts.code.wrong``), the masked number, the address, and any
    further ``details`` (which must never hold a number or a code)."""
    extra = "".join(f" {key}={value}" for key, value in sorted(details.items()))
    logger.warning("%s phone=%s ip=%s%s", event, masked_number(phone), ip or "-", extra)
