from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # Subscribing needs the models loaded, so it happens here (Django's documented place for receivers).
        from . import sms, subscribers  # noqa: F401, PLC0415
