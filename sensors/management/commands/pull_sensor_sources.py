"""Queue pulls of the sensor sources whose interval has passed; ``--loop`` keeps doing so (make run's scheduler)."""

import time

from django.core.management.base import BaseCommand

from sensors.services import enqueue_due_pulls


class Command(BaseCommand):
    help = "Queue a pull task for every SensorThings source that is due (the task worker runs them)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", type=int, default=0, metavar="SECONDS", help="Check again every SECONDS (0: once)."
        )

    def handle(self, *args, loop: int = 0, **options):
        while True:
            queued = enqueue_due_pulls()
            if queued or not loop:
                self.stdout.write(f"Queued pulls of {len(queued)} source(s).")
            if not loop:
                return
            time.sleep(loop)
