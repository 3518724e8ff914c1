from django.core.management.base import BaseCommand

from codesign.tasks import remind_due_sessions


class Command(BaseCommand):
    help = "Queue the day-before reminders of the co-design sessions that start tomorrow (run once a day)."

    def handle(self, *args, **options):
        result = remind_due_sessions.enqueue()
        self.stdout.write(f"Queued the reminders ({result.id}).")
