"""Wagtail admin wiring for proposals: the moderation viewsets and the audit log's action names."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from . import viewsets
from .rules import can

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
    ("livinglab.report.dismiss", _("Dismiss report"), _("Report dismissed; the item stays")),
]


@hooks.register("register_log_actions")
def register_proposal_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)


# Registered at import time, before any admin view asks for (and caches) a fallback policy.
for _model, _actions in viewsets.PERMISSION_POLICIES.items():
    register_permission_policy(_model, viewsets.ModerationPermissionPolicy(_model, _actions))

register_snippet(viewsets.LivingLabViewSetGroup)

for _action in viewsets.BULK_ACTIONS:
    hooks.register("register_bulk_action", _action)


@hooks.register("register_admin_urls")
def register_file_on_behalf_url():
    return [
        path("livinglab/file-on-behalf/", viewsets.file_on_behalf_view, name="proposals_file_on_behalf"),
    ]


class FileOnBehalfMenuItem(MenuItem):
    def is_shown(self, request):
        return can(request.user, "proposals.file_on_behalf")


@hooks.register("register_admin_menu_item")
def register_file_on_behalf_menu_item():
    return FileOnBehalfMenuItem(
        _("File for a resident"), reverse("proposals_file_on_behalf"), icon_name="form", order=160
    )
