"""Where a person's news (status changes, session reminders) reaches them: e-mail, a text message, or nothing.

The account's own choice and contacts decide (``User.news_channel``). One more way in: a resident registered at
a staff desk (``desk.DeskResident``) has the phone number the desk wrote down, not a verified phone of their
own, and an e-mail placeholder that reaches nobody, so their account alone reaches nobody. When the desk
recorded that they want text messages (``User.notify_by`` = SMS, with their consent, ``desk.services``), texts
go to the desk's number until the account has a verified phone of its own. The choice lives on the account, so
it carries over when the resident claims it, and they change it on their profile page like anyone. Until then
only the desk can change it, so their texts say "tell the desk" instead of linking to a profile they cannot
open. Every text still goes through ``livinglab.sms.send_sms_task`` (the same pluggable sender).

It lives with the accounts (a person's contacts and choice), not with the notifications that use it: the desk's
resident page shows it too, and domain apps know nothing of notifications. The desk's record is read through
its reverse relation by name (``desk_registration``), so this module imports nothing from the desk app.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import NotifyBy
from livinglab.site_url import absolute_url

EMAIL, SMS, NONE = NotifyBy.EMAIL.value, NotifyBy.SMS.value, NotifyBy.NONE.value

# Why nobody is reached, for the desk's page (lazy: rendered in the staff member's language).
WHY_NOT = {
    "inactive": gettext_lazy("the account is closed"),
    "opted_out": gettext_lazy("the resident chose no messages"),
    "no_phone": gettext_lazy("no phone number"),
    "no_choice": gettext_lazy("the resident's choice of text messages is not recorded"),
    "no_contact": gettext_lazy("no e-mail address or verified phone"),
}


@dataclass(frozen=True)
class Reach:
    """How news reaches one person: ``channel`` ("email", "sms" or "none"), the address or number, the language
    to write in, the desk centre whose number it is (texts to an unclaimed desk account), and why not."""

    pk: int
    channel: str
    address: str = ""
    language: str = ""
    desk_centre: str = ""
    why_not: str = ""

    @property
    def stop_hint(self) -> str:
        """Where the reader stops texts: the desk for an account they cannot sign in to, else their profile."""
        if self.desk_centre:
            return _("Stop: tell the desk at %(centre)s") % {"centre": self.desk_centre}
        return _("Stop: %(url)s") % {"url": absolute_url(reverse("accounts:profile"))}

    @property
    def why_not_text(self) -> str:
        return str(WHY_NOT.get(self.why_not, ""))


def with_desk(users):
    """``users`` with the desk's record of each (phone, centre, claimed), in the same query (NULL for others)."""
    return users.annotate(
        desk_phone=F("desk_registration__phone"),
        desk_centre=F("desk_registration__centre__name"),
        desk_claimed_at=F("desk_registration__claimed_at"),
        desk_registered=F("desk_registration__pk"),
    )


def reach_of(user) -> Reach:
    """Where news reaches ``user`` (loaded through ``with_desk``, or any user: the desk's record is then read)."""
    if not hasattr(user, "desk_registered"):
        user = with_desk(get_user_model().objects.filter(pk=user.pk)).get()
    language = user.reading_language
    channel = user.news_channel
    if channel == EMAIL:
        return Reach(user.pk, EMAIL, user.own_email, language)
    if channel == SMS:
        return Reach(user.pk, SMS, user.phone, language)
    if not user.is_active or user.is_erased:
        return Reach(user.pk, NONE, why_not="inactive")
    if user.notify_by == NotifyBy.NONE:
        return Reach(user.pk, NONE, why_not="opted_out")
    if user.desk_registered is None:
        return Reach(user.pk, NONE, why_not="no_contact")
    if not user.desk_phone:
        return Reach(user.pk, NONE, why_not="no_phone")
    if user.notify_by != NotifyBy.SMS:
        # "Automatic" (or e-mail without an address) is no consent to texts at a number the desk wrote down.
        return Reach(user.pk, NONE, why_not="no_choice")
    centre = "" if user.desk_claimed_at else user.desk_centre
    return Reach(user.pk, SMS, user.desk_phone, language, desk_centre=centre)


def reach(user_ids) -> dict[int, Reach]:
    """Where news reaches each of ``user_ids`` (unknown ids are dropped), in one query."""
    users = with_desk(get_user_model().objects.filter(pk__in=set(user_ids))).order_by("pk")
    return {user.pk: reach_of(user) for user in users}
