from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self):
        # Receivers need the models loaded, so they connect here (Django's documented place for receivers):
        # post_save keeps the analysed text in step, the domain-event subscribers keep the index in step.
        from . import signals, subscribers  # noqa: F401, PLC0415
