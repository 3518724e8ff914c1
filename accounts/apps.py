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
        from allauth.core.internal import ratelimit as allauth_ratelimit
        from django.conf import settings

        from . import signals  # noqa: F401  (allauth's user_signed_up seam)

        # allauth serialises each rate-limit count behind a lock in the cache and answers 429 to a request that
        # waited one second for it. A busy worker can hold it that long (CI saw four of ten neighbours signing
        # in at once from one address refused so), so a person would be refused by a lock, not by a limit. The
        # wait ends as soon as the lock is free; the lock itself still expires after its own ten seconds.
        allauth_ratelimit.CACHE_LOCK_WAIT_TIMEOUT = settings.ALLAUTH_RATE_LIMIT_LOCK_WAIT


class LivingLabUsersAppConfig(WagtailUsersAppConfig):
    user_viewset = "accounts.viewsets.UserViewSet"
