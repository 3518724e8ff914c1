"""allauth's seam: a new account starts as a resident with no extra groups."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from .models import Role


@receiver(user_signed_up)
def make_resident(sender, request, user, **kwargs):
    if user.role != Role.RESIDENT:
        user.role = Role.RESIDENT
        user.save(update_fields=["role"])
