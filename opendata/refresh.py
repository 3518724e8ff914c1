"""When public data change, schedule a dataset refresh after the commit (never inside the request).

This is the library seam kind of signal use (like search index sync): one receiver that only schedules a
task. Changes that bypass model signals (counter updates with ``F()``, bulk imports) are caught by the
periodic ``manage.py refresh_datasets``, which rebuilds only what changed: rollups rewritten by a sensor
pull, check-ins recorded with ``update()``, and a session that has just ended. The newer apps announce their
changes as domain events, and those are subscribed to here.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished

from challenges.models import ChallengePage
from codesign.models import Session, WalkIn
from livinglab.events import AFTER_COMMIT, subscribe
from pilots.models import PilotMetric, PilotPage, ResultDataPoint, ResultSeries
from proposals.models import Assessment, Proposal, StatusChange

from .tasks import refresh_datasets

logger = logging.getLogger(__name__)


def _enqueue():
    try:
        refresh_datasets.enqueue()
    except Exception:
        logger.exception("Could not enqueue the dataset refresh; the periodic refresh will catch up")


def schedule_refresh(**kwargs) -> None:
    if settings.OPENDATA_REFRESH_ON_CHANGE:
        transaction.on_commit(_enqueue, robust=True)


@subscribe(
    ("sensors.readings_ingested", "codesign.registration_changed", "challenge.stage_changed", "challenge.decided"),
    phase=AFTER_COMMIT,
)
def refresh_after_event(event) -> None:
    # After-commit receivers already run once the transaction has committed.
    if settings.OPENDATA_REFRESH_ON_CHANGE:
        _enqueue()


def connect_sources() -> None:
    for model in (Proposal, StatusChange, Assessment, PilotMetric, ResultSeries, ResultDataPoint, Session, WalkIn):
        post_save.connect(schedule_refresh, sender=model, dispatch_uid=f"opendata-save-{model._meta.label}")
        post_delete.connect(schedule_refresh, sender=model, dispatch_uid=f"opendata-delete-{model._meta.label}")
    for signal in (page_published, page_unpublished):
        for page_model in (PilotPage, ChallengePage):
            signal.connect(
                schedule_refresh, sender=page_model, dispatch_uid=f"opendata-{id(signal)}-{page_model._meta.label}"
            )
