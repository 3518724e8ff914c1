from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodesignConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "codesign"
    verbose_name = _("Co-design")

    def ready(self):
        # Local imports are the AppConfig.ready contract. The page_published signal (a library seam) rather
        # than the admin's hook, so scheduled publishing announces a survey too.
        from wagtail.signals import page_published

        # rules declare themselves; live pushes subscribe to events; counters follow Django's deletion collector
        # (seats stay exact whichever way a registration goes); erasure registers its step with accounts.
        from . import counters, erasure, live, rules  # noqa: F401
        from .models import SurveyAudience, SurveyPage
        from .services import announce_survey

        def survey_published(sender, instance, revision=None, **kwargs):
            if instance.audience == SurveyAudience.PARTICIPANTS:
                announce_survey(instance, actor_id=getattr(revision, "user_id", None))

        page_published.connect(
            survey_published, sender=SurveyPage, weak=False, dispatch_uid="codesign_survey_published"
        )
