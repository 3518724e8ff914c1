"""Library seams: allauth's sign-up, Django's logout, and the moment a saved user's rights change."""

from allauth.account.signals import user_signed_up
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver

from livinglab.live import end_live_sessions

from .models import Role, User

# A change to any of these ends what the person's open sockets were allowed to hear.
SESSION_FIELDS = ("is_active", "password", "role", "is_superuser", "is_staff", "erased_at")


@receiver(user_signed_up)
def make_resident(sender, request, user, **kwargs):
    if user.role != Role.RESIDENT:
        user.role = Role.RESIDENT
        user.save(update_fields=["role"])


@receiver(user_logged_out, dispatch_uid="accounts.close_sockets_on_logout")
def close_sockets_on_logout(sender, request, user, **kwargs):
    if user is not None and user.pk is not None:
        transaction.on_commit(lambda: end_live_sessions(user.pk), robust=True)


@receiver(pre_save, sender=User, dispatch_uid="accounts.close_sockets_on_rights_change")
def close_sockets_on_rights_change(sender, instance: User, update_fields=None, raw=False, **kwargs):
    """Deactivation, a new password, another role or an erasure: whichever path saved it (admin, allauth, shell)."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(SESSION_FIELDS):
        return
    before = User._base_manager.filter(pk=instance.pk).values("last_login", *SESSION_FIELDS).first()
    # Never signed in (a new account getting its password, say): no session, so no socket to close.
    if before is None or before["last_login"] is None:
        return
    if all(before[name] == getattr(instance, name) for name in SESSION_FIELDS):
        return
    pk = instance.pk
    transaction.on_commit(lambda: end_live_sessions(pk), robust=True)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts.close_sockets_on_group_change")
def close_sockets_on_group_change(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    """Wagtail's "assign role" bulk action and the admin's group boxes change rights without saving the user."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    user_ids = [instance.pk] if not reverse else list(pk_set or ())
    if reverse and action == "post_clear":
        return
    transaction.on_commit(lambda: [end_live_sessions(pk) for pk in user_ids], robust=True)
