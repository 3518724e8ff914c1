"""E-mail that is never lost: stored first, sent in batches by background tasks, retried when a send fails.

``queue_emails`` stores one ``OutgoingEmail`` row per message and, after the commit, enqueues one
``send_email_batch`` task per ``EMAIL_BATCH_SIZE`` rows. ``send_batch`` sends a batch over one connection,
message by message, so one bad address or a dropped connection marks exactly the rows that failed. A failed
row stays pending with its error; it is retried by a deferred task when the task backend can defer (the
database backend can), and by ``manage.py send_pending_emails`` in any case. After ``EMAIL_MAX_ATTEMPTS`` it
is marked failed and logged, and stays stored.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import EmailStatus, OutgoingEmail

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Letter:
    """One message to compose: who it is for, and what it says."""

    recipient_id: int | None
    to_address: str
    subject: str
    body: str


def batch_size() -> int:
    return int(getattr(settings, "EMAIL_BATCH_SIZE", 100))


def max_attempts() -> int:
    return int(getattr(settings, "EMAIL_MAX_ATTEMPTS", 5))


def retry_delay(attempts: int) -> timedelta:
    """Back off: one minute after the first failure, doubling, at most an hour."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def queue_emails(letters: list[Letter], *, enqueue) -> list[int]:
    """Store ``letters`` and, after the commit, call ``enqueue(ids)`` once per batch. Returns the row ids."""
    with transaction.atomic():
        rows = OutgoingEmail.objects.bulk_create(
            OutgoingEmail(
                recipient_id=letter.recipient_id,
                to_address=letter.to_address,
                subject=letter.subject[:200],
                body=letter.body,
            )
            for letter in letters
        )
        ids = [row.pk for row in rows]
        for batch in chunks(ids, batch_size()):
            transaction.on_commit(lambda batch=batch: enqueue(batch), robust=True)
    return ids


def _message(row: OutgoingEmail) -> EmailMessage:
    return EmailMessage(row.subject, row.body, to=[row.to_address])


def send_batch(ids: list[int]) -> list[int]:
    """Send the pending rows among ``ids`` over one connection; returns the ids that failed and will be retried."""
    rows = list(OutgoingEmail.objects.filter(pk__in=ids, status=EmailStatus.PENDING).order_by("id"))
    if not rows:
        return []
    retry = []
    try:
        connection = mailers.default
        connection.open()
    except Exception as exc:  # noqa: BLE001 - the mail server is down: every row of the batch waits
        logger.warning("Could not connect to the mail server for %d e-mails: %s", len(rows), exc)
        return [row.pk for row in rows if _record_failure(row, exc)]
    sent = []
    try:
        for row in rows:
            try:
                connection.send_messages([_message(row)])
            except Exception as exc:  # noqa: BLE001 - this message failed; the others go on
                if _record_failure(row, exc):
                    retry.append(row.pk)
            else:
                sent.append(row.pk)
    finally:
        # One update for the batch: if the worker dies before it, the batch is sent again (at least once,
        # never lost), which a few duplicate e-mails in a crash are worth.
        OutgoingEmail.objects.filter(pk__in=sent).update(
            status=EmailStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
        )
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection must not hide what was sent
            logger.warning("Closing the mail connection failed", exc_info=True)
    return retry


def _record_failure(row: OutgoingEmail, exc: Exception) -> bool:
    """Count the failed attempt; True if the row stays pending for another try, False if it gave up."""
    attempts = row.attempts + 1
    gives_up = attempts >= max_attempts()
    OutgoingEmail.objects.filter(pk=row.pk).update(
        attempts=attempts,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
        status=EmailStatus.FAILED if gives_up else EmailStatus.PENDING,
    )
    log = logger.error if gives_up else logger.warning
    log("E-mail %s to %s failed (attempt %d): %s", row.pk, row.to_address, attempts, exc)
    return not gives_up


def pending_ids(*, include_failed: bool = False) -> list[int]:
    """The rows still waiting; with ``include_failed``, those that gave up are given a fresh set of attempts."""
    if include_failed:
        OutgoingEmail.objects.filter(status=EmailStatus.FAILED).update(status=EmailStatus.PENDING, attempts=0)
    return list(OutgoingEmail.objects.filter(status=EmailStatus.PENDING).order_by("id").values_list("pk", flat=True))
