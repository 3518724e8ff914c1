"""Status changes by text message, for people whose news goes by SMS (``accounts.reach``).

Residents who signed up with only a phone (many older residents), and anyone who chose text messages, hear
that a proposal they follow changed status through the same pluggable sender as sign-in codes
(``livinglab.sms``). Subscribed to the same domain event as the e-mail; after commit it only enqueues a task,
which finds the recipients and hands each text to ``livinglab.sms.send_sms_task``. Opting out is choosing
"only on the site" on the profile page (or, for a resident whose account the desk still keeps, telling the desk);
each text says where. Each text is in its reader's language.
"""

import logging

from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.reach import Reach, reach
from livinglab.events import AFTER_COMMIT, Event, subscribe
from livinglab.site_url import absolute_url, site_name
from livinglab.sms import send_sms_task
from proposals.models import Proposal, ProposalStatus

from .events import followers

logger = logging.getLogger(__name__)


def sms_recipients(user_ids) -> list[Reach]:
    """Those among ``user_ids`` whose news goes by text message (``accounts.reach``): the account's own
    verified phone, or the number a desk recorded for a resident who chose texts there."""
    return [found for found in reach(user_ids).values() if found.channel == "sms"]


@task
def send_status_texts(proposal_id: int, actor_id: int | None, to_status: str) -> int:
    """Text every follower of the proposal whose channel is SMS; returns how many texts were enqueued."""
    proposal = Proposal.objects.visible().filter(pk=proposal_id).first()
    if proposal is None:
        return 0
    recipients = sms_recipients(followers([proposal.pk], exclude=actor_id))
    if not recipients:
        return 0
    bodies: dict[tuple[str, str], str] = {}
    for recipient in recipients:
        key = (recipient.language, recipient.desk_centre)
        if key not in bodies:
            with translation.override(recipient.language):
                bodies[key] = _("[%(site)s] “%(title)s” is now: %(status)s. %(link)s %(stop)s") % {
                    "site": site_name(),
                    "title": proposal.title[:40],
                    "status": ProposalStatus(to_status).label,
                    "link": absolute_url(proposal.get_absolute_url()),
                    "stop": recipient.stop_hint,
                }
        send_sms_task.enqueue(recipient.address, bodies[key])
    return len(recipients)


@subscribe("proposal.status_changed", phase=AFTER_COMMIT)
def status_changed_by_sms(event: Event) -> None:
    send_status_texts.enqueue(event.proposal_id, event.actor_id, event.data.get("to_status") or "")
