from wagtail.users.views.users import DeleteView as WagtailUserDeleteView
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from .forms import AdminUserCreationForm, AdminUserEditForm
from .services import erase_account


class EraseUserView(WagtailUserDeleteView):
    """ "Delete user" in the admin erases the account, as "Delete my account" does (counters stay exact)."""

    def get_usage(self):
        # Nothing is deleted, so nothing that points at the user (their comments, proposals) protects it.
        return None

    def delete_action(self):
        erase_account(self.object, by=self.request.user)


class UserViewSet(WagtailUserViewSet):
    """Wagtail's user admin with the display name, home area and role (expert field and organisation)."""

    delete_view_class = EraseUserView

    # What "Download CSV" writes (Wagtail streams one blank line per user without it). No password hash.
    list_export = [
        "id",
        "email",
        "display_name",
        "role",
        "home_area",
        "expertise",
        "organisation",
        "is_active",
        "is_superuser",
        "date_joined",
        "last_login",
    ]

    def get_form_class(self, for_update=False):
        return AdminUserEditForm if for_update else AdminUserCreationForm
