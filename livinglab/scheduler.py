"""Periodic work: ``manage.py run_scheduler`` queues each job of ``settings.SCHEDULE`` at its cron times.

The scheduler does no work itself. A job names a ``django.tasks`` task, which is enqueued for the task worker,
or a cheap function that only decides what to enqueue (the sensor sources that are due), which is called.
Cron expressions are read by cronsim in ``settings.TIME_ZONE`` (Asia/Seoul).

Each job runs once per slot (the latest cron time at or before now), claimed with an atomic ``cache.add``:
two schedulers (a second replica, or one restarted within the slot) never queue a slot twice. A slot
missed because no scheduler was running is still queued within the job's ``grace``; later than that it is
skipped and logged, so a scheduler started on a Wednesday does not send Monday's digest.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(minutes=30)


@dataclass(frozen=True)
class Job:
    name: str
    target: str
    cron: str
    grace: timedelta = DEFAULT_GRACE

    def slot(self, now: datetime) -> datetime:
        """The latest cron time at or before ``now`` (cron has minutes; a slot starts at second 0)."""
        local = now.astimezone(ZoneInfo(settings.TIME_ZONE)).replace(microsecond=0) + timedelta(seconds=1)
        return next(CronSim(self.cron, local, reverse=True))

    def claim_key(self, slot: datetime) -> str:
        return f"scheduler:{self.name}:{slot.isoformat()}"

    def run(self) -> str:
        target = import_string(self.target)
        if isinstance(target, Task):
            return f"queued {target.enqueue().id}"
        return f"ran: {target()!r}"


def jobs() -> list[Job]:
    """``settings.SCHEDULE``, checked: every cron expression parses and every target imports."""
    found = []
    for name, spec in settings.SCHEDULE.items():
        job = Job(name=name, target=spec["task"], cron=spec["cron"], grace=spec.get("grace", DEFAULT_GRACE))
        try:
            CronSim(job.cron, timezone.now())
            target = import_string(job.target)
        except (CronSimError, ImportError) as exc:
            raise ImproperlyConfigured(f"SCHEDULE[{name!r}]: {exc}") from exc
        if not (isinstance(target, Task) or callable(target)):
            raise ImproperlyConfigured(f"SCHEDULE[{name!r}]: {job.target} is neither a task nor a function")
        found.append(job)
    return found


def tick(now: datetime | None = None, schedule: list[Job] | None = None) -> dict[str, str]:
    """Queue every job whose current slot is within its grace and not yet claimed. Returns what happened."""
    now = now or timezone.now()
    outcome = {}
    for job in jobs() if schedule is None else schedule:
        slot = job.slot(now)
        if now - slot > job.grace:
            continue  # between slots (or missed): the next slot will come
        if not cache.add(job.claim_key(slot), now.isoformat(), timeout=int(job.grace.total_seconds()) * 2 + 60):
            continue  # this slot is queued already, by this scheduler or another
        try:
            outcome[job.name] = job.run()
        except Exception:  # one broken job must not stop the others; the next slot tries again
            logger.exception("Scheduled job %s failed for the slot %s", job.name, slot.isoformat())
            outcome[job.name] = "failed"
        else:
            logger.info("Scheduled job %s (slot %s): %s", job.name, slot.isoformat(), outcome[job.name])
    return outcome
