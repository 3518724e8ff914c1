"""Wagtail admin wiring for challenges: the audit log's action names, and who may open a challenge."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from proposals.rules import can

LOG_ACTIONS = [
    ("livinglab.challenge.stage", _("Change challenge stage"), _("Challenge moved to its next stage")),
    (
        "livinglab.challenge.early_start",
        _("Start a challenge stage early"),
        _("Challenge stage started before its planned date"),
    ),
    ("livinglab.challenge.shortlist", _("Shortlist a proposal"), _("Proposal shortlisted for co-design")),
    ("livinglab.challenge.decide", _("Record challenge decision"), _("Decision recorded; challenge closed")),
]


@hooks.register("register_log_actions")
def register_challenge_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)


@hooks.register("before_create_page")
def only_administrators_open_challenges(request, parent_page, page_class):
    """``challenges.open``: whatever page permissions a group holds, only administrators open a challenge."""
    if page_class._meta.label == "challenges.ChallengePage" and not can(request.user, "challenges.open"):
        raise PermissionDenied(_("Only district administrators can open a challenge."))
