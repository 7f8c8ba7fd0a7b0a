"""A funding-and-price backtest of a hedge policy, walked settlement by settlement (DESIGN §9).

A holding of ``qty`` base units of spot is hedged by an isolated linear short of
``hedge_ratio × qty`` base units (rounded DOWN to the amount step, in exact decimal, by
:func:`perphedge.core.contracts.contracts_for_notional`). Signs and units are DESIGN §3's:
a positive funding rate means the short RECEIVES ``short qty × mark × rate``; P&L is + for a
gain; the short's position is reported negative.

The walk, at each settlement (time, rate, mark), in this order:

1. **First settlement**: the short is opened at its mark *before* it settles, so it receives
   (or pays) that settlement's funding. Opening pays ``taker_fee × traded notional``.
2. **Price**: spot and short are marked to market from the previous settlement's mark.
3. **Liquidation**: the isolated short's liquidation price is computed at each (re)open from
   its entry (the mark it was opened at) and margin ``notional / leverage`` with
   :func:`perphedge.core.liquidation.liquidation_price_short`, the venue's rule
   (``rule_for(exchange, inverse=False)``) and the taker fee. If the mark is at or above it,
   the short is closed: its loss since the (re)open is ``short qty × (mark − entry)`` capped
   at its margin, no fee is charged besides (the venue's liquidation fee comes out of the
   margin), it receives no funding at that settlement, and the holding is unhedged from then.
4. **Funding** on the short held into the settlement, at the settlement's mark.
5. **Rebalance check** (every settlement after the first, except the one of a liquidation):
   when the hedge ratio ``short qty / qty`` is more than ``band`` away from the target, the
   short is traded to the target (rounded down to the step); a trade of zero (the rounded
   target is what is held) is no trade. So a liquidated hedge is re-opened at the NEXT
   settlement's check, and only if the ratio 0 is outside the band. A re-open counts as a
   rebalance; the first opening does not. A (re)opened or resized short takes the mark as its
   new entry and ``notional / leverage`` as its margin.

With a fixed spot quantity the linear short's base-unit ratio does not move with the price,
so it leaves the band only by a liquidation (or when the band is narrower than the step's
rounding, where the rounded target is already held and no trade follows).

Funding is booked to the account, not to the isolated margin; the short is marked, not
closed, at the last settlement (no closing fee). Hedged equity = spot value + short P&L +
funding − fees; unhedged equity = spot value; both start at the spot value at the first mark.

A **funding-only** path (no marks at all) gives only what is per unit of notional: per
calendar year the sum of rates (the short's funding per unit notional), with every price
figure None and ``price_figures_reason`` saying why. A path with marks on some settlements
only is refused: give the marked part for the walk, or the rates alone.
"""

from __future__ import annotations

import bisect
import calendar
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Context, Decimal

from perphedge.core import validate as v
from perphedge.core.contracts import contracts_for_notional
from perphedge.core.conventions import DAYS_PER_YEAR, DEFAULT_EXCHANGE, HOURS_PER_DAY, MS_PER_DAY, MS_PER_HOUR
from perphedge.core.errors import InvalidInput
from perphedge.core.liquidation import liquidation_price_short
from perphedge.core.margin_rules import default_note, rule_for

# A drift exactly at the band edge is inside it (0.55 − 0.50 is 0.05000000000000004).
_EPS = 1e-12
_CTX = Context(prec=50)
_WORST_WINDOW_MS = 30 * MS_PER_DAY
NO_MARKS_REASON = ("no mark prices in the settlements: only the funding per unit of notional "
                   "(sum of rates) is known, no price, equity or quote figure")


@dataclass(frozen=True)
class Settlement:
    """One funding settlement: the rate (fraction per interval) that applied for the interval
    ending at ``time_ms`` (epoch ms, UTC) and the mark price then (None: not recorded)."""

    time_ms: int
    rate: float
    mark: float | None = None


@dataclass(frozen=True)
class HedgePolicy:
    """How the hedge is held.

    ``hedge_ratio`` fraction of the spot quantity shorted (0..1); ``leverage`` ≥ 1 (margin =
    notional / leverage); ``band``: the ratio may drift this far from the target before a
    rebalance; ``contract_size`` base units per contract; ``amount_step`` in contracts (0: no
    rounding); ``taker_fee`` fraction of traded notional per trade; ``mmr``/``maint_amount``
    the maintenance tier; ``exchange`` the ccxt id whose liquidation rule applies.
    """

    hedge_ratio: float
    leverage: float = 1.0
    band: float = 0.05
    contract_size: float = 1.0
    amount_step: float = 0.0
    taker_fee: float = 0.0
    mmr: float = 0.005
    maint_amount: float = 0.0
    exchange: str = DEFAULT_EXCHANGE

    def __post_init__(self) -> None:
        leverage = v.number("leverage", self.leverage)
        if leverage < 1.0:
            raise InvalidInput("leverage", self.leverage, "must be at least 1")
        checked: dict[str, float | str] = {
            "hedge_ratio": v.fraction("hedge_ratio", self.hedge_ratio),
            "leverage": leverage,
            "band": v.fraction("band", self.band),
            "contract_size": v.positive("contract_size", self.contract_size),
            "amount_step": v.non_negative("amount_step", self.amount_step),
            "taker_fee": v.below_one("taker_fee", self.taker_fee),
            "mmr": v.below_one("mmr", self.mmr),
            "maint_amount": v.non_negative("maint_amount", self.maint_amount),
            "exchange": v.text("exchange", self.exchange),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class Liquidation:
    """A liquidation of the short: when, at which mark, its liquidation price, entry, size
    (base units, negative: a short), margin and the loss booked (≤ margin)."""

    time_ms: int
    mark: float
    liq_price: float
    entry_price: float
    short_qty: float
    margin: float
    loss: float


@dataclass(frozen=True)
class BacktestPath:
    """The walk, one entry per settlement (columns of equal length, in time order).

    ``short_qty`` is the position after the settlement's trades (base units, ≤ 0);
    ``funding`` received (+) or paid (−) at the settlement (quote); ``fees`` paid then;
    ``hedge_pnl`` the short's price P&L; ``spot_pnl`` the holding's; ``liq_price`` of the
    short held after the settlement (None: no short)."""

    time_ms: tuple[int, ...]
    mark: tuple[float, ...]
    rate: tuple[float, ...]
    short_qty: tuple[float, ...]
    funding: tuple[float, ...]
    fees: tuple[float, ...]
    spot_pnl: tuple[float, ...]
    hedge_pnl: tuple[float, ...]
    liq_price: tuple[float | None, ...]
    hedged_equity: tuple[float, ...]
    unhedged_equity: tuple[float, ...]


@dataclass(frozen=True)
class YearRow:
    """One UTC calendar year: settlements in it, funding received (quote; None funding-only),
    the sum of its rates (the short's funding per unit notional), and the hedged and
    unhedged returns over the year (from the equity at the previous year's last settlement,
    or the start; None funding-only)."""

    year: int
    settlements: int
    funding: float | None
    sum_rates: float
    hedged_return: float | None
    unhedged_return: float | None


@dataclass(frozen=True)
class BacktestResult:
    """The walk and its summary. Price figures are None on a funding-only path
    (``price_figures_reason`` says why), and None where they are undefined (e.g. a variance
    reduction with an unhedged variance of 0, a worst 30 days on a walk shorter than 30 days).

    ``years`` is the window's length: the sum of the settlements' own intervals (the first
    one's is the gap to the next), ÷ 365 days. ``rates_apr`` = ``sum_rates / years``.
    ``funding_apr`` = funding total ÷ average hedged notional ÷ years, the average over every
    settlement of the notional funding was paid on (0 while unhedged). Volatilities are the
    sample standard deviation of daily returns (the equity at each UTC day's last settlement),
    not annualised; drawdowns and 30-day returns are fractions (a loss is negative for the
    30-day figures, a drawdown is positive). ``liquidation_rule`` names the venue rule used;
    ``liquidation_rule_note`` says so where it is the declared default (venue's own not known).
    """

    policy: HedgePolicy
    qty: float
    start_ms: int
    end_ms: int
    settlements: int
    years: float
    sum_rates: float
    rates_apr: float
    by_year: tuple[YearRow, ...]
    price_figures_reason: str | None = None
    path: BacktestPath | None = None
    funding_total: float | None = None
    average_hedged_notional: float | None = None
    funding_fraction: float | None = None
    funding_apr: float | None = None
    fees_total: float | None = None
    rebalances: int | None = None
    liquidations: tuple[Liquidation, ...] = ()
    daily_vol_hedged: float | None = None
    daily_vol_unhedged: float | None = None
    variance_reduction: float | None = None
    max_drawdown_hedged: float | None = None
    max_drawdown_unhedged: float | None = None
    worst_30d_hedged: float | None = None
    worst_30d_unhedged: float | None = None
    final_hedged_equity: float | None = None
    final_unhedged_equity: float | None = None
    liquidation_rule: str | None = None
    liquidation_rule_note: str | None = None

    @property
    def liquidated(self) -> bool:
        return bool(self.liquidations)

    @property
    def first_liquidation_ms(self) -> int | None:
        return self.liquidations[0].time_ms if self.liquidations else None


# ---- input ---------------------------------------------------------------------------

def _check_settlements(settlements: Sequence[Settlement]) -> tuple[list[int], list[float], list[float] | None]:
    if isinstance(settlements, (str, bytes)) or not isinstance(settlements, Sequence):
        raise InvalidInput("settlements", settlements, "must be a list of Settlement")
    if not settlements:
        raise InvalidInput("settlements", len(settlements), "must hold at least one settlement (count shown)")
    times: list[int] = []
    rates: list[float] = []
    marks: list[float] = []
    marked = unmarked = -1
    last = None
    for i, s in enumerate(settlements):
        if not isinstance(s, Settlement):
            raise InvalidInput(f"settlements[{i}]", s, "must be a Settlement")
        t = s.time_ms if type(s.time_ms) is int else v.integer(f"settlements[{i}].time_ms", s.time_ms)
        if last is not None and t <= last:
            raise InvalidInput(f"settlements[{i}].time_ms", t, f"must be after the settlement before it ({last})")
        last = t
        times.append(t)
        r = s.rate
        if type(r) is not float or r - r != 0.0:  # fast path: a finite float (names built on error only)
            r = v.number(f"settlements[{i}].rate", r)
        rates.append(r)
        m = s.mark
        if m is None:
            unmarked = i if unmarked < 0 else unmarked
        else:
            marked = i if marked < 0 else marked
            if type(m) is not float or not 0.0 < m < math.inf:
                m = v.positive(f"settlements[{i}].mark", m)
            marks.append(m)
    if marked >= 0 and unmarked >= 0:
        i = unmarked
        raise InvalidInput(f"settlements[{i}].mark", None,
                           "must be given on every settlement or on none (a funding-only path): "
                           f"settlement {i} has none, settlement {marked} has one")
    return times, rates, (marks if marked >= 0 else None)


def _own_hours(times: list[int]) -> list[float]:
    """Each settlement's own interval in hours (as core.funding.settlement_intervals: the gap
    to the settlement before it, rounded to the hour; the first one's is the gap to the next)."""
    if len(times) < 2:
        raise InvalidInput("settlements", len(times),
                           "must hold at least two settlements, to know their interval (count shown)")
    hours = []
    for i in range(1, len(times)):
        h = round((times[i] - times[i - 1]) / MS_PER_HOUR)
        if h < 1:
            raise InvalidInput(f"settlements[{i}].time_ms", times[i],
                               f"must be more than half an hour after the settlement before it ({times[i - 1]})")
        hours.append(float(h))
    return [hours[0], *hours]


def _year_spans(times: list[int]) -> list[tuple[int, int, int]]:
    """(UTC calendar year, first index, end index) of each year the times fall in."""
    spans: list[tuple[int, int, int]] = []
    start = 0
    while start < len(times):
        year = time.gmtime(times[start] // 1000).tm_year
        boundary = calendar.timegm((year + 1, 1, 1, 0, 0, 0)) * 1000
        end = bisect.bisect_left(times, boundary, start)
        spans.append((year, start, end))
        start = end
    return spans


# ---- the walk ------------------------------------------------------------------------

def _target_contracts(policy: HedgePolicy, qty: float) -> float:
    """``hedge_ratio × qty / contract_size`` contracts rounded down to the step, exactly: the
    ratio × qty product is taken in decimal (70 % of 0.1 is 0.07), and a linear count does not
    depend on the price, so the base amount is passed as a notional at price 1."""
    base = float(_CTX.multiply(Decimal(repr(policy.hedge_ratio)), Decimal(repr(qty))))
    return contracts_for_notional(base, 1.0, policy.contract_size, policy.amount_step)


def backtest(policy: HedgePolicy, qty: float, settlements: Sequence[Settlement]) -> BacktestResult:
    """Walk ``policy`` hedging ``qty`` base units of spot over ``settlements`` (ascending
    times; marks on every settlement, or on none for a funding-only summary). See the module
    docstring for the order of events, the liquidation and the re-open rule."""
    if not isinstance(policy, HedgePolicy):
        raise InvalidInput("policy", policy, "must be a HedgePolicy")
    q = v.positive("qty", qty)
    times, rates, marks = _check_settlements(settlements)
    hours = _own_hours(times)
    years = math.fsum(hours) / (HOURS_PER_DAY * DAYS_PER_YEAR)
    sum_rates = math.fsum(rates)
    if marks is None:
        return BacktestResult(policy, q, times[0], times[-1], len(times), years, sum_rates,
                              sum_rates / years, _years_funding_only(times, rates), NO_MARKS_REASON)
    return _walk(policy, q, times, rates, marks, years, sum_rates)


def _walk(policy: HedgePolicy, qty: float, times: list[int], rates: list[float], marks: list[float],
          years: float, sum_rates: float) -> BacktestResult:
    rule = rule_for(policy.exchange, inverse=False)
    cs, lev, fee_rate = policy.contract_size, policy.leverage, policy.taker_fee
    target, band = policy.hedge_ratio, policy.band
    want = _target_contracts(policy, qty)

    n = len(times)
    col_short = [0.0] * n
    col_funding = [0.0] * n
    col_fees = [0.0] * n
    col_spot = [0.0] * n
    col_hedge = [0.0] * n
    col_liq: list[float | None] = [None] * n
    col_hedged = [0.0] * n
    col_unhedged = [0.0] * n
    liquidations: list[Liquidation] = []
    contracts = short = entry = margin = pnl_open = 0.0
    lp: float | None = None
    cum = 0.0  # short P&L + funding − fees, so far
    notional_sum = 0.0
    rebalances = 0

    def open_at(m: float, new_contracts: float) -> float:
        """Trade to ``new_contracts`` at mark ``m``; returns the fee."""
        nonlocal contracts, short, entry, margin, lp, pnl_open
        traded = abs(float(Decimal(repr(new_contracts)) - Decimal(repr(contracts)))) * cs
        contracts, short, pnl_open = new_contracts, new_contracts * cs, 0.0
        if short > 0.0:
            entry, margin = m, short * m / lev
            lp = liquidation_price_short(m, short, margin, policy.mmr, policy.maint_amount, False,
                                         rule=rule, fee_rate=fee_rate)
        else:
            entry = margin = 0.0
            lp = None
        return fee_rate * traded * m

    prev = marks[0]
    for i in range(n):
        m = marks[i]
        fee = funding = hedge_pnl = 0.0
        liquidated = False
        if i == 0:
            if want > 0.0:
                fee = open_at(m, want)
        else:
            d = m - prev
            col_spot[i] = qty * d
            if short > 0.0:
                if lp is not None and m >= lp:
                    loss = min(short * (m - entry), margin)
                    hedge_pnl = -loss - pnl_open
                    liquidations.append(Liquidation(times[i], m, lp, entry, -short, margin, loss))
                    contracts = short = entry = margin = pnl_open = 0.0
                    lp = None
                    liquidated = True
                else:
                    hedge_pnl = -short * d
                    pnl_open += hedge_pnl
        if short > 0.0:
            held = short * m
            notional_sum += held
            funding = held * rates[i]
        if i > 0 and not liquidated and abs(short / qty - target) > band + _EPS:
            if want != contracts:  # the rounded target; equal to what is held: no trade
                fee += open_at(m, want)
                rebalances += 1
        cum += hedge_pnl + funding - fee
        spot_value = qty * m
        col_short[i] = -short if short else 0.0
        col_funding[i], col_fees[i], col_hedge[i], col_liq[i] = funding, fee, hedge_pnl, lp
        col_hedged[i] = spot_value + cum
        col_unhedged[i] = spot_value
        prev = m

    funding_total = math.fsum(col_funding)
    average_notional = notional_sum / n
    start_value = qty * marks[0]
    day_h, day_u = _daily(times, col_hedged), _daily(times, col_unhedged)
    vol_h, vol_u = _stdev(_returns(day_h)), _stdev(_returns(day_u))
    reduction = None
    if vol_h is not None and vol_u is not None and vol_u > 0.0:
        reduction = 1.0 - (vol_h * vol_h) / (vol_u * vol_u)
    path = BacktestPath(tuple(times), tuple(marks), tuple(rates), tuple(col_short), tuple(col_funding),
                        tuple(col_fees), tuple(col_spot), tuple(col_hedge), tuple(col_liq),
                        tuple(col_hedged), tuple(col_unhedged))
    return BacktestResult(
        policy, qty, times[0], times[-1], n, years, sum_rates, sum_rates / years,
        _years_walk(times, rates, col_funding, col_hedged, col_unhedged, start_value),
        None, path,
        funding_total=funding_total,
        average_hedged_notional=average_notional,
        funding_fraction=funding_total / average_notional if average_notional > 0.0 else None,
        funding_apr=funding_total / average_notional / years if average_notional > 0.0 else None,
        fees_total=math.fsum(col_fees),
        rebalances=rebalances,
        liquidations=tuple(liquidations),
        daily_vol_hedged=vol_h,
        daily_vol_unhedged=vol_u,
        variance_reduction=reduction,
        max_drawdown_hedged=_max_drawdown(start_value, col_hedged),
        max_drawdown_unhedged=_max_drawdown(start_value, col_unhedged),
        worst_30d_hedged=_worst_window(times, col_hedged),
        worst_30d_unhedged=_worst_window(times, col_unhedged),
        final_hedged_equity=col_hedged[-1],
        final_unhedged_equity=col_unhedged[-1],
        liquidation_rule=rule.name,
        liquidation_rule_note=default_note(policy.exchange) if rule.default else None,
    )


# ---- statistics ----------------------------------------------------------------------

def _daily(times: list[int], equity: list[float]) -> list[float]:
    """The equity at each UTC day's last settlement."""
    out: list[float] = []
    day = None
    for t, e in zip(times, equity):
        d = t // MS_PER_DAY
        if d == day:
            out[-1] = e
        else:
            out.append(e)
            day = d
    return out


def _returns(values: list[float]) -> list[float] | None:
    if any(x <= 0.0 for x in values):
        return None  # an equity at or below 0 has no return
    return [b / a - 1.0 for a, b in zip(values, values[1:])]


def _stdev(xs: list[float] | None) -> float | None:
    if xs is None or len(xs) < 2:
        return None
    mean = math.fsum(xs) / len(xs)
    return math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (len(xs) - 1))


def _max_drawdown(start: float, equity: list[float]) -> float | None:
    """Largest fall from a running peak, as a fraction of the peak (≥ 0)."""
    peak, worst = start, 0.0
    for e in equity:
        if e > peak:
            peak = e
        elif peak > 0.0:
            dd = 1.0 - e / peak
            if dd > worst:
                worst = dd
    return worst


def _worst_window(times: list[int], equity: list[float]) -> float | None:
    """The lowest return over 30 days: equity at each settlement over the equity at the
    latest settlement at least 30 days before it. None on a walk shorter than 30 days."""
    worst: float | None = None
    j = 0
    for i, t in enumerate(times):
        if t - times[0] < _WORST_WINDOW_MS:
            continue
        while times[j + 1] <= t - _WORST_WINDOW_MS:
            j += 1
        base = equity[j]
        if base <= 0.0:
            continue
        r = equity[i] / base - 1.0
        if worst is None or r < worst:
            worst = r
    return worst


def _years_funding_only(times: list[int], rates: list[float]) -> tuple[YearRow, ...]:
    return tuple(YearRow(year, end - start, None, math.fsum(rates[start:end]), None, None)
                 for year, start, end in _year_spans(times))


def _years_walk(times: list[int], rates: list[float], funding: list[float], hedged: list[float],
                unhedged: list[float], start_value: float) -> tuple[YearRow, ...]:
    rows: list[YearRow] = []
    base_h = base_u = start_value
    for year, start, end in _year_spans(times):
        end_h, end_u = hedged[end - 1], unhedged[end - 1]
        rows.append(YearRow(year, end - start, math.fsum(funding[start:end]), math.fsum(rates[start:end]),
                            end_h / base_h - 1.0 if base_h > 0.0 else None, end_u / base_u - 1.0))
        base_h, base_u = end_h, end_u
    return tuple(rows)
