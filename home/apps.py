from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Home and pages")

    def ready(self):
        # Wagtail's report and listing exports are the site's CSVs too; neutralise formulas in them. Imported
        # here because Wagtail's admin views need the app registry (Django's documented place for this).
        from django.core import checks

        from livinglab import routes  # noqa: F401  (known routes follow every page and site change, in any process)
        from livinglab.spreadsheets import guard_wagtail_exports
        from livinglab.wagtail_images import bound_wagtail_renditions, check_accepted_image_formats

        from . import legal  # noqa: F401  (Wagtail's page_published seam: the legal pages' consent version)

        guard_wagtail_exports()
        # Editors' images follow residents' photos' rules: renditions under the image-work limit, and only
        # formats whose location data is stripped (livinglab/wagtail_images.py).
        bound_wagtail_renditions()
        checks.register(check_accepted_image_formats)
