"""Seats stay exact whichever way a registration goes (the shared rules: ``livinglab.counters``).

``Session.registered_count`` counts the seated registrations. Services never delete a registration (cancelled
rows stay as history), and an erased account's registrations are cancelled by ``codesign.erasure`` before they
are deleted. Any other deletion (a user deleted from the shell or by the retention purge, a cascade from
anything else) reaches this receiver through Django's deletion collector, in the deleting transaction and
*before* the row goes: the registration is first cancelled through the very service a person's own
cancellation runs (``codesign.services.release_registrations``), under the session's row lock. So the seat is
handed to the first person waiting, who is told after the commit, or taken off the count.

A deletion that started from the session or from a page (whose sessions go with it) is left alone: the counter
and the waiting list go with the session. ``manage.py recount_seats`` repairs what bypasses the collector.
"""

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from wagtail.models import Page

from livinglab.counters import started_from

from .models import Registration, RegistrationStatus, Session
from .services import release_registrations


@receiver(pre_delete, sender=Registration, dispatch_uid="codesign.counters.registration_deleting")
def registration_deleting(sender, instance: Registration, origin=None, **kwargs):
    if instance.status == RegistrationStatus.CANCELLED or started_from(origin, Session, Page):
        return
    # Read again under the session's lock: the row the collector loaded may have been promoted or cancelled since.
    release_registrations([instance.pk])
