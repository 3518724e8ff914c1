from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MydataConfig(AppConfig):
    name = "mydata"
    verbose_name = _("My data")

    def ready(self):
        # Registers this app's step with accounts' erasure (accounts imports no other app).
        from . import erasure  # noqa: F401
