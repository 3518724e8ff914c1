"""Changing who someone is on the platform, and erasing an account."""

from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log as audit_log
from wagtail.models import ModelLogEntry

from livinglab.errors import ActionRefused

from .erasure import steps as erasure_steps
from .models import ROLE_GROUPS, Role, User

# Rows others read as part of the public record: kept (shown as "former participant") unless the person asks
# for their contributions to go too. Votes are left to their app's erasure step, because counters hang on them.
PUBLIC_CONTRIBUTIONS = {"pilots.pilotfeedback"}
HANDLED_BY_STEPS = {"proposals.vote"}
ERASED_LABEL = "former participant"


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


def set_expert_categories(user: User, categories) -> User:
    """The categories an expert's work queue covers (empty: every category)."""
    user.expert_categories.set(categories)
    return user


# --- blocking ----------------------------------------------------------------------------------------


def _require_moderator(by) -> None:
    if by is None or not by.is_authenticated or not by.is_active or not by.is_moderator or by.is_blocked:
        raise ActionRefused(_("Only moderators and administrators can block or unblock people."), status=403)


def block_user(user: User, *, by: User, reason: str) -> User:
    """Stop ``user`` from posting, voting, commenting and reporting; they keep reading. Audited; reversible."""
    _require_moderator(by)
    if user.pk == by.pk:
        raise ActionRefused(_("You cannot block yourself."), status=400)
    if user.is_moderator:
        raise ActionRefused(_("Moderators and administrators cannot be blocked; change their role first."), status=403)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Please give a reason; the person will see it.")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("The reason can be at most 300 characters.")]})
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.erased_at is not None:
            raise ActionRefused(_("This account was deleted."), status=409)
        if locked.blocked_at is None:
            locked.blocked_at = timezone.now()
            locked.blocked_reason = reason
            locked.save(update_fields=["blocked_at", "blocked_reason"])
            audit_log(instance=locked, action="livinglab.account.block", user=by, data={"reason": reason})
    user.blocked_at, user.blocked_reason = locked.blocked_at, locked.blocked_reason
    return user


def unblock_user(user: User, *, by: User) -> User:
    """Let a blocked person take part again; unblocking someone not blocked is a no-op."""
    _require_moderator(by)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.blocked_at is not None:
            previous = locked.blocked_reason
            locked.blocked_at = None
            locked.blocked_reason = ""
            locked.save(update_fields=["blocked_at", "blocked_reason"])
            audit_log(instance=locked, action="livinglab.account.unblock", user=by, data={"previous_reason": previous})
    user.blocked_at, user.blocked_reason = None, ""
    return user


@dataclass
class Erasure:
    """What ``erase_account`` did, for the confirmation message and the audit log (counts only)."""

    already_erased: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def erase_account(user: User, *, by: User | None = None, remove_contributions: bool = False) -> Erasure:
    """Erase a person's account: personal data gone, votes withdrawn with exact counters, sign-in closed.

    The user row stays as an empty tombstone so that public contributions (proposals, comments,
    assessments, ratings) keep their author, shown as "former participant". With ``remove_contributions``
    their comments become "removed" placeholders (replies keep their thread), and their proposals (with the
    votes and discussion on them), assessments and ratings are deleted.
    ``by`` is the administrator acting for them (the Wagtail admin's delete, a paper request at the desk),
    or None when they do it themselves. Erasing twice is a no-op. Other apps add their part through
    ``accounts.erasure`` (``proposals.erasure``: votes, comments, assessments and proposals;
    ``codesign.erasure``: registrations cancelled, each freed seat handed to the waiting list).
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.erased_at is not None:
            return Erasure(already_erased=True)
        erasure = Erasure()
        for step in erasure_steps():
            erasure.counts.update(step(locked, remove_contributions=remove_contributions))
        erasure.counts["rows_deleted"] = _delete_private_rows(locked, keep_public=not remove_contributions)
        _blank_personal_fields(locked)
        _scrub_audit_labels(locked)
        audit_log(
            instance=locked,
            action="livinglab.account.erase",
            user=by if by is not None else locked,
            data={"by_staff": by is not None, "remove_contributions": remove_contributions, **erasure.counts},
        )
    user.refresh_from_db()
    return erasure


def _delete_private_rows(user: User, *, keep_public: bool) -> int:
    """Every row that would cascade with the user (e-mail addresses, follows, notifications, reports, ...)."""
    deleted = 0
    for relation in User._meta.related_objects:
        if relation.on_delete is not models.CASCADE or relation.related_model._meta.label_lower in HANDLED_BY_STEPS:
            continue
        if keep_public and relation.related_model._meta.label_lower in PUBLIC_CONTRIBUTIONS:
            continue
        if relation.many_to_many:
            continue
        count, _rows = relation.related_model._base_manager.filter(**{relation.field.name: user}).delete()
        deleted += count
    return deleted


def _blank_personal_fields(user: User) -> None:
    user.email = f"erased-{user.pk}@erased.invalid"
    user.phone = None
    user.phone_verified = False
    user.display_name = ""
    user.home_area = None
    user.age_band = ""
    user.expertise = ""
    user.organisation = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.erased_at = timezone.now()
    # A new unusable password also changes the session hash: every open session of theirs stops working.
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


def _scrub_audit_labels(user: User) -> None:
    """Earlier audit rows about this account keep who did what and when, without the name or address."""
    content_type = ContentType.objects.get_for_model(User)
    ModelLogEntry.objects.filter(content_type=content_type, object_id=str(user.pk)).update(label=ERASED_LABEL)
