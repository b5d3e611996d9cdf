"""The one shape every benchmark reports in, and the statistics they share.

Each `bench_*.py` returns a list of `Figure` dicts so the harness can print them in one
table and write them to JSON without knowing anything about what was measured. A figure
carries its own goal and, where it makes sense, a baseline measured in the same run: a
ratio against something measured on the same machine a moment earlier survives a noisy or
slow machine far better than an absolute number does.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import NotRequired, TypedDict


class Figure(TypedDict):
    """One measured number, as the harness prints and stores it."""

    name: str
    value: float
    unit: str
    goal: str
    ok: bool | None
    note: str
    baseline: NotRequired[float | None]
    ratio: NotRequired[float | None]


def figure(
    name: str,
    value: float,
    unit: str,
    goal: str = "",
    *,
    limit: float | None = None,
    baseline: float | None = None,
    ok: bool | None = None,
    note: str = "",
) -> Figure:
    """Build a figure; `limit` (an upper bound) decides `ok` when `ok` is not given.

    `ratio` is `value / baseline`, present whenever a non-zero baseline is, so a reader sees
    at once how far the figure is from the floor it was measured against.
    """
    if ok is None and limit is not None:
        ok = value <= limit
    result = Figure(name=name, value=value, unit=unit, goal=goal, ok=ok, note=note)
    if baseline is not None:
        result["baseline"] = baseline
        result["ratio"] = value / baseline if baseline else None
    return result


def percentile(samples: Sequence[float], pct: float) -> float:
    """The `pct`-th percentile (0-100) with linear interpolation between samples.

    Written out rather than `statistics.quantiles` because that needs two samples and picks
    cut points differently for small n; benchmarks in quick mode run with as few as three.
    """
    if not samples:
        raise ValueError("percentile of no samples")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * pct / 100.0
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def median(samples: Sequence[float]) -> float:
    """The median; a named helper so every benchmark says the same thing the same way."""
    return statistics.median(samples)
