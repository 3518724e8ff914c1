"""The Korean air-quality bands (Ministry of Environment, 좋음/보통/나쁨/매우나쁨) for PM10 and PM2.5."""

import math
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .units import ObservedProperty


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    # Upper bound included (µg/m³); None is open-ended.
    upper: float | None

    @property
    def css_class(self) -> str:
        return f"band-{self.key}"


def _bands(good: float, moderate: float, bad: float) -> tuple[Band, ...]:
    return (
        Band("good", _("Good"), good),
        Band("moderate", _("Moderate"), moderate),
        Band("bad", _("Bad"), bad),
        Band("very-bad", _("Very bad"), None),
    )


BANDS = {
    ObservedProperty.PM10: _bands(30, 80, 150),
    ObservedProperty.PM25: _bands(15, 35, 75),
}


def band_for(observed_property: str, value: float | None) -> Band | None:
    """The band a fine-dust value falls in; None for other properties or no value.

    The official bands are stated on whole µg/m³ (PM2.5 좋음 0–15, 보통 16–35, …); a value is rounded
    to the nearest whole number first, halves up (반올림) as the published index does: PM10 30.5 is 31, 보통.
    Python's ``round`` would take it to the even 30, 좋음.
    """
    bands = BANDS.get(observed_property)
    if not bands or value is None:
        return None
    rounded = math.floor(value + 0.5)
    for band in bands:
        if band.upper is None or rounded <= band.upper:
            return band
    return bands[-1]
