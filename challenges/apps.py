from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "challenges"
    verbose_name = _("Challenges")

    def ready(self):
        # Local import is the AppConfig.ready contract: the live pushes subscribe to this app's events.
        from . import live  # noqa: F401
