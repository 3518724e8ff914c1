from django.core.management.base import BaseCommand, CommandError

from mydata.locations import strip_stored_locations


class Command(BaseCommand):
    help = (
        "Remove location data (GPS EXIF, XMP, IPTC) from images already in media storage, stored before it was "
        "stripped on save. Other EXIF (camera, orientation) and the pixels stay. Run it once after upgrading."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List the images that carry a location.")

    def handle(self, *args, dry_run: bool = False, **options):
        try:
            report = strip_stored_locations(dry_run=dry_run)
        except NotImplementedError as exc:  # a storage without local paths (object storage)
            raise CommandError(f"This media storage cannot be rewritten in place: {exc}") from exc
        for name in report.stripped:
            self.stdout.write(f"{'carries a location' if dry_run else 'stripped'}: {name}")
        verb = "would strip" if dry_run else "stripped"
        self.stdout.write(f"Checked {report.checked} images, {verb} {len(report.stripped)}.")
