"""The notifications app's background tasks (``django.tasks``): fan-out to followers and e-mail in batches.

Enqueued after commit by ``notifications.subscribers``, so a request returns before any follower is
counted or any mail server is contacted. Arguments are JSON (ids and an event's payload), never objects.
"""

import logging

from django.tasks import task
from django.utils import timezone

from livinglab.events import Event

from . import events, mail
from .models import OutgoingEmail

logger = logging.getLogger(__name__)


@task
def deliver_notifications(event: dict) -> int:
    """Store the notifications a domain event calls for and queue its e-mail; returns how many e-mails."""
    letters = events.deliver(Event.from_json(event))
    if letters:
        mail.queue_emails(letters, enqueue=send_email_batch.enqueue)
    return len(letters)


@task
def send_email_batch(email_ids: list[int]) -> int:
    """Send one batch of stored e-mails; the failed ones are tried again later. Returns how many failed."""
    retry = mail.send_batch(email_ids)
    if retry:
        schedule_retry(retry)
    return len(retry)


def schedule_retry(email_ids: list[int]) -> bool:
    """Enqueue a later try of ``email_ids`` when the task backend can defer; they stay stored either way.

    Without deferral (the immediate backend of the tests, say) a retry at once would hammer a server that just
    failed, so the rows wait for ``manage.py send_pending_emails``.
    """
    if not send_email_batch.get_backend().supports_defer:
        logger.warning("%d e-mails wait for `manage.py send_pending_emails`", len(email_ids))
        return False
    attempts = max(OutgoingEmail.objects.filter(pk__in=email_ids).values_list("attempts", flat=True), default=1)
    later = send_email_batch.using(run_after=timezone.now() + mail.retry_delay(attempts))
    later.enqueue(email_ids)
    return True
