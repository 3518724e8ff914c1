"""Who may do what with a challenge, declared once: each role × each state of the challenge.

| permission | anonymous | resident | expert | administrator |
|---|---|---|---|---|
| ``challenges.open`` (create the page) | no | no | no | yes |
| ``challenges.follow`` | no | live challenge | live challenge | live challenge |
| ``challenges.submit_into`` | no | verified e-mail or phone, during discovery and its call dates | same | same |
| ``challenges.change_stage`` | no | no | no | not closed, a next stage exists (up to evaluation) |
| ``challenges.shortlist`` | no | no | no | not closed, discovery or co-design |
| ``challenges.decide`` | no | no | no | not closed, in evaluation |
| ``challenges.print_paper_form`` | no | no (desk staff: yes) | no | live, during discovery |

``challenge_policy`` explains a "no" with the same predicates, so the page, the service and the status agree.
Dates are the service's to check, not a permission: ``services.change_stage`` refuses (409) to enter a stage
before its planned start unless the administrator confirms an early start, which is recorded and audited.
"""

from dataclasses import dataclass

import rules
from django.utils.translation import gettext_lazy as _

from proposals.rules import can, has_verified_contact, is_administrator, is_desk_staff, is_signed_in

from .stages import SHORTLIST_STAGES, STAGE_TRANSITIONS, Stage


@rules.predicate
def challenge_is_live(user, challenge) -> bool:
    return bool(challenge is not None and challenge.live)


@rules.predicate
def challenge_is_open(user, challenge) -> bool:
    return bool(challenge is not None and challenge.closed_at is None)


@rules.predicate
def challenge_can_move_on(user, challenge) -> bool:
    return bool(challenge is not None and STAGE_TRANSITIONS.get(challenge.current_stage))


@rules.predicate
def challenge_is_shortlisting(user, challenge) -> bool:
    return bool(challenge is not None and challenge.current_stage in SHORTLIST_STAGES)


@rules.predicate
def challenge_is_in_evaluation(user, challenge) -> bool:
    return bool(challenge is not None and challenge.current_stage == Stage.EVALUATION)


@rules.predicate
def challenge_takes_proposals(user, challenge) -> bool:
    return bool(challenge is not None and challenge.current_stage == Stage.DISCOVERY and challenge.closed_at is None)


rules.add_perm("challenges.open", is_administrator)
rules.add_perm("challenges.follow", is_signed_in & challenge_is_live)
rules.add_perm("challenges.submit_into", has_verified_contact & challenge_is_live & challenge_takes_proposals)
rules.add_perm("challenges.change_stage", is_administrator & challenge_is_open & challenge_can_move_on)
rules.add_perm("challenges.shortlist", is_administrator & challenge_is_open & challenge_is_shortlisting)
rules.add_perm("challenges.decide", is_administrator & challenge_is_open & challenge_is_in_evaluation)
# The challenge's own paper form (``desk:challenge_paper_form``) is offered to the people who hand it out.
rules.add_perm(
    "challenges.print_paper_form", (is_administrator | is_desk_staff) & challenge_is_live & challenge_takes_proposals
)


@dataclass
class Policy:
    allowed: bool
    message: str = ""
    status: int = 200


CLOSED = (challenge_is_open, _("This challenge is closed: its decision is recorded."), 409)
ADMIN_ONLY = (is_administrator, _("Only district administrators can do this."), 403)
SIGN_IN = (is_signed_in, _("Please sign in first."), 403)

# Checked in order; the first that fails says why, with the status the refusal answers with.
REASONS = {
    "challenges.follow": (SIGN_IN, (challenge_is_live, _("This challenge is not published."), 404)),
    "challenges.change_stage": (
        SIGN_IN,
        ADMIN_ONLY,
        CLOSED,
        (challenge_can_move_on, _("Only recording the decision moves a challenge on from evaluation."), 409),
    ),
    "challenges.shortlist": (
        SIGN_IN,
        ADMIN_ONLY,
        CLOSED,
        (challenge_is_shortlisting, _("Proposals are shortlisted during discovery and co-design only."), 409),
    ),
    "challenges.decide": (
        SIGN_IN,
        ADMIN_ONLY,
        CLOSED,
        (challenge_is_in_evaluation, _("The decision is recorded at the end of evaluation."), 409),
    ),
}


def challenge_policy(perm: str, challenge, *, user) -> Policy:
    """Whether ``user`` may ``perm`` on ``challenge`` now, and if not, why."""
    if can(user, perm, challenge):
        return Policy(True)
    for predicate, message, status in REASONS.get(perm, ()):
        if not predicate.test(user, challenge):
            return Policy(False, str(message), status)
    return Policy(False, str(_("You cannot do this.")), 403)
