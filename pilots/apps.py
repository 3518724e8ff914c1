from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotsConfig(AppConfig):
    name = "pilots"
    verbose_name = _("Pilots")

    def ready(self):
        # The page_published signal rather than the after_publish_page hook: the hook runs only in the
        # admin's edit view, while scheduled publishing and workflow approvals publish too.
        from wagtail.signals import page_published

        from .models import PilotPage
        from .signals import pilot_published

        page_published.connect(pilot_published, sender=PilotPage, dispatch_uid="pilots.sync_proposals")
