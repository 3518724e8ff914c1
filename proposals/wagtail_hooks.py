"""Wagtail admin wiring for proposals: the moderation viewsets and the audit log's action names."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

LOG_ACTIONS = [
    # action, label (for filters), message (in an object's history)
    ("livinglab.proposal.hide", _("Hide proposal"), _("Proposal hidden by a moderator")),
    ("livinglab.proposal.unhide", _("Unhide proposal"), _("Proposal shown again")),
    ("livinglab.proposal.status", _("Change proposal status"), _("Proposal status changed")),
    ("livinglab.proposal.vote_threshold", _("Vote threshold reached"), _("Moved to review by the vote threshold")),
    ("livinglab.proposal.filed_on_behalf", _("File on behalf of a resident"), _("Filed on a resident's behalf")),
    ("livinglab.comment.hide", _("Hide comment"), _("Comment hidden by a moderator")),
    ("livinglab.comment.unhide", _("Unhide comment"), _("Comment shown again")),
    ("livinglab.comment.official", _("Mark official answer"), _("Marked as the official answer")),
]


@hooks.register("register_log_actions")
def register_proposal_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)
