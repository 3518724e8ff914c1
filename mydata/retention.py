"""Retention rules, applied by ``manage.py purge_retention`` (run daily).

- Accounts whose e-mail address was never verified, that never signed in, joined more than
  ``RETENTION_UNVERIFIED_DAYS`` ago, are not staff and have contributed nothing (no proposal, comment,
  vote, assessment, report or rating): deleted. Anything with a contribution stays, so no counter moves.
- "Download my data" archives past their expiry: file and row deleted.
- Sessions past their expiry: the platform's only login records besides ``last_login``.
"""

import logging
from datetime import timedelta
from importlib import import_module

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .services import purge_expired_exports

logger = logging.getLogger(__name__)

CONTRIBUTIONS = ("proposals", "comments", "votes", "assessments", "reports", "pilot_feedback")


def inactive_unverified_accounts(now=None):
    cutoff = (now or timezone.now()) - timedelta(days=settings.RETENTION_UNVERIFIED_DAYS)
    verified = EmailAddress.objects.filter(verified=True).values("user_id")
    users = (
        get_user_model()
        .objects.filter(date_joined__lt=cutoff, last_login__isnull=True, is_staff=False, is_superuser=False)
        .exclude(pk__in=verified)
    )
    for relation in CONTRIBUTIONS:
        users = users.filter(**{f"{relation}__isnull": True})
    return users.distinct()


def purge(*, dry_run: bool = False, now=None) -> dict[str, int]:
    now = now or timezone.now()
    accounts = inactive_unverified_accounts(now)
    if dry_run:
        return {"accounts": accounts.count()}
    with transaction.atomic():
        ids = list(accounts.values_list("pk", flat=True))
        get_user_model().objects.filter(pk__in=ids).delete()
    exports = purge_expired_exports(now)
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    # Counts only: the log keeps no personal data of the people purged.
    logger.info("Retention purge: %s accounts, %s archives", len(ids), exports)
    return {"accounts": len(ids), "archives": exports}


@task
def run_retention() -> dict[str, int]:
    """The daily retention run, queued by the scheduler (``settings.SCHEDULE``)."""
    return purge()
