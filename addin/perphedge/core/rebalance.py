"""How many contracts to add to or buy back from the short to return to the target ratio."""

from __future__ import annotations

from decimal import Decimal

from perphedge.core import validate as v
from perphedge.core.contracts import floor_decimal_to_step

# Ratios such as 0.55 − 0.50 come out as 0.05000000000000004; a drift exactly at the band
# edge is inside it.
_EPS = 1e-12


def rebalance_contracts(spot_qty: float, price: float, target_ratio: float,
                        short_contracts: float, contract_size: float = 1.0,
                        band: float = 0.05, inverse: bool = False,
                        amount_step: float = 0.0) -> float:
    """Contracts to add to the short (+) or buy back (−); 0.0 while the hedge ratio is
    within ``band`` of ``target_ratio``.

    With ``amount_step`` (in contracts) the target position is rounded down to the step,
    as the hedge itself is, so the trade is one the exchange accepts (with ``short_contracts``
    on the step) and never leaves the short above the target.
    """
    qty = v.positive("spot_qty", spot_qty)
    p = v.positive("price", price)
    target = v.fraction("target_ratio", target_ratio)
    held = v.non_negative("short_contracts", short_contracts)
    cs = v.positive("contract_size", contract_size)
    width = v.fraction("band", band)
    step = v.non_negative("amount_step", amount_step)
    inv = v.boolean("inverse", inverse)
    if inv:
        # Work in USD: contract_size is USD per contract.
        current = held * cs / (qty * p)
        target_contracts = target * qty * p / cs
    else:
        current = held * cs / qty
        target_contracts = target * qty / cs
    if abs(current - target) <= width + _EPS:
        return 0.0
    if step > 0.0:
        # In decimal, as the hedge's own count: 70 % of 0.1 BTC is 0.07, not 0.0699999.
        exact = Decimal(repr(target)) * Decimal(repr(qty)) / Decimal(repr(cs))
        if inv:
            exact *= Decimal(repr(p))
        target_contracts = floor_decimal_to_step(exact, step)
    return target_contracts - held + 0.0
