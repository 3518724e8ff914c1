from django.apps import AppConfig


class AdminScriptsConfig(AppConfig):
    """The Wagtail admin without inline scripts, so that it runs under the site's nonce-only policy."""

    name = "adminscripts"
    verbose_name = "Admin scripts"

    def ready(self):
        from . import initialisers  # noqa: PLC0415 - patching Wagtail needs its apps loaded

        initialisers.start_choosers_without_inline_scripts()
