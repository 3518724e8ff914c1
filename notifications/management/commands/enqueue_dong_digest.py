"""Enqueue the weekly "my dong" digest (run it once a week, from cron or the platform's scheduler)."""

from django.core.management.base import BaseCommand

from notifications.digest import send_dong_digests


class Command(BaseCommand):
    help = "Enqueue the weekly digest of each resident's own neighbourhood (sent by the task worker)."

    def handle(self, *args, **options):
        result = send_dong_digests.enqueue()
        self.stdout.write(f"Enqueued the weekly digest ({result.id}).")
