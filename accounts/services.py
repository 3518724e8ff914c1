"""Changing who someone is on the platform."""

from django.contrib.auth.models import Group
from django.db import transaction

from .models import ROLE_GROUPS, Role, User


def set_role(user: User, role: str, *, expertise: str = "", organisation: str = "") -> User:
    """Give ``user`` a role and the matching Wagtail group, dropping the groups of any other role."""
    role = Role(role)
    if role == Role.EXPERT and not (expertise or user.expertise):
        raise ValueError("An expert needs a field of expertise.")
    with transaction.atomic():
        user.role = role
        if role == Role.EXPERT:
            user.expertise = expertise or user.expertise
            user.organisation = organisation or user.organisation
        user.save(update_fields=["role", "expertise", "organisation"])
        role_groups = Group.objects.filter(name__in=ROLE_GROUPS.values())
        user.groups.remove(*role_groups)
        if role in ROLE_GROUPS:
            user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    return user
