"""How many contracts to add to or buy back from the short to return to the target ratio."""

from __future__ import annotations

from perphedge.core import validate as v

# Ratios such as 0.55 − 0.50 come out as 0.05000000000000004; a drift exactly at the band
# edge is inside it.
_EPS = 1e-12


def rebalance_contracts(spot_qty: float, price: float, target_ratio: float,
                        short_contracts: float, contract_size: float = 1.0,
                        band: float = 0.05, inverse: bool = False) -> float:
    """Contracts to add to the short (+) or buy back (−); 0.0 while the hedge ratio is
    within ``band`` of ``target_ratio``."""
    qty = v.positive("spot_qty", spot_qty)
    p = v.positive("price", price)
    target = v.fraction("target_ratio", target_ratio)
    held = v.non_negative("short_contracts", short_contracts)
    cs = v.positive("contract_size", contract_size)
    width = v.fraction("band", band)
    if v.boolean("inverse", inverse):
        # Work in USD: contract_size is USD per contract.
        hedged_usd = held * cs
        current = hedged_usd / (qty * p)
        delta = (target * qty * p - hedged_usd) / cs
    else:
        hedged_qty = held * cs
        current = hedged_qty / qty
        delta = (target * qty - hedged_qty) / cs
    if abs(current - target) <= width + _EPS:
        return 0.0
    return delta + 0.0
