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
    weather signal (same seed for every site) plus site noise; ``effect`` µg/m³ added from ``effect_from``.
    """
    t0 = int(start.timestamp())
    epochs = t0 + np.arange(count, dtype=np.int64) * step_seconds
    day_of_year = ((epochs + 9 * 3600) // 86400) % 365
    hour = ((epochs + 9 * 3600) // 3600) % 24
    seasonal = 24 + 12 * np.cos(2 * np.pi * (day_of_year - 60) / 365)
    daily = 5 * np.exp(-((hour - 8) ** 2) / 6) + 6 * np.exp(-((hour - 19) ** 2) / 8)
    weather = (
        np.repeat(np.random.default_rng(7).normal(0, 6, count // 24 + 2), 24)[:count]
        if step_seconds == 3600
        else (np.random.default_rng(7).normal(0, 6, count))
    )
    noise = np.random.default_rng(seed).normal(0, 3, count)
    values = np.clip(seasonal + daily + weather + noise, 1, None)
    if effect_from is not None:
        values[effect_from:] += effect
        values = np.clip(values, 1, None)
    values = np.round(values, 1)
    if stuck:
        values[stuck[0] : stuck[1]] = values[stuck[0]]
    keep = np.ones(count, dtype=bool)
    if gap:
        keep[gap[0] : gap[1]] = False
    return epochs[keep], values[keep]
