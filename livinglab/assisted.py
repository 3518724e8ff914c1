"""The ``assisted`` context: a staff member at a centre's desk acting for a resident.

Domain services (``submit_proposal``, ``cast_vote``, ``post_comment``, ``submit_feedback``,
``register_for_session``) take an optional ``assisted=`` argument instead of being copied for the desk. The
context says who helped, how the action arrived (in person, by phone, from paper) and at which centre; the
service stamps the content with it and writes the audit row. Only ``desk.services.assisted_context`` builds one, after checking that the staff
member belongs to the resident's centre; the services check the rest (the resident is the one acting, the
helper is desk staff, the channel is one staff may use).
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from .errors import ActionRefused

# How a contribution arrived when staff helped; "online" is the resident's own channel.
ASSISTED_CHANNELS = ("in_person", "phone", "paper")


@dataclass(frozen=True)
class Assisted:
    """Who helped ``resident_id`` do this, how, and where; shown as "submitted with help at <centre>"."""

    staff: Any
    resident_id: int
    channel: str
    centre: str
    paper_reference: str = ""

    def check(self, resident) -> None:
        """Refuse a context used for someone else, by someone who is not desk staff, or on the online channel."""
        if resident is None or resident.pk != self.resident_id:
            raise ActionRefused(_("This help was recorded for another resident."), status=400)
        staff = self.staff
        if staff is None or not staff.is_authenticated or not staff.is_active or not staff.is_desk_staff:
            raise ActionRefused(_("Only desk staff can act for a resident."), status=403)
        if self.channel not in ASSISTED_CHANNELS:
            raise ActionRefused(
                _("Choose how the resident reached the desk: in person, by phone or on paper."), status=400
            )

    def audit_data(self) -> dict:
        """What the audit row keeps about the help (ids and labels, no personal data)."""
        data = {"channel": self.channel, "resident_id": self.resident_id, "centre": self.centre, "assisted": True}
        if self.paper_reference:
            data["paper_reference"] = self.paper_reference
        return data
