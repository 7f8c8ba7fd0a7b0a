"""How many contracts to add to or buy back from the short to return to the target ratio."""

from __future__ import annotations

import sys
from decimal import Context, Decimal

from perphedge.core import validate as v
from perphedge.core.contracts import floor_decimal_to_step
from perphedge.core.errors import InvalidInput

# Ratios such as 0.55 − 0.50 come out as 0.05000000000000004; a drift exactly at the band
# edge is inside it.
_EPS = 1e-12
# Counts in decimal on each float's shortest repr, as core.contracts: a product of three
# 17-digit figures (ratio × qty × price) is exact in 60 digits, divided once at the end.
_CTX = Context(prec=60)
_FLOAT_MAX = Decimal(sys.float_info.max)


def _dec(x: float) -> Decimal:
    return Decimal(repr(x))


def rebalance_contracts(spot_qty: float, price: float, target_ratio: float,
                        short_contracts: float, contract_size: float = 1.0,
                        band: float = 0.05, inverse: bool = False,
                        amount_step: float = 0.0) -> float:
    """Contracts to add to the short (+) or buy back (−); 0.0 while the hedge ratio is
    within ``band`` of ``target_ratio``.

    With ``amount_step`` (in contracts) the target position is rounded down to the step,
    as the hedge itself is, so the trade is one the exchange accepts (with ``short_contracts``
    on the step) and never leaves the short above the target. Inverse: ``contract_size`` is
    USD per contract and the target count is the target notional / contract_size.

    The count is computed in decimal on the inputs as typed and converted to a float once
    (70 % of 0.1 BTC is 0.07, not 0.06999999999999999); unrounded (step 0) it is the float
    nearest the exact trade that does not exceed it.
    """
    qty = v.positive("spot_qty", spot_qty)
    p = v.positive("price", price)
    target = v.fraction("target_ratio", target_ratio)
    held = v.non_negative("short_contracts", short_contracts)
    cs = v.positive("contract_size", contract_size)
    width = v.fraction("band", band)
    step = v.non_negative("amount_step", amount_step)
    inv = v.boolean("inverse", inverse)
    # Work in USD for inverse: contract_size is USD per contract.
    current = held * cs / (qty * p) if inv else held * cs / qty
    if abs(current - target) <= width + _EPS:
        return 0.0
    wanted = _CTX.multiply(_dec(target), _dec(qty))
    if inv:
        wanted = _CTX.multiply(wanted, _dec(p))
    exact = _CTX.divide(wanted, _dec(cs))
    if exact > _FLOAT_MAX:
        raise InvalidInput("spot_qty", qty, "needs more contracts than a number can hold "
                           "at this price and contract_size")
    if step > 0.0:
        # On the step, exactly (at most 15 significant digits, so the float is the decimal).
        exact = _dec(floor_decimal_to_step(exact, step, "amount_step"))
    return floor_decimal_to_step(_CTX.subtract(exact, _dec(held)), 0.0) + 0.0
