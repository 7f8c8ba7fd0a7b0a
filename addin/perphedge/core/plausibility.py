"""The plausibility gates on exchange figures (DESIGN §5), stated once.

The live market layer applies them where answers are parsed (so an Excel function never
returns an implausible figure as fresh) and the refresh applies them again to every row
any source gives it, adding the jump against the value the workbook already holds. A
figure that fails a gate is ``suspect``: it is not used, the previous value stays, and the
reason says which bound it broke. Every function returns the reason, or None when the
figure passes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from perphedge.core.conventions import MAX_FUNDING_PER_INTERVAL

#: Prices outside [1e-12, 1e9] quote per base are bad answers: the cheapest coins listed
#: trade around 1e-8 USD, the dearest (BTC) around 1e5.
MIN_PLAUSIBLE_PRICE, MAX_PLAUSIBLE_PRICE = 1e-12, 1e9
#: A perp's mark and index disagreeing by more than this fraction of the smaller is a bad
#: answer: venues derive the mark from the index plus a clamped basis, so the two stay within
#: a few percent even in a crash.
MAX_MARK_INDEX_GAP = 0.25
#: A spot price and the perp's mark (or index) disagreeing by more than this fraction (a
#: factor 2) is a bad answer. Looser than the mark-index bound: spot comes from another answer
#: and order book, and a market in distress can gap by tens of percent, which the Portfolio
#: shows as basis; a factor 2 is no market.
MAX_SPOT_PERP_GAP = 1.0
#: A price more than this factor above or below the one the workbook holds is refused until
#: the user clears the cell: a real 10× move between two refreshes is rarer than a bad answer.
MAX_PRICE_JUMP_FACTOR = 10.0

PRICE_FIGURES = ("spot_price", "mark_price", "index_price")


def _name(attr: str) -> str:
    return attr.removesuffix("_price").replace("_", " ") + (" price" if attr.endswith("_price") else "")


def funding_problem(rate: float) -> str | None:
    if math.isfinite(rate) and abs(rate) <= MAX_FUNDING_PER_INTERVAL:
        return None
    return f"funding {rate:g} per interval beyond ±{MAX_FUNDING_PER_INTERVAL:g}"


def price_problem(attr: str, price: float) -> str | None:
    if math.isfinite(price) and MIN_PLAUSIBLE_PRICE <= price <= MAX_PLAUSIBLE_PRICE:
        return None
    return f"{_name(attr)} {price:g} outside [{MIN_PLAUSIBLE_PRICE:g}, {MAX_PLAUSIBLE_PRICE:g}]"


def contract_size_problem(size: float) -> str | None:
    return None if math.isfinite(size) and size > 0 else f"contract size {size:g} not positive"


def amount_problem(attr: str, value: float) -> str | None:
    """Lot step and minimum amount: 0 means none, a negative figure is a bad answer (never
    'no rounding')."""
    return None if math.isfinite(value) and value >= 0 else f"{_name(attr)} {value:g} negative"


def disagreement(a_attr: str, a: float, b_attr: str, b: float) -> str | None:
    """Two prices of one market further apart than their bound allows (a fraction of the
    smaller: the mark-index bound between mark and index, the spot-perp one with spot)."""
    bound = MAX_SPOT_PERP_GAP if "spot_price" in (a_attr, b_attr) else MAX_MARK_INDEX_GAP
    lo, hi = sorted((a, b))
    if lo > 0 and hi / lo - 1 <= bound:
        return None
    return f"{_name(a_attr)} {a:g} and {_name(b_attr)} {b:g} disagree by more than {bound:.0%}"


def jump_problem(attr: str, new: float, previous: float) -> str | None:
    if not (math.isfinite(previous) and previous > 0 and new > 0):
        return None
    factor = new / previous
    if 1 / MAX_PRICE_JUMP_FACTOR <= factor <= MAX_PRICE_JUMP_FACTOR:
        return None
    return (f"{_name(attr)} {new:g} is {factor:.3g}× the workbook's {previous:g} (beyond "
            f"{MAX_PRICE_JUMP_FACTOR:g}×; clear the cell to accept it)")


def figure_problems(figures: Mapping[str, float | None],
                    previous: Mapping[str, object] | None = None) -> dict[str, str]:
    """Every gated figure of one market row (MarketRow attribute -> value; None = absent)
    with its reason, given the values the workbook holds (``previous``), if any.

    Prices of one row that disagree: the one that jumped from the workbook's value is
    refused; when that cannot tell them apart, both are (neither can be called right). A
    price that jumped is refused only when no other price of the row agrees with it — mark,
    index and spot moving together are a real move (or a symbol the user changed), one
    figure alone moving 10× is a bad answer.
    """
    bad: dict[str, str] = {}
    rate = _number(figures.get("rate_per_interval"))
    if rate is not None and (why := funding_problem(rate)):
        bad["rate_per_interval"] = why
    size = _number(figures.get("contract_size"))
    if size is not None and (why := contract_size_problem(size)):
        bad["contract_size"] = why
    for attr in ("amount_step", "min_amount"):
        v = _number(figures.get(attr))
        if v is not None and (why := amount_problem(attr, v)):
            bad[attr] = why
    prices: dict[str, float] = {}
    for attr in PRICE_FIGURES:
        p = _number(figures.get(attr))
        if p is not None:
            if why := price_problem(attr, p):
                bad[attr] = why
            else:
                prices[attr] = p
    held = {a: v for a in PRICE_FIGURES if (v := _number((previous or {}).get(a))) is not None}

    def jumped(attr: str) -> str | None:
        return jump_problem(attr, prices[attr], held[attr]) if attr in held else None

    for a, b in (("mark_price", "index_price"), ("spot_price", "mark_price"), ("spot_price", "index_price")):
        if a in prices and b in prices and (why := disagreement(a, prices[a], b, prices[b])):
            ja, jb = jumped(a), jumped(b)
            if ja and not jb:
                bad[a] = f"{why}; {ja}"
            elif jb and not ja:
                bad[b] = f"{why}; {jb}"
            else:
                bad.setdefault(a, why)
                bad.setdefault(b, why)
    good = [a for a in prices if a not in bad]
    for a in good:
        corroborated = any(disagreement(a, prices[a], b, prices[b]) is None for b in good if b != a)
        if not corroborated and (why := jumped(a)):
            bad[a] = why
    return bad


def _number(v: object) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
