from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pilots.csv_import import ResultsImportFailed, import_results
from pilots.models import PilotPage


class Command(BaseCommand):
    help = (
        "Import a pilot's time-series results from a CSV file with the header series,date,value. "
        "Every row is checked first; if any is wrong, nothing is imported and the errors are listed by line."
    )

    def add_arguments(self, parser):
        parser.add_argument("page_id", type=int, help="The id of the pilot page (shown in the admin's URL).")
        parser.add_argument("csv_path", type=Path, help="Path to the CSV file (UTF-8).")

    def handle(self, *args, page_id: int, csv_path: Path, **options):
        pilot = PilotPage.objects.filter(pk=page_id).first()
        if pilot is None:
            raise CommandError(f"No pilot page has the id {page_id}.")
        if not csv_path.is_file():
            raise CommandError(f"{csv_path} is not a file.")
        with csv_path.open("rb") as upload:
            try:
                summary = import_results(pilot, upload)
            except ResultsImportFailed as exc:
                for error in exc.errors:
                    self.stderr.write(str(error))
                raise CommandError(f"Nothing was imported: {len(exc.errors)} problem(s) in {csv_path}.") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {summary.total} values into “{pilot.title}” "
                f"({summary.created} new, {summary.updated} changed)."
            )
        )
