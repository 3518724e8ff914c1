"""Honest comparisons: before/after at the pilot sites, and pilot against control (difference-in-differences).

The unit of analysis is the day (the mean of a role's sites that day), not the single reading: readings ten
minutes apart are not independent, and treating them as such would give intervals far too narrow. Intervals
are percentile bootstraps over days (numpy, fixed seed so a page shows the same numbers on every load).
"""

from dataclasses import dataclass

import numpy as np

BOOTSTRAP_SAMPLES = 2000
MIN_DAYS = 7  # fewer days in either period than this: too thin to conclude anything
SEED = 20260101


@dataclass(frozen=True)
class Estimate:
    effect: float | None
    low: float | None
    high: float | None
    effect_size: float | None  # the effect in standard deviations of the daily values (Cohen's d)
    days_before: int
    days_after: int
    readings: int
    verdict: str  # "thin", "unclear", "better", "worse"

    @property
    def includes_zero(self) -> bool:
        return self.low is not None and self.low <= 0 <= self.high


def _bootstrap_mean_difference(before: np.ndarray, after: np.ndarray, rng) -> np.ndarray:
    b = before[rng.integers(0, len(before), size=(BOOTSTRAP_SAMPLES, len(before)))].mean(axis=1)
    a = after[rng.integers(0, len(after), size=(BOOTSTRAP_SAMPLES, len(after)))].mean(axis=1)
    return a - b


def _pooled_sd(before: np.ndarray, after: np.ndarray) -> float | None:
    dof = len(before) + len(after) - 2
    if dof <= 0:
        return None
    pooled = ((len(before) - 1) * before.var(ddof=1) + (len(after) - 1) * after.var(ddof=1)) / dof
    return float(np.sqrt(pooled)) if pooled > 0 else None


def compare(before, after, *, readings: int, lower_is_better: bool = True) -> Estimate:
    """The change of the mean from ``before`` to ``after`` (daily values), with a 95 % bootstrap interval."""
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if len(before) < MIN_DAYS or len(after) < MIN_DAYS:
        return Estimate(None, None, None, None, len(before), len(after), readings, "thin")
    effect = float(after.mean() - before.mean())
    diffs = _bootstrap_mean_difference(before, after, np.random.default_rng(SEED))
    low, high = (float(x) for x in np.percentile(diffs, [2.5, 97.5]))
    sd = _pooled_sd(before, after)
    verdict = "unclear" if low <= 0 <= high else ("better" if (effect < 0) == lower_is_better else "worse")
    return Estimate(
        round(effect, 3),
        round(low, 3),
        round(high, 3),
        round(effect / sd, 2) if sd else None,
        len(before),
        len(after),
        readings,
        verdict,
    )


def difference_in_differences(pilot: dict, control: dict, start, *, readings: int, lower_is_better=True) -> Estimate:
    """(pilot − control) after the start against (pilot − control) before, over days both were measured.

    ``pilot`` and ``control`` map a day to that day's mean across the role's sites.
    """
    days = sorted(set(pilot) & set(control))
    before = [pilot[d] - control[d] for d in days if d < start]
    after = [pilot[d] - control[d] for d in days if d >= start]
    return compare(before, after, readings=readings, lower_is_better=lower_is_better)
