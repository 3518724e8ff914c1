"""Recount the seats taken of every co-design session and repair any drift."""

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from codesign.models import Registration, Session
from livinglab.counters import RecountCommand


def true_seats(queryset=None):
    """Sessions annotated with ``true_seats``, counted from their seated registrations."""
    queryset = Session.objects.all() if queryset is None else queryset
    seated = (
        Registration.objects.seated()
        .filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(true_seats=Coalesce(Subquery(seated, output_field=IntegerField()), Value(0)))


class Command(RecountCommand):
    help = (
        "Compare every co-design session's cached registered_count with its seated registrations, list each "
        "drift and repair it. Repairs by default; --dry-run only reports. Exits with status 1 under --dry-run "
        "when drift was found, so monitoring can alert on it."
    )
    noun = "session"

    def drifted(self):
        for session in true_seats().only("pk", "registered_count", "capacity").order_by("pk"):
            if session.registered_count != session.true_seats:
                yield (
                    session.pk,
                    f"Session {session.pk}: seats {session.registered_count} -> {session.true_seats} "
                    f"(capacity {session.capacity})",
                )

    def repair(self, pk: int) -> None:
        # Under the session's row lock, which every registration and cancellation takes first: a seat taken or
        # given up meanwhile is counted before or after the repair, never lost.
        with transaction.atomic():
            Session.objects.select_for_update().filter(pk=pk).first()
            session = true_seats(Session.objects.filter(pk=pk)).get()
            Session.objects.filter(pk=pk).update(registered_count=session.true_seats)
