from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotsConfig(AppConfig):
    name = "pilots"
    verbose_name = _("Pilots")

    def ready(self):
        # Local imports are the AppConfig.ready contract: models can only be imported once the registry is ready.
        # The page_published signal rather than the after_publish_page hook: the hook runs only in the
        # admin's edit view, while scheduled publishing and workflow approvals publish too.
        from wagtail.signals import page_published

        from proposals.moderation_registry import register

        from . import live  # noqa: F401 - the live pushes subscribe to this app's events
        from .models import PilotPage
        from .moderation import FeedbackKind
        from .signals import pilot_published

        page_published.connect(pilot_published, sender=PilotPage, dispatch_uid="pilots.sync_proposals")
        # Residents' comments on results can be reported; the one moderation queue lists them.
        register(FeedbackKind())
