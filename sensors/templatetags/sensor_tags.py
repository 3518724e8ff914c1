"""The pilot page's sensor evidence section: ``{% sensor_evidence page %}`` (pilots never import sensors)."""

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

from ..evidence import evidence

register = template.Library()


@register.inclusion_tag("sensors/includes/evidence.html", takes_context=True)
def sensor_evidence(context, page):
    request = context.get("request")
    include_flagged = bool(request and request.GET.get("flagged") == "1")
    return {
        "page": page,
        "request": request,
        "evidence": evidence(page.pk, include_flagged=include_flagged),
        "map_tile_url": settings.MAP_TILE_URL,
    }


@register.filter
def signed(value):
    """+1.5 / −2.0: a change always shows its direction."""
    if value is None:
        return ""
    return f"{value:+.1f}".replace("-", "−")


@register.simple_tag
def verdict_text(estimate, unit, kind):
    """The plain-language reading of an estimate, saying so when the evidence is too thin or unclear."""
    numbers = {
        "effect": signed(estimate.effect),
        "low": signed(estimate.low),
        "high": signed(estimate.high),
        "unit": unit,
        "before": estimate.days_before,
        "after": estimate.days_after,
        "d": estimate.effect_size if estimate.effect_size is not None else "—",
    }
    if estimate.verdict == "thin":
        return (
            _(
                "Too little data to conclude: %(before)s days before and %(after)s days after the pilot started; "
                "at least 7 of each are needed."
            )
            % numbers
        )
    if estimate.verdict == "unclear":
        return (
            _(
                "No clear change: the 95%% interval (%(low)s to %(high)s %(unit)s) includes zero, so these data "
                "cannot tell an effect from chance."
            )
            % numbers
        )
    if kind == "did":
        text = _(
            "Compared with the control sites over the same days, the pilot sites changed by %(effect)s %(unit)s "
            "(95%% interval %(low)s to %(high)s; effect size %(d)s)."
        )
    else:
        text = _(
            "At the pilot sites the mean changed by %(effect)s %(unit)s after the start (95%% interval %(low)s to "
            "%(high)s; effect size %(d)s)."
        )
    ending = _("That is an improvement.") if estimate.verdict == "better" else _("That is a deterioration.")
    return f"{text % numbers} {ending}"
