"""A hedge plan for a portfolio: per holding, the short's size, margin and liquidation risk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from perphedge.core import validate as v
from perphedge.core.contracts import (
    contracts_for_exposure,
    exposure_notional,
    notional_for_contracts,
    qty_for_contracts,
)
from perphedge.core.conventions import MAX_ADVISED_LEVERAGE
from perphedge.core.errors import BelowMinimum, InvalidInput
from perphedge.core.liquidation import (
    entry_tier,
    liquidation_distance,
    liquidation_price_short,
    liquidation_short_tiered,
)
from perphedge.core.margin import check_tier_leverage, initial_margin, leverage_warning
from perphedge.core.margin_rules import default_note, rule_for
from perphedge.core.margin_rules.rule import NeverLiquidated
from perphedge.core.marketdata import LeverageTier


@dataclass(frozen=True)
class Holding:
    """A spot holding and how to hedge it.

    ``qty`` in base units at ``price`` (quote per base); ``hedge_ratio`` a fraction; the
    contract fields describe the perp used (``contract_size`` base units per contract, or
    USD per contract when ``inverse``); ``mmr``/``maint_amount`` its maintenance tier;
    ``min_cost`` its minimum order value in quote currency (0 = none known); ``exchange``
    the venue whose liquidation rule applies (None: Binance's, the default exchange's) and
    ``taker_fee`` its taker fee rate (OKX counts it in the liquidation condition; Bybit
    reserves the fee to close in the margin).

    A cross hedge (ETH held, BTC perp shorted) sets ``hedge_price`` to the perp's price and
    ``beta`` to the holding's exposure per dollar of the hedge coin: the notional becomes
    ``spot_value × hedge_ratio × beta`` and contracts, margin and liquidation are those of
    the perp at ``hedge_price``.

    ``notes`` say what pricing assumed (a fallback, a default taken: ``core.holdings``);
    they head the line's warnings.
    """

    asset: str
    qty: float
    price: float
    hedge_ratio: float
    leverage: float = 1.0
    contract_size: float = 1.0
    amount_step: float = 0.0
    min_amount: float = 0.0
    inverse: bool = False
    mmr: float = 0.005
    maint_amount: float = 0.0
    beta: float = 1.0
    hedge_price: float | None = None
    min_cost: float = 0.0
    exchange: str | None = None
    taker_fee: float = 0.0
    #: The market's maintenance tiers; given, the liquidation price is the tier walk's
    #: (``liquidation_short_tiered``) and ``mmr``/``maint_amount`` are not used.
    tiers: tuple[LeverageTier, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        checked = {
            "asset": v.text("asset", self.asset),
            "qty": v.positive("qty", self.qty),
            "price": v.positive("price", self.price),
            "hedge_ratio": v.fraction("hedge_ratio", self.hedge_ratio),
            "leverage": v.positive("leverage", self.leverage),
            "contract_size": v.positive("contract_size", self.contract_size),
            "amount_step": v.non_negative("amount_step", self.amount_step),
            "min_amount": v.non_negative("min_amount", self.min_amount),
            "inverse": v.boolean("inverse", self.inverse),
            "mmr": v.below_one("mmr", self.mmr),
            "maint_amount": v.non_negative("maint_amount", self.maint_amount),
            "beta": v.positive("beta", self.beta),
            "hedge_price": (self.price if self.hedge_price is None
                            else v.positive("hedge_price", self.hedge_price)),
            "min_cost": v.non_negative("min_cost", self.min_cost),
            "exchange": None if self.exchange is None else v.text("exchange", self.exchange),
            "taker_fee": v.below_one("taker_fee", self.taker_fee),
            "tiers": tuple(self.tiers),
            "notes": tuple(v.text("notes", n) for n in self.notes),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class HedgeLine:
    """The hedge of one holding. Money in quote currency; ``margin`` is the initial margin
    valued at the entry price (an inverse hedge posts it in the coin). ``contracts`` is
    rounded down to the step, so ``hedged_notional`` ≤ ``notional``. ``liq_price`` and
    ``liq_distance`` are None when there is no position or it cannot be liquidated."""

    holding: Holding
    spot_value: float
    notional: float
    contracts: float
    hedged_notional: float
    margin: float
    liq_price: float | None
    liq_distance: float | None
    leverage_warning: bool
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class HedgePlan:
    lines: tuple[HedgeLine, ...]
    total_spot_value: float
    total_notional: float
    total_margin: float
    total_hedged_notional: float = 0.0


def _line(h: Holding) -> HedgeLine:
    warnings: list[str] = list(h.notes)
    spot_value = h.qty * h.price
    # Sized from the exact decimal product of the inputs (core.contracts), as the
    # workbook's ROUNDDOWN(ROUND(exact/step, 9)) lands on: never a lot short of it.
    notional = float(exposure_notional(h.qty, h.price, h.hedge_ratio, h.beta))
    # the perp's price: the holding's own unless cross-hedged (__post_init__ fills it in)
    entry = h.hedge_price if h.hedge_price is not None else h.price
    try:
        contracts = contracts_for_exposure(h.qty, h.price, h.hedge_ratio, entry, h.contract_size,
                                           h.amount_step, h.min_amount, h.inverse, h.min_cost, h.beta)
    except BelowMinimum as e:
        contracts = 0.0
        warnings.append(f"no hedge: {e}")
    hedged = notional_for_contracts(contracts, entry, h.contract_size, h.inverse)
    rule = rule_for(h.exchange, h.inverse)
    margin = rule.required_margin(hedged, h.leverage, h.taker_fee)
    liq_price = liq_distance = None
    if contracts > 0.0:
        qty = qty_for_contracts(contracts, entry, h.contract_size, h.inverse)
        position_margin = initial_margin(hedged, h.leverage)  # what the condition holds
        margin_settle = position_margin / entry if h.inverse else position_margin
        if rule.default:
            warnings.append(default_note(str(h.exchange)))
        if rule.fee_in_maintenance and h.taker_fee == 0.0:
            warnings.append(f"no taker fee given: {rule.name} counts it in the liquidation condition, 0 used")
        if h.tiers:
            try:  # the venue accepts at most the entry size's tier's leverage
                check_tier_leverage(h.leverage, entry_tier(h.tiers, qty, entry, h.inverse, h.contract_size))
            except InvalidInput as e:
                warnings.append(f"refused by the exchange: {e}")
        try:
            if h.tiers:
                walked = liquidation_short_tiered(entry, qty, margin_settle, h.tiers, h.inverse,
                                                  h.contract_size, rule=rule, fee_rate=h.taker_fee)
                if walked.price is None:
                    raise NeverLiquidated(margin_settle)
                liq_price = walked.price
            else:
                liq_price = liquidation_price_short(entry, qty, margin_settle, h.mmr, h.maint_amount,
                                                    h.inverse, rule=rule, fee_rate=h.taker_fee)
            liq_distance = liquidation_distance(entry, liq_price)
        except NeverLiquidated:
            warnings.append("never liquidated: the coin margin covers any price rise")
        except InvalidInput as e:
            warnings.append(f"liquidation at entry: {e}")
    warn_leverage = leverage_warning(h.leverage)
    if warn_leverage:
        warnings.append(f"leverage {h.leverage:g}x is above the advised {MAX_ADVISED_LEVERAGE:g}x")
    return HedgeLine(h, spot_value, notional, contracts, hedged, margin, liq_price,
                     liq_distance, warn_leverage, tuple(warnings))


def plan_hedge(holdings: Sequence[Holding]) -> HedgePlan:
    """Size the hedge of every holding. A count below a market's minimum (amount or order
    value) is a warning on its line (that holding stays unhedged), not an error for the
    whole plan."""
    if isinstance(holdings, (str, bytes)) or not isinstance(holdings, Sequence) or not holdings:
        raise InvalidInput("holdings", holdings, "must list at least one holding")
    for i, h in enumerate(holdings):
        if not isinstance(h, Holding):
            raise InvalidInput(f"holdings[{i}]", h, "must be a Holding")
    lines = tuple(_line(h) for h in holdings)
    return HedgePlan(lines,
                     sum(ln.spot_value for ln in lines),
                     sum(ln.notional for ln in lines),
                     sum(ln.margin for ln in lines),
                     sum(ln.hedged_notional for ln in lines))
