"""Liquidation price of an isolated SHORT hedge, following Binance's documented formulas.

Binance ("How to Calculate Liquidation Price of USDⓈ-M Futures Contracts" and "... of
COIN-M Futures Contracts") liquidates when the position's margin balance falls to its
maintenance margin ``MM = notional × MMR − cum`` (cum: the tier's maintenance amount). In
isolated mode the other-positions terms vanish (TMM = 0, UPNL = 0) and WB is the
position's isolated wallet balance, here ``margin``.

Linear (USDⓈ-M), short of ``qty`` base units entered at ``E``, liquidated at price ``X``:
    margin + qty·(E − X) = qty·X·MMR − cum
    ⇒ X = (margin + cum + qty·E) / (qty·(1 + MMR))
which is Binance's (WB − TMM + UPNL + cum − Side·Position·EP) / (Position·MMR − Side·Position)
with Side = −1.

Inverse (COIN-M): a short worth ``P = qty·E`` USD (contracts × contract size); margin, PnL
and maintenance are in the coin. Short PnL at X is P·(1/X − 1/E) coin; the notional in
coin at X is P/X:
    margin + P·(1/X − 1/E) = (P/X)·MMR − cum
    ⇒ X = P·(1 − MMR) / (P/E − margin − cum) = qty·E·(1 − MMR) / (qty − margin − cum)
Binance's COIN-M page states the general (cross, hedge-mode) formula; with one isolated
short (TMM = UPNL = 0, no long or one-way leg) it reduces to this expression. ccxt's binance
module implements the same isolated expressions (without cum); the tests cross-check both
against it and against "equity = maintenance" evaluated independently. When margin + cum ≥
qty the denominator is ≤ 0: the coin margin covers any price rise and the short is never
liquidated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from perphedge.core import validate as v
from perphedge.core.errors import InvalidInput
from perphedge.core.marketdata import LeverageTier


def _price(entry: float, qty: float, margin: float, mmr: float, cum: float,
           inverse: bool) -> float:
    if inverse:
        denominator = qty - margin - cum
        if denominator <= 0.0:
            raise InvalidInput("margin", margin,
                               "covers any price rise: this short has no liquidation price")
        lp = qty * entry * (1.0 - mmr) / denominator
    else:
        lp = (margin + cum + qty * entry) / (qty * (1.0 + mmr))
    if lp <= entry:
        # Margin below maintenance at entry: the exchange would close it at once.
        raise InvalidInput("margin", margin,
                           "must exceed the maintenance margin at the entry price "
                           f"({_maintenance_at_entry(entry, qty, mmr, cum, inverse)!r})")
    return lp


def _maintenance_at_entry(entry: float, qty: float, mmr: float, cum: float,
                          inverse: bool) -> float:
    notional = qty if inverse else qty * entry  # coin for inverse, quote for linear
    return notional * mmr - cum


def liquidation_price_short(entry_price: float, qty: float, margin: float,
                            mmr: float = 0.005, maint_amount: float = 0.0,
                            inverse: bool = False) -> float:
    """Price at which an isolated short of ``qty`` base units is liquidated.

    ``margin`` is the isolated margin in the settle currency (quote for linear, the coin
    for inverse); ``mmr``/``maint_amount`` are the tier's rate and maintenance amount.
    """
    e = v.positive("entry_price", entry_price)
    q = v.positive("qty", qty)
    m = v.non_negative("margin", margin)
    rate = v.below_one("mmr", mmr)
    cum = v.non_negative("maint_amount", maint_amount)
    return _price(e, q, m, rate, cum, v.boolean("inverse", inverse))


@dataclass(frozen=True)
class LiquidationResult:
    """A liquidation price and the tier it was computed with (None: a flat rate)."""

    price: float
    tier: LeverageTier | None


def _check_tiers(tiers: Sequence[LeverageTier]) -> tuple[LeverageTier, ...]:
    if isinstance(tiers, (str, bytes)) or not isinstance(tiers, Sequence) or not tiers:
        raise InvalidInput("tiers", tiers, "must be a non-empty list of leverage tiers")
    for i, t in enumerate(tiers):
        if not isinstance(t, LeverageTier):
            raise InvalidInput(f"tiers[{i}]", t, "must be a LeverageTier")
    return tuple(sorted(tiers, key=lambda t: t.min_notional))


def tier_for_notional(tiers: Sequence[LeverageTier], notional: float) -> LeverageTier:
    """The tier whose [min_notional, max_notional) holds ``notional``.

    A notional exactly on a boundary belongs to the upper tier, as on Binance. Below the
    first tier's floor the first tier applies; above the last tier's cap is an error.
    """
    ordered = _check_tiers(tiers)
    n = v.non_negative("notional", notional)
    for t in ordered:
        if n < t.max_notional:
            return t
    raise InvalidInput("notional", notional,
                       f"must be below the largest tier's cap {ordered[-1].max_notional!r}")


def _tier_notional(tier: LeverageTier, qty: float, entry: float, price: float,
                   inverse: bool, contract_size: float | None) -> float:
    """The position's size at ``price`` in the unit the tier brackets by."""
    unit = tier.notional_unit
    if unit == "contracts":
        if contract_size is None:
            raise InvalidInput("contract_size", contract_size,
                               "is needed for tiers bracketed in contracts")
        return qty * entry / contract_size if inverse else qty / contract_size
    if unit == "quote":
        return qty * entry if inverse else qty * price
    # Bracketed in the coin (Binance COIN-M): the inverse position's coin value at price.
    return qty * entry / price if inverse else qty


def liquidation_short_tiered(entry_price: float, qty: float, margin: float,
                             tiers: Sequence[LeverageTier], inverse: bool = False,
                             contract_size: float | None = None) -> LiquidationResult:
    """Liquidation price with the maintenance tier that applies AT that price.

    Starts from the tier at the entry notional; when the notional at the resulting price
    falls in another tier, recomputes with that tier (Binance's documented procedure).
    ``contract_size`` is needed only for tiers bracketed in contracts.
    """
    e = v.positive("entry_price", entry_price)
    q = v.positive("qty", qty)
    m = v.non_negative("margin", margin)
    inv = v.boolean("inverse", inverse)
    cs = None if contract_size is None else v.positive("contract_size", contract_size)
    ordered = _check_tiers(tiers)
    tier = tier_for_notional(ordered, _tier_notional(ordered[0], q, e, e, inv, cs))
    seen: set[int] = set()
    for _ in range(len(ordered) + 1):
        lp = _price(e, q, m, tier.mmr, tier.maint_amount, inv)
        at_lp = tier_for_notional(ordered, _tier_notional(tier, q, e, lp, inv, cs))
        if at_lp == tier:
            return LiquidationResult(lp, tier)
        seen.add(id(tier))
        if id(at_lp) in seen:
            break
        tier = at_lp
    # The tiers' maintenance amounts are not continuous, so the walk oscillates: take the
    # tier whose own liquidation notional it holds, or give up loudly.
    for t in ordered:
        try:
            lp = _price(e, q, m, t.mmr, t.maint_amount, inv)
        except InvalidInput:
            continue
        if t.min_notional <= _tier_notional(t, q, e, lp, inv, cs) < t.max_notional:
            return LiquidationResult(lp, t)
    raise InvalidInput("tiers", tiers, "are inconsistent: no tier holds its own liquidation notional")


def cumulative_maint_amounts(brackets: Sequence[tuple[float, float]]) -> tuple[float, ...]:
    """Maintenance amounts (cum) of tiers given as (floor notional, mmr), lowest first.

    Binance's documented rule: amount_n = floor_n × (mmr_n − mmr_{n−1}) + amount_{n−1},
    amount_1 = 0 — what keeps the maintenance margin continuous across tiers. Useful
    where an exchange (or ccxt) gives the brackets without their amounts.
    """
    if isinstance(brackets, (str, bytes)) or not isinstance(brackets, Sequence) or not brackets:
        raise InvalidInput("brackets", brackets, "must be a non-empty list of (floor, mmr) pairs")
    amounts = []
    prev_floor = prev_rate = amount = 0.0
    for i, pair in enumerate(brackets):
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise InvalidInput(f"brackets[{i}]", pair, "must be a (floor, mmr) pair")
        floor = v.non_negative(f"brackets[{i}] floor", pair[0])
        rate = v.below_one(f"brackets[{i}] mmr", pair[1])
        if i == 0:
            if floor != 0.0:
                raise InvalidInput("brackets[0] floor", pair[0], "must be 0")
        else:
            if floor <= prev_floor:
                raise InvalidInput(f"brackets[{i}] floor", pair[0],
                                   f"must exceed the previous floor {prev_floor!r}")
            amount = floor * (rate - prev_rate) + amount
        amounts.append(amount + 0.0)
        prev_floor, prev_rate = floor, rate
    return tuple(amounts)


def liquidation_distance(mark_price: float, liq_price: float) -> float:
    """How far the price may rise before liquidation, as a fraction of the mark price."""
    return v.positive("liq_price", liq_price) / v.positive("mark_price", mark_price) - 1.0
