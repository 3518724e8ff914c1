"""What the weekly "my dong" digest (``notifications.digest``) asks of co-design: the sessions coming up there."""

from livinglab.site_url import absolute_url
from pilots.models import PilotPage

from .models import Session


def upcoming_sessions(area, start, end) -> list[tuple[str, object, str]]:
    """Published sessions starting between ``start`` and ``end`` on pilots in ``area``: (title, when, url)."""
    pages = PilotPage.objects.live().filter(area=area).values("pk")
    sessions = Session.objects.published().filter(page_id__in=pages, starts_at__gte=start, starts_at__lt=end)
    return [(s.title, s.starts_at, absolute_url(s.get_absolute_url())) for s in sessions.order_by("starts_at")]
