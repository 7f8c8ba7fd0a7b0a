"""Price-shock table of the hedged and unhedged holding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from perphedge.core import validate as v
from perphedge.core.conventions import DEFAULT_INTERVAL_HOURS
from perphedge.core.errors import InvalidInput
from perphedge.core.funding import funding_pnl_short

#: −50 % … +50 % in 5 % steps; built from integers so each is the exact decimal (−0.15).
DEFAULT_SHOCKS: tuple[float, ...] = tuple(k / 100 for k in range(-50, 51, 5))


@dataclass(frozen=True)
class ScenarioRow:
    """One shock. P&L in quote currency (+ gain); ``fees`` is a positive cost;
    ``unhedged_value`` is the spot alone at the new price, ``hedged_value`` the spot's
    value at entry plus the hedged net P&L."""

    shock: float
    price: float
    spot_pnl: float
    hedge_pnl: float
    funding: float
    fees: float
    net: float
    unhedged_value: float
    hedged_value: float


def _shocks(shocks: Sequence[float]) -> tuple[float, ...]:
    if shocks is DEFAULT_SHOCKS:
        return shocks
    if isinstance(shocks, (str, bytes)) or not isinstance(shocks, Sequence) or not shocks:
        raise InvalidInput("shocks", shocks, "must be a non-empty list of fractions")
    out = []
    for i, s in enumerate(shocks):
        x = v.number(f"shocks[{i}]", s)
        if x <= -1.0:
            raise InvalidInput(f"shocks[{i}]", s, "must be above -1 (a price cannot fall 100 %)")
        out.append(x)
    return tuple(out)


def scenario_table(spot_qty: float, price: float, hedge_ratio: float,
                   shocks: Sequence[float] = DEFAULT_SHOCKS, rate_per_interval: float = 0.0,
                   days: float = 0.0, interval_hours: float = DEFAULT_INTERVAL_HOURS,
                   fee_rate: float = 0.0) -> tuple[ScenarioRow, ...]:
    """One row per shock: the price moves to ``price × (1 + shock)``.

    Funding accrues on the hedge notional at entry over ``days``; fees are charged on
    opening (at entry) and closing (at the shocked price) the hedge.
    """
    qty = v.non_negative("spot_qty", spot_qty)
    p = v.positive("price", price)
    ratio = v.fraction("hedge_ratio", hedge_ratio)
    fee = v.fraction("fee_rate", fee_rate)
    moves = _shocks(shocks)
    hedge_qty = qty * ratio
    entry_notional = hedge_qty * p
    funding = funding_pnl_short(entry_notional, rate_per_interval, days, interval_hours)
    spot_value = qty * p
    rows = []
    for s in moves:
        new = p * (1.0 + s)
        move = new - p
        spot = qty * move + 0.0
        hedge = -hedge_qty * move + 0.0
        fees = fee * (entry_notional + hedge_qty * new)
        net = spot + hedge + funding - fees + 0.0
        rows.append(ScenarioRow(s, new, spot, hedge, funding, fees, net, qty * new,
                                spot_value + net))
    return tuple(rows)
