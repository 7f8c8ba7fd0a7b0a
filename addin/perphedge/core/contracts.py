"""Contract counts from notional, rounded down to what the exchange accepts.

Arithmetic runs in Decimal on the shortest repr of each float, so amounts the user thinks
of as exact stay exact: $100,000 / $3,000 at a 0.001 step is 33.333 contracts, and
$300 / $0.1 is 3000, not 2999 (binary floats would put both a hair below the step).
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Context, Decimal

from perphedge.core import validate as v
from perphedge.core.errors import BelowMinimum, InvalidInput

# 50 digits: a quotient of two 17-digit floats is never rounded onto a step boundary.
_CTX = Context(prec=50)
_ONE = 1.0
_MAX_STEPS = Decimal(10) ** 15


def _dec(x: float) -> Decimal:
    return Decimal(repr(x))


# Steps and contract sizes come from a handful of markets: convert each once.
_CACHE: dict[float, Decimal] = {}


def _dec_cached(x: float) -> Decimal:
    d = _CACHE.get(x)
    if d is None:
        if len(_CACHE) > 4096:
            _CACHE.clear()
        d = _CACHE[x] = Decimal(repr(x))
    return d


def _floor_to_step(amount: Decimal, step: float, step_name: str = "amount_step") -> float:
    if step == 0.0:
        return _float_down(amount)
    s = _dec_cached(step)
    steps = _CTX.divide(amount, s).to_integral_value(rounding=ROUND_FLOOR)
    if abs(steps) >= _MAX_STEPS:
        raise InvalidInput(step_name, step, "is too fine for this amount: the count "
                           "would need more than 15 significant digits")
    # Up to 15 significant digits a float's repr is that decimal exactly.
    return float(_CTX.multiply(steps, s))


def floor_decimal_to_step(amount: Decimal, step: float, step_name: str = "step") -> float:
    """An exact decimal amount (of either sign) floored to a multiple of ``step``, as a
    float; step 0: the float nearest ``amount`` that does not exceed it. ``step_name`` is
    the argument an error names."""
    return _floor_to_step(amount, v.non_negative(step_name, step), step_name)


def _float_down(amount: Decimal) -> float:
    """The float nearest ``amount`` whose decimal repr does not exceed it: even unrounded
    counts never hedge more than asked (a negative amount goes further from 0)."""
    f = float(amount)
    while _dec(f) > amount:
        f = math.nextafter(f, -math.inf)
    return f


def round_down_to_step(amount: float, step: float) -> float:
    """``amount`` floored to a multiple of ``step`` (step 0: unchanged)."""
    a = v.non_negative("amount", amount)
    st = v.non_negative("step", step)
    if st == 0.0:
        return a
    return _floor_to_step(_dec(a), st, "step")


def contracts_for_notional(notional: float, price: float, contract_size: float = 1.0,
                           amount_step: float = 0.0, min_amount: float = 0.0,
                           inverse: bool = False, min_cost: float = 0.0) -> float:
    """Contracts to short for ``notional`` (quote currency), rounded DOWN to ``amount_step``.

    Linear: notional / price / contract_size (base units per contract). Inverse:
    notional / contract_size (USD per contract); the price is still checked. A count
    below ``min_amount`` (contracts), or an order whose value — contracts × contract_size
    × price linear, contracts × contract_size USD inverse — is below ``min_cost`` (quote
    currency; 0 = none known), raises :class:`BelowMinimum` rather than silently hedging
    nothing or sending an order the venue rejects.
    """
    n = v.non_negative("notional", notional)
    p = v.positive("price", price)
    cs = v.positive("contract_size", contract_size)
    step = v.non_negative("amount_step", amount_step)
    minimum = v.non_negative("min_amount", min_amount)
    inv = v.boolean("inverse", inverse)
    minimum_cost = v.non_negative("min_cost", min_cost)
    if n == 0.0:
        exact = Decimal(0)
    elif inv:
        exact = _CTX.divide(_dec(n), _dec_cached(cs))
    else:
        exact = _CTX.divide(_dec(n), _dec(p))
        if cs != _ONE:
            exact = _CTX.divide(exact, _dec_cached(cs))
    count = _floor_to_step(exact, step)
    if minimum > 0.0 and count < minimum:
        raise BelowMinimum("contracts", float(exact), f"must be at least {minimum!r} (market minimum)")
    if minimum_cost > 0.0:
        # The value of the order actually sent (the rounded count), in decimal as the count.
        value = _CTX.multiply(_dec(count), _dec_cached(cs))
        if not inv:
            value = _CTX.multiply(value, _dec(p))
        if value < _dec(minimum_cost):
            raise BelowMinimum("order value", float(value),
                               f"must be at least {minimum_cost!r} (min_cost, the market's "
                               "minimum order value in quote currency)")
    return count


def notional_for_contracts(contracts: float, price: float, contract_size: float = 1.0,
                           inverse: bool = False) -> float:
    """Quote-currency notional of ``contracts`` at ``price``."""
    c = v.non_negative("contracts", contracts)
    p = v.positive("price", price)
    cs = v.positive("contract_size", contract_size)
    if v.boolean("inverse", inverse):
        return c * cs
    return c * cs * p


def qty_for_contracts(contracts: float, price: float, contract_size: float = 1.0,
                      inverse: bool = False) -> float:
    """Base units (coin) covered by ``contracts`` at ``price``."""
    c = v.non_negative("contracts", contracts)
    p = v.positive("price", price)
    cs = v.positive("contract_size", contract_size)
    if v.boolean("inverse", inverse):
        return c * cs / p
    return c * cs
