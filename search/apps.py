from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self):
        # Receivers need the models loaded, so they connect here (Django's documented place for receivers):
        # post_save keeps the analysed text in step, the domain-event subscribers keep the index in step, and
        # Wagtail's indexed models (pages, images, documents) write the outbox of its cluster index.
        from . import signals, subscribers, wagtail_index  # noqa: F401, PLC0415

        signals.connect_wagtail_receivers()
        checks.register(wagtail_index.check_cluster_backends)
