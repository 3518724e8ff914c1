from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from home import demo
from livinglab.demo import builders


class Command(BaseCommand):
    help = (
        "Load the demo district: pages, areas, categories, one account per role and sample content. "
        "Safe to run again: nothing is created twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-credentials",
            action="store_true",
            help="Do not print the demo accounts' e-mail addresses and password.",
        )

    def handle(self, *args, quiet_credentials: bool = False, **options):
        if settings.LIVINGLAB_ENVIRONMENT == "production":
            raise CommandError("Refusing to load demo data with known passwords under production settings.")
        try:
            with transaction.atomic():
                users = demo.build_site()
                for build in builders():
                    build(users=users, stdout=self.stdout)
        except demo.DemoDataRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
        if settings.LIVINGLAB_ENVIRONMENT == "development" and not quiet_credentials:
            self.stdout.write("Demo accounts (development only):")
            for email, _name, role, _f, _o in demo.DEMO_USERS:
                self.stdout.write(f"  {role:<14} {email}  password: {demo.DEMO_PASSWORD}")
