"""Liquidation price of an isolated SHORT hedge, by the venue's own rule.

Each venue's condition is stated in :mod:`perphedge.core.margin_rules` (Binance USDⓈ-M and
COIN-M, Bybit linear and inverse, OKX linear and inverse; any other exchange by the declared
default, Binance's rule, and said so). This module adds what every rule shares: checking the
inputs, and walking the maintenance tiers.

Binance ("How to Calculate Liquidation Price of USDⓈ-M Futures Contracts" and "... of
COIN-M Futures Contracts") liquidates when the position's margin balance falls to its
maintenance margin ``MM = notional × MMR − cum`` (cum: the tier's maintenance amount). In
isolated mode the other-positions terms vanish (TMM = 0, UPNL = 0) and WB is the
position's isolated wallet balance, here ``margin``:

    linear:  X = (margin + cum + qty·E) / (qty·(1 + MMR))
    inverse: X = qty·E·(1 − MMR) / (qty − margin − cum)

ccxt's binance module implements the same isolated expressions (without cum); the tests
cross-check both against it and against "equity = maintenance" evaluated independently.

The tier: where a venue values the requirement at the mark, the tier is the one of the
position's size AT the liquidation price (Binance's documented procedure: compute, find the
tier there, recompute). An inverse short bracketed in the coin shrinks in coin as the price
rises, into lower tiers with smaller maintenance amounts; so "never liquidated" holds only
when the coin margin covers every price in every tier the position passes through — in the
end, when margin + cum ≥ qty in the first tier, which for Binance (cum 0 there) is margin ≥ qty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from perphedge.core import validate as v
from perphedge.core.errors import InvalidInput
from perphedge.core.margin_rules import binance, rule_for
from perphedge.core.margin_rules.rule import MarginRule, NeverLiquidated
from perphedge.core.marketdata import LeverageTier


def _rule(rule: MarginRule | None, inverse: bool) -> MarginRule:
    chosen = rule if rule is not None else (binance.COINM if inverse else binance.USDM)
    if not isinstance(chosen, MarginRule):
        raise InvalidInput("rule", rule, "must be a MarginRule (see perphedge.core.margin_rules)")
    if chosen.inverse != inverse:
        kind = "an inverse" if inverse else "a linear"
        raise InvalidInput("rule", chosen.name, f"must be {kind} market's rule")
    return chosen


def liquidation_price_short(entry_price: float, qty: float, margin: float,
                            mmr: float = 0.005, maint_amount: float = 0.0,
                            inverse: bool = False, *, rule: MarginRule | None = None,
                            fee_rate: float = 0.0) -> float:
    """Price at which an isolated short of ``qty`` base units is liquidated.

    ``margin`` is the isolated position margin in the settle currency (quote for linear, the
    coin for inverse); ``mmr``/``maint_amount`` are the tier's rate and maintenance amount;
    ``rule`` the venue's (default: Binance's); ``fee_rate`` the taker fee rate, used where the
    venue counts it in the condition (OKX). Raises :class:`NeverLiquidated` when the coin
    margin covers any price rise.
    """
    e = v.positive("entry_price", entry_price)
    q = v.positive("qty", qty)
    m = v.non_negative("margin", margin)
    rate = v.below_one("mmr", mmr)
    cum = v.non_negative("maint_amount", maint_amount)
    inv = v.boolean("inverse", inverse)
    fee = v.below_one("fee_rate", fee_rate) if fee_rate else 0.0
    return _rule(rule, inv).liquidation_price(e, q, m, rate, cum, fee)


def rule_for_exchange(exchange: str | None, inverse: bool) -> MarginRule:
    """The venue's rule (:func:`perphedge.core.margin_rules.rule_for`)."""
    return rule_for(exchange, v.boolean("inverse", inverse))


@dataclass(frozen=True)
class LiquidationResult:
    """A liquidation price (None: never liquidated) and the tier it was computed with."""

    price: float | None
    tier: LeverageTier | None

    @property
    def never(self) -> bool:
        return self.price is None


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


def entry_tier(tiers: Sequence[LeverageTier], qty: float, entry_price: float, inverse: bool = False,
               contract_size: float | None = None) -> LeverageTier:
    """The tier of the position's size at entry (what caps the leverage the venue accepts)."""
    ordered = _check_tiers(tiers)
    e, q = v.positive("entry_price", entry_price), v.positive("qty", qty)
    cs = None if contract_size is None else v.positive("contract_size", contract_size)
    return tier_for_notional(ordered, _tier_notional(ordered[0], q, e, e, v.boolean("inverse", inverse), cs))


def liquidation_short_tiered(entry_price: float, qty: float, margin: float,
                             tiers: Sequence[LeverageTier], inverse: bool = False,
                             contract_size: float | None = None, *, rule: MarginRule | None = None,
                             fee_rate: float = 0.0) -> LiquidationResult:
    """Liquidation price with the maintenance tier the venue's rule applies.

    Where the rule values the requirement at the mark, starts from the tier at the entry
    size and, when the size at the resulting price falls in another tier, recomputes with
    that tier (Binance's documented procedure); where it is charged at entry (Bybit USDT),
    the entry size's tier. ``contract_size`` is needed only for tiers bracketed in contracts.
    A result with ``price`` None is never liquidated.
    """
    e = v.positive("entry_price", entry_price)
    q = v.positive("qty", qty)
    m = v.non_negative("margin", margin)
    inv = v.boolean("inverse", inverse)
    cs = None if contract_size is None else v.positive("contract_size", contract_size)
    fee = v.below_one("fee_rate", fee_rate) if fee_rate else 0.0
    venue = _rule(rule, inv)
    ordered = _check_tiers(tiers)

    def at(t: LeverageTier, price: float) -> LeverageTier:
        return tier_for_notional(ordered, _tier_notional(t, q, e, price, inv, cs))

    tier = at(ordered[0], e)
    if not venue.tier_walks:
        return LiquidationResult(venue.liquidation_price(e, q, m, tier.mmr, tier.maint_amount, fee), tier)
    seen: set[int] = set()
    for _ in range(2 * len(ordered) + 1):
        try:
            lp = venue.liquidation_price(e, q, m, tier.mmr, tier.maint_amount, fee)
        except NeverLiquidated:
            # Not liquidated at any price this tier covers. A coin-bracketed inverse short
            # shrinks in coin as the price rises, into lower tiers: go to the highest tier
            # whose amount leaves the margin short of the position (amounts rise with the
            # tier); with none, the margin covers every price. Elsewhere the size is fixed.
            if not (inv and tier.notional_unit not in ("quote", "contracts")):
                return LiquidationResult(None, tier)
            short_of = [t for t in ordered if t.maint_amount < q - m]
            if not short_of or short_of[-1] == tier:
                return LiquidationResult(None, ordered[0] if not short_of else tier)
            tier = short_of[-1]
            continue
        there = at(tier, lp)
        if there == tier:
            return LiquidationResult(lp, tier)
        seen.add(id(tier))
        if id(there) in seen:
            break
        tier = there
    # The tiers' maintenance amounts are not continuous, so the walk oscillates: take the
    # tier whose own liquidation size it holds, or give up loudly.
    for t in ordered:
        try:
            lp = venue.liquidation_price(e, q, m, t.mmr, t.maint_amount, fee)
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
    prev_floor = prev_rate = 0.0
    amount = Decimal(0)  # in decimal on each figure's shortest repr: 950, not 949.9999999999998
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
            amount = Decimal(repr(floor)) * (Decimal(repr(rate)) - Decimal(repr(prev_rate))) + amount
        amounts.append(float(amount))
        prev_floor, prev_rate = floor, rate
    return tuple(amounts)


def liquidation_distance(mark_price: float, liq_price: float) -> float:
    """How far the price may rise before liquidation, as a fraction of the mark price."""
    return v.positive("liq_price", liq_price) / v.positive("mark_price", mark_price) - 1.0
