"""What every computed Portfolio cell must hold, computed with ``perphedge.core`` from the
same inputs the workbook was built with: the independent side of the LibreOffice tests."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from perphedge.core.basis import basis_pct
from perphedge.core.contracts import contracts_for_notional, notional_for_contracts, qty_for_contracts
from perphedge.core.errors import BelowMinimum, InvalidInput
from perphedge.core.funding import funding_apr, funding_pnl_short
from perphedge.core.holdings import HoldingInput, asset_price, perp_price
from perphedge.core.liquidation import (
    liquidation_distance,
    liquidation_price_short,
    liquidation_short_tiered,
    tier_for_notional,
)
from perphedge.core.margin import check_tier_leverage, initial_margin
from perphedge.core.margin_rules import rule_for
from perphedge.core.margin_rules.rule import NeverLiquidated
from perphedge.core.marketdata import LeverageTier, MarketRow
from perphedge.core.rebalance import rebalance_contracts
from perphedge.core.sizing import PRESETS, hedge_notional, ratio_for
from perphedge.template import layout as L

SETTINGS = {"HorizonDays": 30.0, "DefaultMMR": 0.005, "RebalanceBand": 0.05,
            "MaxAdvisedLeverage": 2.0, "LiqWarnDistance": 0.25, "FundingWarnAPR": 0.10,
            "MaxDataAgeHours": 24.0, "DefaultExchange": "binanceusdm"}
BLANK = ""


def _pos(x):
    return x is not None and x > 0


Tiers = dict[tuple[str, str], tuple[LeverageTier, ...]]


def _tiers_of(tiers: Tiers | None, symbol: str, exchange: str) -> tuple[LeverageTier, ...]:
    for (s, x), ts in (tiers or {}).items():
        if s.casefold() == symbol.casefold() and x.casefold() == exchange.casefold():
            return tuple(sorted(ts, key=lambda t: t.min_notional))
    return ()


def _size_in_unit(unit: str, qty: float, entry: float, price: float, inverse: bool,
                  contract_size: float) -> float:
    if unit == "contracts":
        return qty * entry / contract_size if inverse else qty / contract_size
    if unit == "quote":
        return qty * entry if inverse else qty * price
    return qty * entry / price if inverse else qty


def _position(ordered: tuple[LeverageTier, ...], notional: float) -> int:
    """1-based tier position, len + 1 above the largest cap."""
    try:
        return ordered.index(tier_for_notional(ordered, notional)) + 1
    except InvalidInput:
        return len(ordered) + 1


def walk_entry_position(ordered, entry, qty, inverse, contract_size) -> int:
    """The tier position of the entry size (the workbook's walk1)."""
    unit = ordered[0].notional_unit
    return _position(ordered, _size_in_unit(unit, qty, entry, entry, inverse, contract_size))


def walk_positions(ordered, entry, qty, margin, inverse, contract_size, rule, fee) -> list[int]:
    """The tier positions the workbook's unrolled walk columns hold: the walk of
    ``liquidation_short_tiered`` step by step, stopping where core stops with an error."""
    unit = ordered[0].notional_unit
    p = _position(ordered, _size_in_unit(unit, qty, entry, entry, inverse, contract_size))
    out = [p]
    for _ in range(L.TIER_WALK_STEPS - 1):
        if p <= len(ordered) and rule.tier_walks:
            t = ordered[p - 1]
            try:
                lp = liquidation_price_short(entry, qty, margin, t.mmr, t.maint_amount, inverse,
                                             rule=rule, fee_rate=fee)
            except NeverLiquidated:
                if unit == "base":  # to the highest coin tier whose amount leaves margin short
                    p = max(1, sum(1 for x in ordered if x.maint_amount < qty - margin))
            except InvalidInput:
                pass
            else:
                p = _position(ordered, _size_in_unit(unit, qty, entry, lp, inverse, contract_size))
        out.append(p)
    return out


def expected_row(h: HoldingInput, rows: list[MarketRow], now: datetime,
                 beta: float | None = None, tiers: Tiers | None = None) -> dict[str, object]:
    """Expected value of every computed column ('' = blank) and the warnings expected.

    With tier rows for the hedge market the liquidation price is
    ``core.liquidation.liquidation_short_tiered``'s."""
    exchange = h.exchange or SETTINGS["DefaultExchange"]
    ordered = _tiers_of(tiers, h.hedge_symbol, exchange)

    def find(symbol: str) -> tuple[int, MarketRow | None]:
        hits = [i for i, r in enumerate(rows)
                if r.symbol.casefold() == symbol.casefold() and r.exchange.casefold() == exchange.casefold()]
        return (hits[0] + 1, rows[hits[0]]) if len(hits) == 1 else (0, None)

    hr, hm = find(h.hedge_symbol)
    pr, pm = find(h.price_symbol or h.hedge_symbol)
    e: dict[str, object] = {"hedge_row": hr, "price_row": pr}
    warn: list[str] = []
    b = beta if beta is not None else h.beta
    e["ratio"] = h.hedge_ratio if h.hedge_ratio is not None else (
        ratio_for(h.strategy) if PRESETS[h.strategy].default_ratio is not None else 0.0)
    e["lev"] = h.leverage
    # The pricing rule itself is core's, stated once (core.holdings): spot else mark for
    # the asset, mark else index else spot for the perp. Which rows are looked up, and
    # everything computed from the prices, stays independent here.
    priced = None if pm is None else asset_price(pm)
    price = BLANK if priced is None else priced[0]
    e["price"] = price
    e["price_source"] = BLANK if priced is None else priced[1]
    if hm is None:
        warn.append("no single Market row")
    elif pm is None:
        warn.append("no single Market row prices")
    if e["price_source"] == "mark":
        warn.append("valued at the perp mark")
    if pm is not None and price == BLANK:
        warn.append("no price for")
    spot_value = BLANK if price == BLANK else h.qty * price
    e["spot_value"] = spot_value
    notional = BLANK if spot_value == BLANK else hedge_notional(spot_value * b, e["ratio"])
    e["notional"] = notional
    perp = BLANK
    if hm is not None:
        perp = perp_price(hm)
        if perp is None:
            perp = BLANK
            warn.append("no perp price")
        if not _pos(hm.contract_size):
            warn.append("no contract size")
    e["perp_price"] = perp
    if h.hedge_ratio is None and e["ratio"] == 0:
        warn.append("no hedge ratio")
    p = PRESETS[h.strategy]
    if h.hedge_ratio is not None and not p.min_ratio <= h.hedge_ratio <= p.max_ratio:
        warn.append("ratio outside the")
    cross = h.price_symbol is not None and h.price_symbol.casefold() != h.hedge_symbol.casefold()
    if cross and h.beta_from_sheet and beta is None:
        warn.append("cross hedge with no beta")
    if h.leverage > SETTINGS["MaxAdvisedLeverage"]:
        warn.append("leverage")
    keys = ("exact", "contracts", "hedged", "margin", "hedge_qty", "liq_price", "liq_distance",
            "funding", "net", "fees", "rebalance", "tier")
    e.update({k: BLANK for k in keys})
    e.update({f"walk{i}": BLANK for i in range(1, L.TIER_WALK_STEPS + 1)})
    e["tier_count"] = len(ordered)
    e["tier_unit"] = ordered[0].notional_unit if ordered else BLANK
    e["net"] = BLANK if spot_value == BLANK else spot_value * b
    if notional != BLANK and perp != BLANK and hm is not None and _pos(hm.contract_size):
        size, inv = hm.contract_size, bool(hm.inverse)
        e["exact"] = notional / size if inv else notional / perp / size
        try:
            contracts = contracts_for_notional(notional, perp, size, hm.amount_step or 0.0,
                                               hm.min_amount or 0.0, inv, hm.min_cost or 0.0)
        except BelowMinimum as err:
            contracts = 0.0
            if e["exact"] > 0:
                warn.append("order value below the market minimum" if "min_cost" in str(err)
                            else "below the market minimum")
        else:
            if contracts == 0 and e["exact"] > 0:
                warn.append("rounds down to 0 contracts")
        e["contracts"] = contracts
        hedged = notional_for_contracts(contracts, perp, size, inv)
        e["hedged"] = hedged
        rule = rule_for(exchange, inv)
        fee = hm.taker_fee or 0.0
        e["margin"] = rule.required_margin(hedged, h.leverage, fee)
        assert rule.required_margin(hedged, h.leverage, fee) >= initial_margin(hedged, h.leverage)
        e["net"] = spot_value * b - hedged
        e["fees"] = hedged * (hm.taker_fee or 0.0) * 2
        mmr = hm.mmr if hm.mmr is not None else SETTINGS["DefaultMMR"]
        if hedged > 0 and hm.taker_fee is None:
            warn.append("no taker fee in the Market table")
        if hedged > 0 and hm.rate_per_interval is None:
            warn.append("no funding rate in the Market table")
        if contracts > 0 and not ordered:
            warn.append("no MMR in the Market table" if hm.mmr is None else "no leverage tiers")
        if contracts > 0:
            hq = qty_for_contracts(contracts, perp, size, inv)
            e["hedge_qty"] = hq
            position_margin = hedged / h.leverage  # what the condition holds (core.margin_rules)
            margin_settle = position_margin / perp if inv else position_margin
            if rule.default:
                warn.append("liquidation price by Binance's rule")
            if ordered and walk_entry_position(ordered, perp, hq, inv, size) <= len(ordered):
                first = ordered[walk_entry_position(ordered, perp, hq, inv, size) - 1]
                try:
                    check_tier_leverage(h.leverage, first)
                except InvalidInput:
                    warn.append("tier maximum leverage")
            if ordered:
                walk = walk_positions(ordered, perp, hq, margin_settle, inv, size, rule, fee)
                e.update({f"walk{i + 1}": w for i, w in enumerate(walk)})
                try:
                    result = liquidation_short_tiered(perp, hq, margin_settle, ordered, inv, size,
                                                      rule=rule, fee_rate=fee)
                except InvalidInput as err:
                    text = str(err)
                    if "maintenance margin at the entry" in text:
                        e["liq_price"] = "at entry"
                        warn.append("margin below maintenance")
                    elif "largest tier's cap" in text:
                        e["liq_price"] = "above tiers"
                        warn.append("the short is larger than the largest")
                    else:
                        raise
                    used = ordered[walk[-1] - 1] if walk[-1] <= len(ordered) else None
                else:
                    used = result.tier
                    if result.never:
                        e["liq_price"] = "none"
                    else:
                        lp = result.price
                        e["liq_price"] = lp
                        e["liq_distance"] = liquidation_distance(perp, lp)
                        if e["liq_distance"] < SETTINGS["LiqWarnDistance"]:
                            warn.append("liquidation only")
                    # The workbook's walk must have reached core's tier within its steps.
                    assert ordered.index(used) + 1 == walk[-1], (h.asset, walk, used)
                e["tier"] = BLANK if used is None else ordered.index(used) + 1
                e["mmr"] = BLANK if used is None else used.mmr
                e["maint"] = BLANK if used is None else used.maint_amount
            else:
                cum = hm.maint_amount or 0.0
                if inv and margin_settle + cum >= hq:
                    e["liq_price"] = "none"
                else:
                    try:
                        lp = liquidation_price_short(perp, hq, margin_settle, mmr, cum, inv,
                                                     rule=rule, fee_rate=fee)
                        e["liq_price"] = lp
                        e["liq_distance"] = liquidation_distance(perp, lp)
                        if e["liq_distance"] < SETTINGS["LiqWarnDistance"]:
                            warn.append("liquidation only")
                    except InvalidInput:
                        e["liq_price"] = "at entry"
                        warn.append("margin below maintenance")
        if h.held_contracts is not None:
            e["rebalance"] = rebalance_contracts(spot_value * b / perp, perp, e["ratio"],
                                                 h.held_contracts, size, SETTINGS["RebalanceBand"], inv,
                                                 hm.amount_step or 0.0)
    if hm is None:
        e["mmr"] = e["maint"] = BLANK
    elif not ordered:
        e["mmr"] = hm.mmr if hm.mmr is not None else SETTINGS["DefaultMMR"]
        e["maint"] = hm.maint_amount or 0.0
    elif e["hedge_qty"] == BLANK:
        e["mmr"] = e["maint"] = BLANK
    interval = BLANK if hm is None else (hm.interval_hours if _pos(hm.interval_hours) else 8.0)
    e["interval"] = interval
    rate = BLANK if hm is None or hm.rate_per_interval is None else hm.rate_per_interval
    e["rate"] = rate
    e["apr"] = BLANK if rate == BLANK else funding_apr(rate, interval)
    if rate != BLANK and e["hedged"] != BLANK:
        e["funding"] = funding_pnl_short(e["hedged"], rate, SETTINGS["HorizonDays"], interval)
    if e["apr"] != BLANK and -e["apr"] > SETTINGS["FundingWarnAPR"]:
        warn.append("the short pays funding")
    e["basis"] = BLANK
    if hm is not None and _pos(hm.mark_price):
        ref = hm.spot_price if _pos(hm.spot_price) else (hm.index_price if _pos(hm.index_price) else None)
        if ref is not None:
            e["basis"] = basis_pct(hm.mark_price, ref) * 10_000
    if e["rebalance"] not in (BLANK, 0.0):
        warn.append("rebalance")
    e["age"] = BLANK
    if hm is not None and hm.status.as_of_ms:
        as_of = datetime(1970, 1, 1) + timedelta(milliseconds=hm.status.as_of_ms)
        e["age"] = (now - as_of).total_seconds() / 3600
        if e["age"] > SETTINGS["MaxDataAgeHours"]:
            warn.append("market data")
    if hm is not None and hm.status.source == "snapshot":
        warn.append("recorded snapshot")
    elif hm is not None and hm.status.stale:
        warn.append("stale")
    elif hm is not None and hm.status.reason:
        warn.append("partial")
    if hm is not None and not _pos(hm.interval_hours):
        warn.append("funding interval assumed")
    e["warnings"] = warn
    return e


def same(actual, expected, rel: float = 1e-9, scale: float = 0.0) -> bool:
    """Numbers within ``rel`` (relative; of ``scale`` too, for a difference of two large
    numbers such as the net exposure), blanks as blanks, text as text."""
    if expected == BLANK:
        return actual in (None, "")
    if isinstance(expected, str):
        return actual == expected
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return False
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=max(1e-9, rel * abs(scale)))
