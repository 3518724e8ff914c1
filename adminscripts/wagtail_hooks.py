"""Every admin page loads admin-init.js, which starts the widgets Wagtail would start with inline scripts."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_global_admin_js")
def admin_init_js():
    # Deferred: it runs once the page is parsed, after Wagtail's scripts and the form media that define the
    # initialisers, and before DOMContentLoaded, where Wagtail's own start-up code runs.
    return format_html('<script src="{}" defer></script>', static("adminscripts/admin-init.js"))
