"""Admin wiring for pilots: the proposal chooser, the CSV import view and its buttons, feedback moderation."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views.generic import EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from livinglab.errors import ActionRefused

from . import services, views
from .chooser import proposal_chooser_viewset
from .models import PilotFeedback, PilotIndexPage, PilotPage


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
        services.set_up_pilot_index(page.specific_deferred)


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


class FeedbackModerationForm(forms.ModelForm):
    """Moderators hide a comment with a reason, or show it again; ``FeedbackModerationEditView`` does it."""

    class Meta:
        model = PilotFeedback
        fields = ["is_hidden", "hidden_reason"]

    def clean(self):
        cleaned = super().clean()
        # ``initial`` holds the stored values: the bound instance already carries the posted ones.
        was_hidden, old_reason = self.initial.get("is_hidden"), (self.initial.get("hidden_reason") or "").strip()
        reason = (cleaned.get("hidden_reason") or "").strip()
        if cleaned.get("is_hidden") and not reason:
            self.add_error("hidden_reason", _("Give a reason for hiding this comment."))
        elif cleaned.get("is_hidden") and was_hidden and reason != old_reason:
            # The author was told the first reason; a new one is a new decision, recorded as one.
            self.add_error(
                "hidden_reason",
                _("This comment is already hidden. To give another reason, show it again first, then hide it."),
            )
        if not cleaned.get("is_hidden"):
            cleaned["hidden_reason"] = ""
        return cleaned


class FeedbackModerationEditView(EditView):
    """Hiding and showing go through ``pilots.services`` like the moderation queue: the audit entry
    (``livinglab.feedback.hide``/``unhide``), closing the comment's open reports, and the live update."""

    def save_instance(self):
        feedback, data = self.form.instance, self.form.cleaned_data
        if data["is_hidden"]:
            return services.hide_feedback(feedback, by=self.request.user, reason=data["hidden_reason"])
        return services.unhide_feedback(feedback, by=self.request.user)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            # The service checks the reason as for proposals and comments (length, blocked words).
            form.add_error("hidden_reason", exc.message_dict.get("reason", exc.messages))
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        self.produced_error_code = "validation_error"
        self.produced_error_message = self.get_error_message()
        return self.form_invalid(form)


class PilotFeedbackViewSet(ModelViewSet):
    """Moderation of residents' ratings and comments on pilots: hide a comment with a reason, or show it again."""

    model = PilotFeedback
    index_view_class = PilotFeedbackIndexView
    edit_view_class = FeedbackModerationEditView
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
    list_export = ["id", "pilot", "user", "rating", "comment", "is_hidden", "hidden_reason", "created_at", "updated_at"]

    def get_form_class(self, for_update=False):
        return FeedbackModerationForm


@hooks.register("register_admin_viewset")
def register_feedback_moderation():
    return PilotFeedbackViewSet("pilot_feedback", url_prefix="pilots/feedback")


@hooks.register("register_log_actions")
def register_pilot_log_actions(actions):
    actions.register_action(
        "livinglab.pilot.rated_on_behalf", _("Rate on behalf of a resident"), _("Rated for a resident at a desk")
    )
    actions.register_action("livinglab.feedback.hide", _("Hide feedback"), _("Feedback hidden by a moderator"))
    actions.register_action("livinglab.feedback.unhide", _("Unhide feedback"), _("Feedback shown again"))
