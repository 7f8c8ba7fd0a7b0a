"""Funding of the short hedge: a positive rate means longs pay shorts, so the hedge receives.

APR is simple (not compounded): rate × settlements per day × 365. In a history each
settlement's rate is per its own interval (the time since the settlement before it), so a
market whose interval changed (8 h to 4 h, say) is annualised settlement by settlement.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
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
    """Funding over a window of a history.

    ``apr`` is what the window earned: the sum of its rates ÷ the window's length in years,
    the window being the sum of its settlements' own intervals (``window_hours``). With one
    interval throughout that is ``mean_rate_per_interval × 24 / interval_hours × 365``; when
    ``interval_changed`` it is not, and ``intervals_hours`` lists the distinct intervals
    seen. ``interval_hours`` is the own interval of the window's last settlement (the one in
    force at its end). ``interval_source``: ``given`` (by the caller, for a history of one
    settlement), ``history`` (from the settlement times) or ``assumed`` (the 8 h default)."""

    count: int
    mean_rate_per_interval: float
    apr: float
    interval_hours: float
    start_ms: int
    end_ms: int
    interval_source: str = "given"
    window_hours: float = 0.0
    intervals_hours: tuple[float, ...] = ()
    interval_changed: bool = False


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


def settlement_intervals(times_ms: Sequence[int],
                         single_interval_hours: float | None = None) -> tuple[float, ...]:
    """Each settlement's own interval in hours, in the order given (ascending times).

    A settlement's rate is paid for the interval ending at its time, so its interval is the
    time since the settlement before it; the first one's is the gap to the next. Gaps are
    rounded to the hour like :func:`infer_interval_hours` (exchange time stamps jitter by a
    few ms). A history of one settlement shows no interval: ``single_interval_hours`` (the
    exchange's stated interval) is its interval and must then be given.
    """
    if isinstance(times_ms, (str, bytes)) or not isinstance(times_ms, Sequence):
        raise InvalidInput("times_ms", times_ms, "must be a list of times in ms")
    times = [v.integer(f"times_ms[{i}]", t) for i, t in enumerate(times_ms)]
    return _own_intervals(times, lambda i: f"times_ms[{i}]", single_interval_hours)


def settlement_aprs(points: Sequence[FundingPoint],
                    single_interval_hours: float | None = None) -> tuple[tuple[float, float], ...]:
    """(own interval in hours, APR) of each settlement, in the order given (ascending times):
    APR = rate × (24 / own interval) × 365, simple. Intervals as :func:`settlement_intervals`."""
    _check_points(points)
    hours = _own_intervals([int(p.time_ms) for p in points], lambda i: f"points[{i}].time_ms",
                           single_interval_hours)
    return tuple((h, funding_apr(p.rate_per_interval, h)) for p, h in zip(points, hours))


def _own_intervals(times: Sequence[int], name: Callable[[int], str],
                   single_interval_hours: float | None) -> tuple[float, ...]:
    single = (None if single_interval_hours is None
              else v.positive("single_interval_hours", single_interval_hours))
    if len(times) < 2:
        if not times:
            return ()
        if single is None:
            raise InvalidInput("single_interval_hours", None,
                               "must be given for a history of one settlement")
        return (single,)
    hours = []
    for i in range(1, len(times)):
        h = round((times[i] - times[i - 1]) / MS_PER_HOUR)
        if h < 1:
            raise InvalidInput(name(i), times[i], "must be more than half an hour after the "
                               f"settlement before it ({times[i - 1]})")
        hours.append(float(h))
    return (hours[0], *hours)


def _check_points(points: Sequence[FundingPoint]) -> None:
    if isinstance(points, (str, bytes)) or not isinstance(points, Sequence):
        raise InvalidInput("points", points, "must be a list of funding points")
    for i, p in enumerate(points):
        if not isinstance(p, FundingPoint):
            raise InvalidInput(f"points[{i}]", p, "must be a FundingPoint")
        v.integer(f"points[{i}].time_ms", p.time_ms)
        v.number(f"points[{i}].rate_per_interval", p.rate_per_interval)


def summarize_funding(points: Sequence[FundingPoint], interval_hours: float | None = None,
                      since_ms: int | None = None) -> FundingSummary:
    """Count, mean rate and the APR earned by the settlements at or after ``since_ms``.

    Each settlement counts over its own interval, worked out over the whole history (the
    window's first settlement counts from the one before it): :func:`settlement_intervals`.
    ``interval_hours`` is the exchange's stated interval, the interval of a history of one
    settlement (None: the 8 h default, flagged ``assumed``); a longer history's own spacing
    says which interval its rates are per.
    """
    _check_points(points)
    given = None if interval_hours is None else v.positive("interval_hours", interval_hours)
    since = None if since_ms is None else v.integer("since_ms", since_ms)
    kept = [p for p in points if since is None or p.time_ms >= since]
    if not kept:
        raise InvalidInput("points", len(points),
                           "must hold at least one settlement in the period (count shown)")
    ordered = sorted(int(p.time_ms) for p in points)
    if len(ordered) >= 2:
        source = "history"
        own = dict(zip(ordered, _own_intervals(ordered, _named_by_time(points), None)))
    else:
        source = "given" if given is not None else "assumed"
        own = {ordered[0]: given if given is not None else DEFAULT_INTERVAL_HOURS}
    times = [int(p.time_ms) for p in kept]
    hours = [own[t] for t in times]
    distinct = tuple(sorted(set(hours)))
    window = math.fsum(hours)
    mean = sum(float(p.rate_per_interval) for p in kept) / len(kept)
    if len(distinct) == 1:
        apr = funding_apr(mean, distinct[0])  # one interval: mean × 24 / interval × 365
    else:
        total = math.fsum(float(p.rate_per_interval) for p in kept)
        apr = total / (window / (HOURS_PER_DAY * DAYS_PER_YEAR))
    latest = own[max(times)]
    return FundingSummary(len(kept), mean, apr, latest, min(times), max(times), source,
                          window, distinct, len(distinct) > 1)


def _named_by_time(points: Sequence[FundingPoint]) -> Callable[[int], str]:
    """Names the point of the i-th time in time order, as the caller numbered it."""
    by_time = sorted(range(len(points)), key=lambda i: int(points[i].time_ms))
    return lambda i: f"points[{by_time[i]}].time_ms"
