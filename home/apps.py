from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Home and pages")

    def ready(self):
        # Wagtail's report and listing exports are the site's CSVs too; neutralise formulas in them. Imported
        # here because Wagtail's admin views need the app registry (Django's documented place for this).
        from livinglab.spreadsheets import guard_wagtail_exports

        guard_wagtail_exports()
