"""Wagtail admin wiring for proposals: the moderation viewsets and the audit log's action names."""

from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from . import moderation, viewsets
from .models import Assessment, Proposal
from .rules import can

LOG_ACTIONS = [
    # action, label (for filters), message (in an object's history)
    ("livinglab.proposal.hide", _("Hide proposal"), _("Proposal hidden by a moderator")),
    ("livinglab.proposal.unhide", _("Unhide proposal"), _("Proposal shown again")),
    ("livinglab.proposal.status", _("Change proposal status"), _("Proposal status changed")),
    ("livinglab.proposal.vote_threshold", _("Vote threshold reached"), _("Moved to review by the vote threshold")),
    ("livinglab.proposal.easy_read", _("Write easy-read summary"), _("Easy-read summary written by staff")),
    ("livinglab.proposal.filed_on_behalf", _("File on behalf of a resident"), _("Filed on a resident's behalf")),
    (
        "livinglab.proposal.voted_on_behalf",
        _("Support on behalf of a resident"),
        _("Supported for a resident at a desk"),
    ),
    (
        "livinglab.comment.posted_on_behalf",
        _("Comment on behalf of a resident"),
        _("Written down for a resident at a desk"),
    ),
    ("livinglab.comment.hide", _("Hide comment"), _("Comment hidden by a moderator")),
    ("livinglab.comment.unhide", _("Unhide comment"), _("Comment shown again")),
    ("livinglab.comment.official", _("Mark official answer"), _("Marked as the official answer")),
    ("livinglab.report.dismiss", _("Dismiss report"), _("Report dismissed; the item stays")),
    ("livinglab.moderation.warn", _("Warn the author"), _("The author was warned by a moderator")),
]


@hooks.register("register_log_actions")
def register_proposal_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)


# Registered at import time, before any admin view asks for (and caches) a fallback policy.
for _model, (_actions, _perm) in viewsets.PERMISSION_POLICIES.items():
    register_permission_policy(_model, viewsets.ModerationPermissionPolicy(_model, _actions, _perm))

register_snippet(viewsets.LivingLabViewSetGroup)

for _action in viewsets.BULK_ACTIONS:
    hooks.register("register_bulk_action", _action)


@hooks.register("register_admin_urls")
def register_file_on_behalf_url():
    return [
        path("livinglab/file-on-behalf/", viewsets.file_on_behalf_view, name="proposals_file_on_behalf"),
        path("livinglab/moderation/", moderation.moderation_view, name="proposals_moderation"),
        path("livinglab/moderation/act/", moderation.moderation_action_view, name="proposals_moderation_action"),
        path("livinglab/moderation/unblock/<int:pk>/", moderation.unblock_view, name="proposals_moderation_unblock"),
    ]


class ModerationMenuItem(MenuItem):
    def is_shown(self, request):
        return can(request.user, "proposals.moderate_content")


@hooks.register("register_admin_menu_item")
def register_moderation_menu_item():
    return ModerationMenuItem(_("Moderation"), reverse("proposals_moderation"), icon_name="warning", order=140)


class WorkQueuePanel(Component):
    """The admin dashboard's first panel: what waits for this person, by role, with links to act on it."""

    name = "livinglab_work_queue"
    order = 10
    template_name = "proposals/admin/work_queue_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        user = self.user
        context = {"user": user}
        if can(user, "proposals.moderate_content"):
            context["open_reports"] = moderation.open_report_count()
        if can(user, "proposals.moderate"):
            awaiting = Proposal.objects.awaiting_status_decision()
            context["awaiting_decision"] = awaiting.count()
            context["assessments_due"] = awaiting.filter(assessments__isnull=True).count()
        if can(user, "proposals.view_expert_queue"):
            queue = Proposal.objects.awaiting_assessment_by(user)
            context["expert_queue_count"] = queue.count()
            context["expert_queue"] = list(queue.select_related("category")[:10])
            context["expert_assessed_count"] = Assessment.objects.filter(expert=user).count()
        return context


@hooks.register("insert_global_admin_css")
def moderation_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("proposals/admin.css"))


@hooks.register("construct_homepage_panels")
def add_work_queue_panel(request, panels):
    panels.insert(0, WorkQueuePanel(request.user))


class FileOnBehalfMenuItem(MenuItem):
    def is_shown(self, request):
        return can(request.user, "proposals.file_on_behalf")


@hooks.register("register_admin_menu_item")
def register_file_on_behalf_menu_item():
    return FileOnBehalfMenuItem(
        _("File for a resident"), reverse("proposals_file_on_behalf"), icon_name="form", order=160
    )
