"""Wagtail admin wiring: the desk request page, its menu item and the audit log's action names."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .admin_views import desk_requests_view

LOG_ACTIONS = [
    ("livinglab.mydata.requested", _("Request personal data"), _("Copy of personal data requested")),
    ("livinglab.mydata.handed_over", _("Hand over personal data"), _("Copy of personal data downloaded by staff")),
]


@hooks.register("register_log_actions")
def register_mydata_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)


@hooks.register("register_admin_urls")
def register_desk_requests_url():
    return [path("livinglab/data-requests/", desk_requests_view, name="mydata_desk_requests")]


class DeskRequestsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("mydata.handle_desk_request")


@hooks.register("register_admin_menu_item")
def register_desk_requests_menu_item():
    return DeskRequestsMenuItem(_("Data requests"), reverse("mydata_desk_requests"), icon_name="download", order=170)
