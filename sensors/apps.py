from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "sensors"
    verbose_name = _("Sensors")

    def ready(self):
        from . import live  # noqa: F401 - the latest readings are pushed to open pilot pages
