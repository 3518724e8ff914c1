"""The Wagtail admin's user bulk actions, routed through the same paths as the site.

Deleting users in bulk erases their accounts (``erase_account``: votes withdrawn with exact counters,
contributions kept as "former participant"), and marking them inactive closes their open sockets.
Registered after Wagtail's own (``order``), so these replace the actions with the same ``action_type``.
The Reports menu's "Aging pages" leads to a copy of Wagtail's report that names people by display name.
"""

from allauth.socialaccount.models import SocialApp
from django.db import transaction
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.users.views.bulk_actions import DeleteBulkAction, SetActiveStateBulkAction

from livinglab.live import end_live_sessions

from .reports import AgingPagesByNameView
from .services import erase_account

AFTER_WAGTAIL = 100


@hooks.register("register_log_actions")
def register_account_log_actions(actions):
    actions.register_action("livinglab.account.erase", _("Erase account"), _("Account erased; contributions kept"))
    actions.register_action("livinglab.account.block", _("Block account"), _("Blocked from taking part"))
    actions.register_action("livinglab.account.unblock", _("Unblock account"), _("Allowed to take part again"))


@hooks.register("register_bulk_action", order=AFTER_WAGTAIL)
class EraseUsersBulkAction(DeleteBulkAction):
    def annotate_items(self, items):
        items = super().annotate_items(items)
        # Erased, not deleted: what points at these users (their comments, proposals) does not protect them.
        self.is_protected = False
        return items

    def get_execution_context(self):
        return {**super().get_execution_context(), "user": self.request.user}

    @classmethod
    def execute_action(cls, objects, model=None, user=None, **kwargs):
        with transaction.atomic():
            for person in objects:
                erase_account(person, by=user)
        return len(objects), 0


@hooks.register("register_bulk_action", order=AFTER_WAGTAIL)
class SetActiveStateClosingSocketsBulkAction(SetActiveStateBulkAction):
    @classmethod
    def execute_action(cls, objects, mark_as_active=False, model=None, **kwargs):
        result = super().execute_action(objects, mark_as_active=mark_as_active, model=model, **kwargs)
        if not mark_as_active:
            # Wagtail updates the rows in one query, without saving each user: tell their sockets here.
            ids = [person.pk for person in objects if person.pk != getattr(kwargs.get("user"), "pk", None)]
            transaction.on_commit(lambda: [end_live_sessions(pk) for pk in ids], robust=True)
        return result


class SocialAppViewSet(ModelViewSet):
    """Kakao and Naver credentials, for sites that keep them in the database rather than the environment."""

    model = SocialApp
    form_fields = ["provider", "name", "client_id", "secret", "key", "settings"]
    list_display = ["name", "provider", "client_id"]
    icon = "key"
    add_to_settings_menu = True
    menu_label = _("Kakao and Naver sign-in")


@hooks.register("register_admin_viewset")
def register_social_apps():
    return SocialAppViewSet("social_apps")


@hooks.register("register_admin_urls")
def register_aging_pages_by_name_urls():
    return [
        path("reports/aging-pages-by-name/", AgingPagesByNameView.as_view(), name="livinglab_aging_pages"),
        path(
            "reports/aging-pages-by-name/results/",
            AgingPagesByNameView.as_view(results_only=True),
            name="livinglab_aging_pages_results",
        ),
    ]


@hooks.register("construct_reports_menu")
def point_aging_pages_at_display_names(request, menu_items):
    # Wagtail's own report (by e-mail address) stays at its URL; the menu leads to the one that names people.
    for item in menu_items:
        if item.name == "aging-pages":
            item.url = reverse("livinglab_aging_pages")
