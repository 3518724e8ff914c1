"""Admin wiring for the desk: centres and desk staff (``desk.viewsets``), the inclusion dashboard's menu item,
and the audit log's names for the desk's actions."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from proposals.rules import can
from proposals.viewsets import ModerationPermissionPolicy

from .chooser import appointee_chooser_viewset
from .models import Centre, DeskStaff
from .viewsets import DesksViewSetGroup

LOG_ACTIONS = [
    ("livinglab.desk.appoint", _("Appoint desk staff"), _("Made desk staff at a centre")),
    ("livinglab.desk.dismiss", _("End a desk staff appointment"), _("No longer desk staff at a centre")),
    ("livinglab.desk.register", _("Register a resident at a desk"), _("Registered at a desk, consent on paper")),
    ("livinglab.desk.news_choice", _("Record a resident's choice of messages"), _("Choice of messages recorded")),
    ("livinglab.desk.claim_code_issued", _("Issue a hand-over letter"), _("Hand-over letter printed")),
    ("livinglab.desk.claim_refused", _("Refuse an account claim"), _("Account claim refused")),
    ("livinglab.desk.claimed", _("Claim an account"), _("Account taken over by the resident")),
    ("livinglab.desk.population", _("Set population figures"), _("Population figures changed")),
]


@hooks.register("register_log_actions")
def register_desk_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)


# Registered at import time, before any admin view asks for (and caches) a fallback policy. Administrators
# (``desk.rules``) run both listings: centres are reference data like areas (added and edited, never deleted:
# residents, staff and paper forms point at them); appointments are added, moved and ended.
register_permission_policy(Centre, ModerationPermissionPolicy(Centre, ("add", "change", "view"), "desk.manage_centres"))
register_permission_policy(
    DeskStaff, ModerationPermissionPolicy(DeskStaff, ("add", "change", "delete", "view"), "desk.appoint_staff")
)


@hooks.register("register_admin_viewset")
def register_appointee_chooser():
    return appointee_chooser_viewset


@hooks.register("register_admin_viewset")
def register_desks_viewset_group():
    return DesksViewSetGroup()


class InclusionMenuItem(MenuItem):
    def is_shown(self, request):
        # The dashboard's own check (``desk.services._require_administrator``).
        return can(request.user, "desk.manage_inclusion")


@hooks.register("register_admin_menu_item")
def register_inclusion_menu_item():
    return InclusionMenuItem(_("Inclusion dashboard"), reverse("desk:inclusion"), icon_name="view", order=180)
