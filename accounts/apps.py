from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    # Two configs live in this module, so Django needs to be told which one "accounts" means; without it
    # the plain AppConfig was used and ``ready`` (the signal receivers) never ran.
    default = True
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import signals  # noqa: F401  (allauth's user_signed_up seam)


class LivingLabUsersAppConfig(WagtailUsersAppConfig):
    user_viewset = "accounts.viewsets.UserViewSet"
