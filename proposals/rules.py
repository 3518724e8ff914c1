"""Who may do what with proposals and comments, declared once.

Views, templates and ``proposals.services`` all ask these rules. Proposal permissions take the proposal as
the object, comment permissions take the comment; ``proposals.submit`` and ``proposals.file_on_behalf``
take no object.

Ask through :func:`can` (or ``rules.has_perm``) rather than ``user.has_perm``: Django's ``has_perm`` answers
``True`` for every active superuser before any rule runs, which would show buttons the services then refuse.
"""

import rules
from allauth.account.models import EmailAddress

from accounts.models import Role

from .models import ADMIN_MOVABLE_STATUSES, OPEN_STATUSES


def can(user, perm: str, obj=None) -> bool:
    """Whether ``user`` may do ``perm`` (to ``obj``), by these rules alone, superusers included."""
    return rules.has_perm(perm, user, obj)


# --- who ---------------------------------------------------------------------------------------------


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def is_administrator(user) -> bool:
    return bool(is_signed_in(user) and user.is_administrator)


@rules.predicate
def is_moderator(user) -> bool:
    """Moderators and administrators: they work the moderation queue."""
    return bool(is_signed_in(user) and user.is_moderator and not user.is_blocked)


@rules.predicate
def is_blocked(user) -> bool:
    """Blocked by a moderator: reads, but takes no part (``accounts.blocking``)."""
    return bool(is_signed_in(user) and user.blocked_at is not None)


@rules.predicate
def is_expert(user) -> bool:
    return bool(is_signed_in(user) and user.is_expert)


@rules.predicate
def is_desk_staff(user) -> bool:
    """Staff at a Residents' Hall or community centre desk (``desk``)."""
    return bool(is_signed_in(user) and user.is_desk_staff)


@rules.predicate
def has_verified_contact(user) -> bool:
    """A verified mobile number (residents who signed up by phone) or a verified e-mail address."""
    if not is_signed_in(user):
        return False
    if getattr(user, "phone_verified", False):
        return True
    cached = getattr(user, "_livinglab_verified_email", None)
    if cached is None:
        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._livinglab_verified_email = cached
    return cached


@rules.predicate
def is_proposal_author(user, proposal) -> bool:
    return bool(is_signed_in(user) and proposal is not None and proposal.author_id == user.pk)


@rules.predicate
def is_comment_author(user, comment) -> bool:
    return bool(is_signed_in(user) and comment is not None and comment.author_id == user.pk)


# --- proposal state ----------------------------------------------------------------------------------


@rules.predicate
def proposal_is_hidden(user, proposal) -> bool:
    return bool(proposal is not None and proposal.is_hidden)


@rules.predicate
def proposal_is_editable_now(user, proposal) -> bool:
    return bool(proposal is not None and not proposal.is_hidden and proposal.is_editable_now())


@rules.predicate
def proposal_is_withdrawable(user, proposal) -> bool:
    return bool(proposal is not None and proposal.is_withdrawable)


@rules.predicate
def proposal_is_open_for_votes(user, proposal) -> bool:
    return bool(proposal is not None and proposal.is_open_for_votes)


@rules.predicate
def proposal_is_open_for_comments(user, proposal) -> bool:
    return bool(proposal is not None and proposal.is_open_for_comments)


@rules.predicate
def proposal_is_open_for_assessment(user, proposal) -> bool:
    return bool(proposal is not None and not proposal.is_hidden and proposal.status in OPEN_STATUSES)


@rules.predicate
def proposal_can_move_on(user, proposal) -> bool:
    return bool(proposal is not None and proposal.status in ADMIN_MOVABLE_STATUSES)


# --- comment state -----------------------------------------------------------------------------------


@rules.predicate
def comment_is_shown(user, comment) -> bool:
    """Neither removed by its author nor hidden by a moderator, on a proposal the public can see."""
    return bool(
        comment is not None and not comment.is_removed and not comment.is_hidden and not comment.proposal.is_hidden
    )


@rules.predicate
def comment_is_editable_now(user, comment) -> bool:
    return bool(comment is not None and comment.is_editable_now() and not comment.proposal.is_hidden)


@rules.predicate
def comment_by_administrator(user, comment) -> bool:
    return bool(comment is not None and comment.author_role == Role.ADMINISTRATOR)


# --- permissions -------------------------------------------------------------------------------------

# Anyone signed in with a verified e-mail address or mobile number may report a problem; staff filing for a
# resident use ``file_on_behalf`` instead (the resident may have no account or no verified address).
rules.add_perm("proposals.submit", has_verified_contact & ~is_blocked)
rules.add_perm("proposals.file_on_behalf", is_administrator)

# Hidden proposals are 404 to the public; their author sees them (with the moderator's reason).
rules.add_perm("proposals.view", ~proposal_is_hidden | is_proposal_author | is_administrator)
rules.add_perm("proposals.edit", is_proposal_author & ~is_blocked & proposal_is_editable_now)
rules.add_perm("proposals.withdraw", is_proposal_author & proposal_is_withdrawable)
# Authors do not vote for their own proposal (it would also end their edit window), and
# administrators decide on proposals rather than support them.
rules.add_perm(
    "proposals.vote",
    is_signed_in & ~is_blocked & ~is_proposal_author & ~is_administrator & proposal_is_open_for_votes,
)
rules.add_perm("proposals.comment", is_signed_in & ~is_blocked & proposal_is_open_for_comments)
rules.add_perm("proposals.assess", is_expert & ~is_blocked & ~is_proposal_author & proposal_is_open_for_assessment)
rules.add_perm(
    "proposals.report", is_signed_in & ~is_blocked & ~is_proposal_author & ~is_administrator & ~proposal_is_hidden
)
rules.add_perm("proposals.moderate", is_administrator)
# Hiding, restoring, dismissing reports, warning authors and blocking people: moderators and administrators.
rules.add_perm("proposals.moderate_content", is_moderator)
# The expert's work queue.
rules.add_perm("proposals.view_expert_queue", is_expert)
rules.add_perm("proposals.change_status", is_administrator & proposal_can_move_on)
# The easy-read summary is staff's plain retelling: administrators, and desk staff who meet the residents who
# need it (not on hidden proposals). Authors write the proposal itself, not its easy-read summary.
rules.add_perm("proposals.write_easy_read", is_administrator | (is_desk_staff & ~is_blocked & ~proposal_is_hidden))

rules.add_perm("proposals.edit_comment", is_comment_author & ~is_blocked & comment_is_editable_now)
rules.add_perm("proposals.remove_comment", is_comment_author & comment_is_shown)
# The official answer is the district speaking: only an administrator's own words can carry it.
rules.add_perm("proposals.mark_official", is_administrator & comment_is_shown & comment_by_administrator)
rules.add_perm(
    "proposals.report_comment", is_signed_in & ~is_blocked & ~is_comment_author & ~is_administrator & comment_is_shown
)
