"""Synthetic fine-dust readings with a daily and seasonal shape, noise, stuck sensors and a gap (numpy)."""

import datetime

import numpy as np


def pm25_series(
    start: datetime.datetime,
    count: int,
    *,
    step_seconds: int,
    seed: int,
    effect_from: int | None = None,
    effect: float = 0.0,
    stuck: tuple[int, int] | None = None,
    gap: tuple[int, int] | None = None,
):
    """``count`` readings from ``start``: (epoch seconds, values) with the kept indices only (a gap drops some).

    Shape: winter and spring high, summer low; a morning and evening rush-hour peak (Seoul time); a shared
    weather signal (same seed for every site) and site noise, both multiplicative; ``effect`` µg/m³ added from
    ``effect_from``.
    """
    t0 = int(start.timestamp())
    epochs = t0 + np.arange(count, dtype=np.int64) * step_seconds
    day_of_year = ((epochs + 9 * 3600) // 86400) % 365
    hour = ((epochs + 9 * 3600) // 3600) % 24
    seasonal = 24 + 12 * np.cos(2 * np.pi * (day_of_year - 60) / 365)
    daily = 5 * np.exp(-((hour - 8) ** 2) / 6) + 6 * np.exp(-((hour - 19) ** 2) / 8)
    # The weather (the same at every site, changing smoothly from day to day) and each site's noise scale the
    # level rather than add to it, so values stay positive without a floor: hours clipped to one floor value
    # would read as a stuck sensor.
    days = (epochs - t0) / 86400
    daily_weather = np.random.default_rng(7).normal(0, 0.3, int(days[-1]) + 2 if count else 1)
    weather = np.interp(days, np.arange(len(daily_weather)), daily_weather)
    noise = np.random.default_rng(seed).normal(0, 0.1, count)
    values = (seasonal + daily) * np.exp(weather + noise)
    if effect_from is not None:
        values[effect_from:] = np.maximum(values[effect_from:] + effect, 0.1)
    values = np.round(values, 1)
    if stuck:
        first, end = stuck
        held = values[first]
        values[first:end] = held
        # A reading beside the window that happens to round to the held value would make the stuck run one
        # reading longer than the window; it is moved by the smallest step, so the fault is exactly its length.
        for edge in (first - 1, end):
            if 0 <= edge < count and values[edge] == held:
                values[edge] = round(held + 0.1, 1)
    keep = np.ones(count, dtype=bool)
    if gap:
        keep[gap[0] : gap[1]] = False
    return epochs[keep], values[keep]
