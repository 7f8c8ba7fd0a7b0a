"""Contract counts from notional, rounded down to what the exchange accepts.

Arithmetic runs in Decimal on the shortest repr of each float, so amounts the user thinks
of as exact stay exact: $100,000 / $3,000 at a 0.001 step is 33.333 contracts, and
$300 / $0.1 is 3000, not 2999 (binary floats would put both a hair below the step).

A holding's count is computed from its inputs, not from a float notional:
``contracts_for_exposure`` takes qty × price × ratio × beta as one exact decimal product
(0.3 ETH × 50 % is 0.15 contracts, where the float product 0.3 × 3000 × 0.5 / 3000 gives
0.149 at a 0.001 step). A notional handed over as a float (``contracts_for_notional``, the
Excel function HEDGE_CONTRACTS) is also read at 15 significant digits — Excel's precision —
so the binary noise of a product computed in a cell (0.3 × 70,000 × 70 % =
14,699.999999999998) does not cost a lot (14,700 at $100 a contract: 147, not 146) — only
when those 15 digits land exactly on a step; otherwise the float's shortest repr is used.
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


def _notional_dec(x: float) -> Decimal:
    """A float notional at 15 significant digits, Excel's precision."""
    return Decimal(f"{x:.15g}")


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

    A notional whose 15 significant digits (Excel's precision) are exactly a whole number
    of steps is that many steps: 14,699.999999999998 — 0.3 × 70,000 × 70 % in binary — is
    the $14,700 it stands for, 147 contracts of $100, not 146. Otherwise the notional is
    its shortest repr, so the count never exceeds it.
    """
    n = v.non_negative("notional", notional)
    p = v.positive("price", price)
    cs = v.positive("contract_size", contract_size)
    text = repr(n)
    # A repr of 16 or 17 significant digits is at least 17 characters long: only those
    # can differ from their 15-digit reading (a cheap gate on the hot path).
    return _contracts(Decimal(text), p, cs, amount_step, min_amount, inverse, min_cost,
                      _notional_dec(n) if len(text) >= 17 else None)


def exposure_notional(qty: float, price: float, hedge_ratio: float, beta: float = 1.0) -> Decimal:
    """qty × price × hedge_ratio × beta as an exact decimal of the shortest reprs (quote
    currency): the notional a holding asks to hedge, before any binary rounding."""
    q = v.positive("qty", qty)
    p = v.positive("price", price)
    r = v.fraction("hedge_ratio", hedge_ratio)
    b = v.positive("beta", beta)
    return _CTX.multiply(_CTX.multiply(_dec(q), _dec(p)), _CTX.multiply(_dec(r), _dec(b)))


def contracts_for_exposure(qty: float, price: float, hedge_ratio: float, hedge_price: float,
                           contract_size: float = 1.0, amount_step: float = 0.0,
                           min_amount: float = 0.0, inverse: bool = False, min_cost: float = 0.0,
                           beta: float = 1.0) -> float:
    """Contracts to short for ``qty`` of a coin at ``price`` hedged at ``hedge_ratio`` (× the
    cross-hedge ``beta``) with the perp at ``hedge_price``: the exact decimal notional
    (``exposure_notional``) divided as ``contracts_for_notional`` divides, rounded down to
    the step, with the same minimum checks."""
    exact = exposure_notional(qty, price, hedge_ratio, beta)
    p = v.positive("hedge_price", hedge_price)
    cs = v.positive("contract_size", contract_size)
    return _contracts(exact, p, cs, amount_step, min_amount, inverse, min_cost)


def _per_contract(notional: Decimal, p: float, cs: float, inv: bool) -> Decimal:
    if not notional:
        return Decimal(0)
    if inv:
        return _CTX.divide(notional, _dec_cached(cs))
    exact = _CTX.divide(notional, _dec(p))
    return exact if cs == _ONE else _CTX.divide(exact, _dec_cached(cs))


def _contracts(notional: Decimal, p: float, cs: float, amount_step: float, min_amount: float,
               inverse: bool, min_cost: float, excel_notional: Decimal | None = None) -> float:
    step = v.non_negative("amount_step", amount_step)
    minimum = v.non_negative("min_amount", min_amount)
    inv = v.boolean("inverse", inverse)
    minimum_cost = v.non_negative("min_cost", min_cost)
    exact = _per_contract(notional, p, cs, inv)
    count = _floor_to_step(exact, step)
    if excel_notional is not None and step > 0.0 and excel_notional != notional:
        at_15 = _per_contract(excel_notional, p, cs, inv)
        snapped = _floor_to_step(at_15, step)
        # Only onto a step the 15-digit notional hits exactly: the float fell a hair short of it.
        if snapped > count and _CTX.divide(at_15, _dec_cached(step)) == _CTX.divide(_dec(snapped), _dec_cached(step)):
            count, exact = snapped, at_15
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
