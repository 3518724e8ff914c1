"""Template tags that show pilots elsewhere on the site, e.g. on the proposal a pilot answers."""

from django import template

from ..models import PilotPage, PilotStatus

register = template.Library()


@register.inclusion_tag("pilots/includes/proposal_pilot_summary.html")
def proposal_pilot_summary(proposal):
    """The published pilot answering ``proposal``: title, link, status and how its metrics are doing."""
    pilot = (
        PilotPage.objects.live()
        .public()
        .filter(pilot_proposals__proposal=proposal)
        .select_related("area", "area__parent")
        .order_by("-first_published_at", "-pk")
        .first()
    )
    metrics = list(pilot.metrics.all()) if pilot else []
    measured = [m for m in metrics if m.actual is not None]
    return {
        "pilot": pilot,
        "metrics": metrics,
        "measured_count": len(measured),
        "met_count": sum(1 for m in measured if m.target_met),
    }


@register.filter
def krw(value):
    """12345678 -> "₩12,345,678"."""
    if value in (None, ""):
        return ""
    return f"₩{int(value):,}"


@register.filter
def trim_number(value):
    """Decimal('12.500') -> '12.5', Decimal('3.000') -> '3'; None stays empty."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@register.simple_tag
def pilot_count() -> int:
    """The pilots the lab has published (planned, running, evaluated or ended), for the home page's numbers."""
    return PilotPage.objects.live().public().count()


@register.inclusion_tag("pilots/includes/pilots_running.html")
def pilots_running(limit: int = 3):
    """The pilots running now, each with its headline result (its first measured metric), for the home page."""
    pilots = list(
        PilotPage.objects.live()
        .public()
        .filter(status=PilotStatus.RUNNING)
        .select_related("area", "area__parent")
        .prefetch_related("metrics")
        .order_by("-first_published_at", "-pk")[:limit]
    )
    cards = []
    for pilot in pilots:
        measured = [m for m in pilot.metrics.all() if m.actual is not None]
        cards.append({"pilot": pilot, "headline": measured[0] if measured else None})
    return {"cards": cards}
