"""Send the stored e-mails that are still waiting, for example after the mail server was down."""

from django.core.management.base import BaseCommand

from notifications import mail
from notifications.models import EmailStatus, OutgoingEmail


class Command(BaseCommand):
    help = (
        "Send the stored e-mails still waiting after a failed send, in batches over one connection each. "
        "With --include-failed, also those that used up their attempts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--include-failed",
            action="store_true",
            help="Give e-mails that used up their attempts a fresh set and send them too.",
        )

    def handle(self, *args, include_failed: bool = False, **options):
        ids = mail.pending_ids(include_failed=include_failed)
        for batch in mail.chunks(ids, mail.batch_size()):
            mail.send_batch(batch)
        sent = OutgoingEmail.objects.filter(pk__in=ids, status=EmailStatus.SENT).count()
        waiting = OutgoingEmail.objects.filter(pk__in=ids, status=EmailStatus.PENDING).count()
        self.stdout.write(
            f"Sent {sent} of {len(ids)} waiting e-mails; {waiting} still waiting, {len(ids) - sent - waiting} gave up."
        )
