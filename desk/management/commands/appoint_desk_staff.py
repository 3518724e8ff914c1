from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from desk.models import Centre
from desk.services import appoint_desk_staff


class Command(BaseCommand):
    help = "Make a user desk staff at a centre (they then see only that centre's residents)."

    def add_arguments(self, parser):
        parser.add_argument("email", type=str, help="The staff member's e-mail address.")
        parser.add_argument("centre", type=int, help="The centre's id (see Centres in the admin).")

    def handle(self, *args, email: str, centre: int, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the e-mail address {email}.")
        place = Centre.objects.filter(pk=centre).first()
        if place is None:
            raise CommandError(f"No centre with id {centre}.")
        appoint_desk_staff(user, centre=place)
        self.stdout.write(self.style.SUCCESS(f"{user} is now desk staff at {place}."))
