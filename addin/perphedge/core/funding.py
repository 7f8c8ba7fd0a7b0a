"""Funding of the short hedge: a positive rate means longs pay shorts, so the hedge receives.

APR is simple (not compounded): rate × settlements per day × 365.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from perphedge.core import validate as v
from perphedge.core.conventions import DAYS_PER_YEAR, DEFAULT_INTERVAL_HOURS, HOURS_PER_DAY, MS_PER_HOUR
from perphedge.core.errors import InvalidInput
from perphedge.core.marketdata import FundingPoint


def funding_apr(rate_per_interval: float, interval_hours: float = DEFAULT_INTERVAL_HOURS) -> float:
    """Simple annual rate of ``rate_per_interval`` paid every ``interval_hours``."""
    rate = v.number("rate_per_interval", rate_per_interval)
    return rate * (HOURS_PER_DAY / v.positive("interval_hours", interval_hours)) * DAYS_PER_YEAR


def settlements(days: float, interval_hours: float = DEFAULT_INTERVAL_HOURS) -> float:
    """Funding settlements in ``days`` (fractional: a horizon need not end on one)."""
    return v.non_negative("days", days) * HOURS_PER_DAY / v.positive("interval_hours", interval_hours)


def funding_pnl_short(notional: float, rate_per_interval: float, days: float,
                      interval_hours: float = DEFAULT_INTERVAL_HOURS) -> float:
    """Funding the short receives (+) or pays (−) on ``notional`` over ``days``."""
    n = v.non_negative("notional", notional)
    rate = v.number("rate_per_interval", rate_per_interval)
    return n * rate * settlements(days, interval_hours) + 0.0


@dataclass(frozen=True)
class FundingSummary:
    """Average funding over a history. ``interval_source``: ``given`` (by the caller),
    ``history`` (inferred from the settlement times) or ``assumed`` (the 8 h default)."""

    count: int
    mean_rate_per_interval: float
    apr: float
    interval_hours: float
    start_ms: int
    end_ms: int
    interval_source: str = "given"


def infer_interval_hours(times_ms: Sequence[int]) -> float | None:
    """Median gap between consecutive settlements, rounded to the nearest hour.

    Rounding absorbs the few milliseconds of jitter in exchange time stamps. None when
    there are fewer than two distinct times or the gap is under half an hour.
    """
    if isinstance(times_ms, (str, bytes)) or not isinstance(times_ms, Sequence):
        raise InvalidInput("times_ms", times_ms, "must be a list of times in ms")
    times = sorted(v.integer(f"times_ms[{i}]", t) for i, t in enumerate(times_ms))
    gaps = sorted(b - a for a, b in zip(times, times[1:]) if b > a)
    if not gaps:
        return None
    mid = len(gaps) // 2
    median = gaps[mid] if len(gaps) % 2 else (gaps[mid - 1] + gaps[mid]) / 2
    hours = round(median / MS_PER_HOUR)
    return float(hours) if hours > 0 else None


def summarize_funding(points: Sequence[FundingPoint], interval_hours: float | None = None,
                      since_ms: int | None = None) -> FundingSummary:
    """Count, mean rate and APR of the settlements at or after ``since_ms``."""
    if isinstance(points, (str, bytes)) or not isinstance(points, Sequence):
        raise InvalidInput("points", points, "must be a list of funding points")
    for i, p in enumerate(points):
        if not isinstance(p, FundingPoint):
            raise InvalidInput(f"points[{i}]", p, "must be a FundingPoint")
        v.integer(f"points[{i}].time_ms", p.time_ms)
        v.number(f"points[{i}].rate_per_interval", p.rate_per_interval)
    since = None if since_ms is None else v.integer("since_ms", since_ms)
    kept = [p for p in points if since is None or p.time_ms >= since]
    if not kept:
        raise InvalidInput("points", len(points),
                           "must hold at least one settlement in the period (count shown)")
    if interval_hours is not None:
        hours, source = v.positive("interval_hours", interval_hours), "given"
    else:
        inferred = infer_interval_hours([p.time_ms for p in kept])
        if inferred is None:
            hours, source = DEFAULT_INTERVAL_HOURS, "assumed"
        else:
            hours, source = inferred, "history"
    mean = sum(float(p.rate_per_interval) for p in kept) / len(kept)
    times = [int(p.time_ms) for p in kept]
    return FundingSummary(len(kept), mean, funding_apr(mean, hours), hours,
                          min(times), max(times), source)
