from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def distance(km) -> str:
    """A distance for people: "350 m" below a kilometre, "1.2 km" above."""
    if km is None or km == "":
        return ""
    km = float(km)
    if km < 1:
        return _("%(metres)d m") % {"metres": round(km * 1000 / 10) * 10}
    return _("%(km).1f km") % {"km": km}
