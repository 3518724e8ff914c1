"""What each stream observes, the unit it is stored in, and how units that arrive are checked or converted."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class ObservedProperty(models.TextChoices):
    PM10 = "pm10", _("PM10 fine dust")
    PM25 = "pm25", _("PM2.5 ultrafine dust")
    TEMPERATURE = "temperature", _("Temperature")
    NOISE = "noise", _("Noise")
    FOOTFALL = "footfall", _("Footfall")
    SHELTER_OCCUPANCY = "shelter_occupancy", _("Shelter occupancy")
    LIGHT_LEVEL = "light_level", _("Light level")
    TILT = "tilt", _("Tilt")
    CRACK_WIDTH = "crack_width", _("Crack width")


# The unit a property is stored in, and its default valid range (an editor narrows it per stream).
STORED_UNIT = {
    ObservedProperty.PM10: "µg/m³",
    ObservedProperty.PM25: "µg/m³",
    ObservedProperty.TEMPERATURE: "°C",
    ObservedProperty.NOISE: "dB(A)",
    ObservedProperty.FOOTFALL: "people",
    ObservedProperty.SHELTER_OCCUPANCY: "people",
    ObservedProperty.LIGHT_LEVEL: "lx",
    ObservedProperty.TILT: "°",
    ObservedProperty.CRACK_WIDTH: "mm",
}
DEFAULT_RANGE = {
    ObservedProperty.PM10: (0.0, 1000.0),
    ObservedProperty.PM25: (0.0, 500.0),
    ObservedProperty.TEMPERATURE: (-40.0, 60.0),
    ObservedProperty.NOISE: (20.0, 140.0),
    ObservedProperty.FOOTFALL: (0.0, 100000.0),
    ObservedProperty.SHELTER_OCCUPANCY: (0.0, 200.0),
    ObservedProperty.LIGHT_LEVEL: (0.0, 200000.0),
    ObservedProperty.TILT: (-90.0, 90.0),
    ObservedProperty.CRACK_WIDTH: (0.0, 100.0),
}
# A jump between consecutive readings larger than this is flagged as a spike.
DEFAULT_SPIKE = {
    ObservedProperty.PM10: 150.0,
    ObservedProperty.PM25: 80.0,
    ObservedProperty.TEMPERATURE: 10.0,
    ObservedProperty.NOISE: 40.0,
    ObservedProperty.FOOTFALL: 5000.0,
    ObservedProperty.SHELTER_OCCUPANCY: 60.0,
    ObservedProperty.LIGHT_LEVEL: 100000.0,
    ObservedProperty.TILT: 2.0,
    ObservedProperty.CRACK_WIDTH: 1.0,
}

# Spellings that sources use for the same unit, folded to one canonical symbol.
_ALIASES = {
    "ug/m3": "µg/m³",
    "µg/m3": "µg/m³",
    "μg/m3": "µg/m³",
    "μg/m³": "µg/m³",
    "㎍/㎥": "µg/m³",
    "ug/m³": "µg/m³",
    "microgram per cubic meter": "µg/m³",
    "mg/m3": "mg/m³",
    "c": "°C",
    "degc": "°C",
    "celsius": "°C",
    "degree celsius": "°C",
    "℃": "°C",
    "°c": "°C",
    "f": "°F",
    "degf": "°F",
    "°f": "°F",
    "fahrenheit": "°F",
    "db": "dB(A)",
    "dba": "dB(A)",
    "db(a)": "dB(A)",
    "lux": "lx",
    "lx": "lx",
    "deg": "°",
    "degree": "°",
    "degrees": "°",
    "°": "°",
    "mm": "mm",
    "cm": "cm",
    "people": "people",
    "persons": "people",
    "person": "people",
    "count": "people",
    "명": "people",
}
# (from, to): how a value in ``from`` becomes a value in ``to``.
_CONVERSIONS = {
    ("mg/m³", "µg/m³"): lambda v: v * 1000.0,
    ("°F", "°C"): lambda v: (v - 32.0) * 5.0 / 9.0,
    ("cm", "mm"): lambda v: v * 10.0,
}


def canonical_unit(unit: str | None) -> str:
    """``"ug/m3"`` → ``"µg/m³"``; an unknown spelling comes back stripped, so it still compares."""
    text = re.sub(r"\s+", " ", str(unit or "")).strip()
    return _ALIASES.get(text.casefold(), text)


def converter(from_unit: str | None, to_unit: str):
    """A function turning a value in ``from_unit`` into ``to_unit``; None when they cannot be reconciled.

    An empty ``from_unit`` means the source did not say: the value is taken as it comes.
    """
    source, target = canonical_unit(from_unit), canonical_unit(to_unit)
    if not source or source == target:
        return float
    return _CONVERSIONS.get((source, target))
