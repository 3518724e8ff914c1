from django.core.management.base import BaseCommand

from mydata.retention import purge


class Command(BaseCommand):
    help = (
        "Apply the retention rules: delete unverified accounts that never signed in and contributed nothing "
        "after RETENTION_UNVERIFIED_DAYS, expired 'download my data' archives and expired sessions. Run it "
        "daily (cron or the task worker's scheduler)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be purged; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        counts = purge(dry_run=dry_run)
        prefix = "Would purge" if dry_run else "Purged"
        self.stdout.write(f"{prefix}: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
