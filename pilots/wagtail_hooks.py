"""Admin wiring for pilots: the proposal chooser, the CSV import view and its buttons, feedback moderation."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import views
from .chooser import proposal_chooser_viewset
from .forms import FeedbackModerationForm
from .models import PilotFeedback, PilotIndexPage, PilotPage
from .services import set_up_pilot_index


@hooks.register("register_admin_viewset")
def register_proposal_chooser():
    return proposal_chooser_viewset


@hooks.register("register_admin_urls")
def register_import_url():
    return [path("pilots/<int:page_id>/import-results/", views.import_results_view, name="pilots_import_results")]


class ImportResultsMenuItem(PageMenuItem):
    label = _("Import results (CSV)")
    icon_name = "upload"
    url_name = "pilots_import_results"

    def is_shown(self, user):
        return isinstance(self.page.specific_deferred, PilotPage) and self.page.permissions_for_user(user).can_publish()


@hooks.register("register_page_header_buttons")
def import_results_header_button(page, user, view_name, next_url=None):
    yield ImportResultsMenuItem(page=page, priority=40)


@hooks.register("register_page_listing_more_buttons")
def import_results_listing_button(page, user, next_url=None):
    yield ImportResultsMenuItem(page=page, priority=45)


@hooks.register("after_create_page")
def set_up_new_pilot_index(request, page):
    if isinstance(page.specific_deferred, PilotIndexPage):
        set_up_pilot_index(page.specific_deferred)


class FeedbackPermissionPolicy(ModelPermissionPolicy):
    """Feedback comes from residents on the site; moderators only hide or show it, never add or delete it."""

    def user_has_permission(self, user, action):
        if action in ("add", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(PilotFeedback, FeedbackPermissionPolicy(PilotFeedback))


class PilotFeedbackIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("pilot", "user")


class PilotFeedbackViewSet(ModelViewSet):
    """Moderation of residents' ratings and comments on pilots: hide a comment with a reason, or show it again."""

    model = PilotFeedback
    index_view_class = PilotFeedbackIndexView
    icon = "comment"
    menu_label = _("Pilot feedback")
    menu_order = 310
    add_to_admin_menu = True
    list_filter = ["is_hidden", "rating"]
    search_fields = ["comment"]
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        Column("pilot", label=_("Pilot"), accessor="pilot"),
        Column("user", label=_("Resident"), accessor="user"),
        Column("rating", label=_("Rating"), accessor="rating"),
        Column("comment", label=_("Comment"), accessor="comment"),
        StatusTagColumn(
            "is_hidden",
            label=_("Visibility"),
            accessor=lambda f: _("Hidden") if f.is_hidden else _("Shown"),
            primary=lambda f: not f.is_hidden,
        ),
        "updated_at",
    ]

    def get_form_class(self, for_update=False):
        return FeedbackModerationForm


@hooks.register("register_admin_viewset")
def register_feedback_moderation():
    return PilotFeedbackViewSet("pilot_feedback", url_prefix="pilots/feedback")
