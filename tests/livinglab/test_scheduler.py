"""The scheduler queues each periodic job once per cron slot, within its grace, for the task worker."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.tasks import default_task_backend

from livinglab import scheduler
from sensors.models import Source

SEOUL = ZoneInfo("Asia/Seoul")
MONDAY_8 = datetime(2026, 11, 30, 8, 0, tzinfo=SEOUL)  # a Monday


@pytest.fixture(autouse=True)
def worker_elsewhere(settings):
    """Tasks wait in the dummy backend, as they would in the database for the worker."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield
    default_task_backend.clear()


def queued(task_path: str) -> int:
    return sum(result.task.module_path == task_path for result in default_task_backend.results)


def test_every_job_of_the_settings_parses_and_imports():
    names = {job.name for job in scheduler.jobs()}
    assert names == {"sensor-pulls", "search-outbox", "open-data", "retention", "session-reminders", "dong-digest"}


def test_a_slot_is_the_latest_cron_time_at_or_before_now():
    digest = scheduler.Job("dong-digest", "notifications.digest.send_dong_digests", "0 8 * * 1")
    assert digest.slot(MONDAY_8) == MONDAY_8
    assert digest.slot(MONDAY_8 - timedelta(seconds=1)) == MONDAY_8 - timedelta(weeks=1)
    assert digest.slot(MONDAY_8.astimezone(ZoneInfo("UTC")) + timedelta(hours=3)) == MONDAY_8  # any zone in


@pytest.mark.django_db
def test_the_weekly_digest_is_queued_once_in_its_slot_by_two_schedulers():
    digest = [scheduler.Job("dong-digest", "notifications.digest.send_dong_digests", "0 8 * * 1")]
    assert scheduler.tick(now=MONDAY_8 + timedelta(seconds=5), schedule=digest)["dong-digest"].startswith("queued")
    # A second scheduler (or this one restarted) in the same slot: nothing more.
    assert scheduler.tick(now=MONDAY_8 + timedelta(minutes=3), schedule=digest) == {}
    assert queued("notifications.digest.send_dong_digests") == 1
    # The next week's slot is a new one.
    scheduler.tick(now=MONDAY_8 + timedelta(weeks=1, seconds=20), schedule=digest)
    assert queued("notifications.digest.send_dong_digests") == 2


@pytest.mark.django_db
def test_a_slot_missed_past_its_grace_is_skipped_not_sent_late():
    digest = [scheduler.Job("dong-digest", "notifications.digest.send_dong_digests", "0 8 * * 1")]
    wednesday = MONDAY_8 + timedelta(days=2)
    assert scheduler.tick(now=wednesday, schedule=digest) == {}
    assert scheduler.tick(now=MONDAY_8 + timedelta(minutes=29), schedule=digest)  # within the 30 minutes
    assert queued("notifications.digest.send_dong_digests") == 1


@pytest.mark.django_db
def test_a_function_job_is_called_by_the_scheduler_and_queues_the_due_sensor_pulls():
    due = Source.objects.create(name="Seongsu air", kind=Source.Kind.SENSORTHINGS, url="https://sta.example.org/v1.1")
    outcome = scheduler.tick(now=MONDAY_8, schedule=[j for j in scheduler.jobs() if j.name == "sensor-pulls"])
    assert outcome == {"sensor-pulls": f"ran: {[due.pk]!r}"}
    assert queued("sensors.tasks.pull_source_task") == 1


@pytest.mark.django_db
def test_a_failing_job_is_logged_and_the_others_still_run(caplog):
    broken = scheduler.Job("broken", "django.utils.module_loading.import_string", "* * * * *")  # wants an argument
    digest = scheduler.Job("dong-digest", "notifications.digest.send_dong_digests", "0 8 * * 1")
    outcome = scheduler.tick(now=MONDAY_8, schedule=[broken, digest])
    assert outcome["broken"] == "failed"
    assert outcome["dong-digest"].startswith("queued")
    assert "Scheduled job broken failed" in caplog.text


def test_a_bad_schedule_fails_at_start_with_the_job_named(settings):
    settings.SCHEDULE = {"typo": {"task": "sensors.services.enqueue_due_pull", "cron": "* * * * *"}}
    with pytest.raises(ImproperlyConfigured, match="typo"):
        scheduler.jobs()
    settings.SCHEDULE = {"bad-cron": {"task": "sensors.services.enqueue_due_pulls", "cron": "61 * * * *"}}
    with pytest.raises(ImproperlyConfigured, match="bad-cron"):
        scheduler.jobs()


@pytest.mark.django_db
def test_the_command_checks_once_and_lists_its_jobs():
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert "Scheduler: 6 jobs" in out.getvalue()
    assert "dong-digest (0 8 * * 1)" in out.getvalue()
