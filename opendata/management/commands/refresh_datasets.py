from django.core.management.base import BaseCommand

from opendata.build import refresh
from opendata.datasets import DATASETS


class Command(BaseCommand):
    help = (
        "Rebuild the /data/ files whose sources changed (all of them with --force). Run it periodically "
        "(e.g. every 15 minutes from cron or the worker's scheduler): it catches changes that send no signal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Rebuild every dataset even if unchanged.")
        parser.add_argument("--only", nargs="*", choices=sorted(DATASETS), help="Only these datasets.")

    def handle(self, *args, force: bool = False, only: list[str] | None = None, **options):
        rebuilt = refresh(force=force, only=only)
        self.stdout.write(", ".join(rebuilt) + " rebuilt" if rebuilt else "All datasets are current.")
