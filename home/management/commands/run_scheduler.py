"""The scheduler process: queue the periodic jobs of ``settings.SCHEDULE`` (livinglab/scheduler.py)."""

import time

from django.core.management.base import BaseCommand

from livinglab import scheduler


class Command(BaseCommand):
    help = (
        "Queue the periodic jobs of settings.SCHEDULE at their cron times (the task worker runs them). "
        "Runs until stopped; --once checks a single time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once and exit.")
        parser.add_argument(
            "--tick", type=float, default=20.0, metavar="SECONDS", help="How often to check (default 20)."
        )

    def handle(self, *args, once: bool = False, tick: float = 20.0, **options):
        jobs = scheduler.jobs()  # a bad schedule fails here, at start, not at its first slot
        self.stdout.write(f"Scheduler: {len(jobs)} jobs: " + ", ".join(f"{job.name} ({job.cron})" for job in jobs))
        try:
            while True:
                for name, outcome in scheduler.tick(schedule=jobs).items():
                    self.stdout.write(f"{name}: {outcome}")
                if once:
                    return
                time.sleep(tick)
        except KeyboardInterrupt:
            self.stdout.write("Scheduler stopped.")
