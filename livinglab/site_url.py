"""The site as people reach it: one configured address (``SITE_URL``) and one name, for every e-mail.

A mail may be written by the task worker, far from any request, so links never come from a request's
host: ``absolute_url(proposal.get_absolute_url())`` is the link to put in a message. In development
``SITE_URL`` is the address ``make run`` serves (HOST and PORT); in production it is the public address.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext
from wagtail.models import Site


def site_url() -> str:
    return (settings.SITE_URL or settings.WAGTAILADMIN_BASE_URL).rstrip("/")


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse`` or ``get_absolute_url``) on the configured site address."""
    if urlsplit(path).scheme:
        return path
    return f"{site_url()}/{path.lstrip('/')}"


def site_name() -> str:
    """The name editors gave the default Wagtail site, or the platform's name in the active language."""
    name = Site.objects.filter(is_default_site=True).values_list("site_name", flat=True).first()
    return name or gettext(settings.WAGTAIL_SITE_NAME)


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's mail templates read as ``current_site``: ``name`` and ``domain``."""

    name: str
    domain: str


def current_site() -> SiteIdentity:
    return SiteIdentity(name=site_name(), domain=urlsplit(site_url()).netloc)
