"""Co-design background work (``django.tasks``): the day-before reminder of each session."""

from django.tasks import task
from django.utils import timezone

from . import services


@task
def remind_session(session_id: int) -> int:
    """Remind the people seated at one session (once; a second run finds it claimed). Returns how many."""
    return len(services.remind_session(session_id))


@task
def remind_due_sessions() -> int:
    """Remind every session that starts tomorrow and was not reminded yet (run daily by
    ``manage.py send_session_reminders``). Returns how many sessions were reminded."""
    reminded = 0
    for session_id in services.sessions_due_for_reminder().values_list("pk", flat=True):
        reminded += bool(services.remind_session(session_id))
    return reminded


def schedule_reminder(session) -> bool:
    """Queue ``session``'s reminder for the day before it starts when the task backend can defer (the
    database backend can); ``manage.py send_session_reminders`` catches every other case once a day."""
    if session.reminder_sent_at or not session.is_published or not remind_session.get_backend().supports_defer:
        return False
    remind_session.using(run_after=session.starts_at - timezone.timedelta(days=1)).enqueue(session.pk)
    return True
