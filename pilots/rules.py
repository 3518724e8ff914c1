"""Who may rate a pilot's results, declared once.

Residents and experts rate a published pilot once it has results to judge (evaluating or completed);
district administrators run the pilots and do not rate their own work. ``feedback_policy`` explains a "no"
with the same predicates, so the page, the service and the answer's status always agree.
"""

from dataclasses import dataclass

import rules
from django.utils.translation import gettext_lazy as _

from proposals.rules import can, is_administrator, is_signed_in


@rules.predicate
def pilot_is_live(user, pilot) -> bool:
    return bool(pilot is not None and pilot.live)


@rules.predicate
def pilot_is_open_for_feedback(user, pilot) -> bool:
    return bool(pilot is not None and pilot.is_open_for_feedback)


rules.add_perm("pilots.rate", is_signed_in & ~is_administrator & pilot_is_live & pilot_is_open_for_feedback)


@rules.predicate
def is_feedback_author(user, feedback) -> bool:
    return bool(feedback is not None and user.is_authenticated and feedback.user_id == user.pk)


@rules.predicate
def feedback_is_shown(user, feedback) -> bool:
    """A comment on a pilot anyone can read: written, not hidden, on a published pilot."""
    return bool(feedback is not None and feedback.comment and not feedback.is_hidden and feedback.pilot.live)


# Anyone signed in may flag someone else's visible comment on a pilot (blocked people are refused by the
# service, with the reason); moderation itself is ``proposals.moderate_content``.
rules.add_perm("pilots.report_feedback", is_signed_in & ~is_feedback_author & feedback_is_shown)


@dataclass
class FeedbackPolicy:
    allowed: bool
    message: str = ""
    status: int = 200


# Checked in this order; the first one that fails says why, with the status the refusal answers with.
FEEDBACK_REASONS = (
    (is_signed_in, _("Log in to rate this pilot's results."), 403),
    # District staff run the pilots; their rating of their own work would skew the residents' judgement.
    (~is_administrator, _("Administrators run the pilots and do not rate them."), 403),
    (pilot_is_live, _("This pilot is not published."), 404),
    (
        pilot_is_open_for_feedback,
        _("Ratings open when the pilot is being evaluated; this pilot is not there yet."),
        409,
    ),
)


def feedback_policy(pilot, *, user) -> FeedbackPolicy:
    """Whether ``user`` may rate ``pilot`` now, and if not, why (for the page and for the 4xx answer)."""
    if can(user, "pilots.rate", pilot):
        return FeedbackPolicy(True)
    for predicate, message, status in FEEDBACK_REASONS:
        if not predicate.test(user, pilot):
            return FeedbackPolicy(False, str(message), status)
    return FeedbackPolicy(False, str(_("You cannot rate this pilot.")), 403)
