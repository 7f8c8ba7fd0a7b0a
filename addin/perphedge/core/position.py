"""One Portfolio row, stated once: what every computed cell of a holding's row holds and
which warnings it raises, with their severity.

The workbook's native formulas (``template/portfolio.py``) are built beside this policy and
tested against it by LibreOffice recalculation on generated rows; the warning texts the
formulas write begin with the leads of :data:`WARNINGS`. Inputs are the cells as typed
(:class:`RowCells`: anything, since a pasted value bypasses Excel's validation), the Market
table's rows in table order, the leverage tiers and the settings.

Rules, in the order a row applies them:

- **Inputs are judged first.** A blank quantity, a negative or non-numeric quantity, a
  ratio outside 0-100 %, a leverage outside 1-125×, a beta that is not a positive number or
  negative held contracts is an *error*: the row shows ``invalid input`` where its spot
  value goes and sizes nothing. A blank ratio takes the strategy's default, a blank
  leverage 1×, a blank beta 1 (a cross hedge with a blank beta is flagged: β = 1 is a guess).
- **The asset is priced** by its Price symbol's Market row; a blank Price symbol means the
  asset's own market: the hedge's row when the hedge is the asset's coin, else the one
  Market row of the row's exchange whose base coin is the asset. Spot, else Mark. A holding
  that cannot be priced shows ``not priced`` and no notional, and the totals leave it out
  (the risk summary counts it).
- **The perp** is priced at the hedge market's Mark, else Index, else Spot.
- **Contracts**: spot value × β × ratio in the hedge market's contracts, rounded down to
  the amount step; an order below the market's minimum amount or value is
  ``below minimum`` (nothing hedged, a *risk*), as ``core.contracts`` refuses it.
- Margin, the liquidation walk, funding, basis, fees and rebalancing as ``core.plan``,
  ``core.liquidation``, ``core.funding`` and ``core.rebalance`` compute them.
- **Net exposure** at the target (what the Contracts column would leave unhedged) and now
  (against the held contracts).
- **Held contracts** are the typed ones, else the Positions sheet's (``core.positions.held_view``):
  the short open on the row's market when its exchange was read and no other holding shares
  the market; Held from says which, and the market's reconciliation word.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from perphedge.core.basis import basis_pct
from perphedge.core.contracts import contracts_for_exposure, notional_for_contracts, qty_for_contracts
from perphedge.core.conventions import (
    DEFAULT_EXCHANGE,
    DEFAULT_INTERVAL_HOURS,
    DEFAULT_MAX_DATA_AGE_HOURS,
    MAX_LEVERAGE,
    MIN_LEVERAGE,
)
from perphedge.core.errors import BelowMinimum, InvalidInput
from perphedge.core.funding import funding_apr, funding_pnl_short
from perphedge.core.holdings import is_cross, is_own_market
from perphedge.core.liquidation import (
    liquidation_distance,
    liquidation_price_short,
    liquidation_short_tiered,
    tier_for_notional,
)
from perphedge.core.margin_rules import DEFAULT_NOTE_LEAD, rule_for
from perphedge.core.margin_rules.rule import NeverLiquidated
from perphedge.core.marketdata import NO_DATA, RECORDED_SOURCE, LeverageTier, MarketRow
from perphedge.core.positions import NOTHING_READ, HeldView, PositionsRead, held_view
from perphedge.core.rebalance import rebalance_contracts
from perphedge.core.sizing import PRESETS

BLANK = ""
#: What the Spot value cell of a row that sizes nothing says.
INVALID_INPUT = "invalid input"
NOT_PRICED = "not priced"
#: What the Contracts cell says when the order is below the market's minimum.
BELOW_MINIMUM = "below minimum"
#: From this age on (hours), a data age is said in days.
AGE_IN_DAYS_FROM_H = 48


def age_shown(age_h: float) -> float | str:
    """A data age as the Portfolio shows it: the hours below :data:`AGE_IN_DAYS_FROM_H`,
    else the whole days (rounded half up, as Excel's ROUND) and the word."""
    if age_h < AGE_IN_DAYS_FROM_H:
        return age_h
    return f"{math.floor(age_h / 24 + 0.5):d} days"


#: Steps of the tier walk the workbook unrolls into helper columns.
TIER_WALK_STEPS = 6

ERROR, RISK, NOTE = "error", "risk", "note"
#: Severity as a number, for a helper cell and sorting (errors first).
SEVERITY_RANK = {ERROR: 2, RISK: 1, NOTE: 0}


@dataclass(frozen=True)
class WarningKind:
    """A warning a row can raise: its severity and the words its text begins with."""

    code: str
    severity: str
    lead: str


def _kinds(*items: tuple[str, str, str]) -> dict[str, WarningKind]:
    return {code: WarningKind(code, sev, lead) for code, sev, lead in items}


#: Every warning of a Portfolio row. Errors: the row sizes nothing. Risks: money is at stake
#: (red, counted in the risk summary). Notes: a figure assumed or an action to take.
WARNINGS: dict[str, WarningKind] = _kinds(
    ("qty_blank", ERROR, "no quantity: type the coins held"),
    ("qty_invalid", ERROR, "quantity must be a number of coins, 0 or more"),
    ("ratio_invalid", ERROR, "hedge ratio must be between 0 % and 100 %"),
    ("leverage_invalid", ERROR, "leverage must be a number from 1× to 125×"),
    ("beta_invalid", ERROR, "beta must be a positive number"),
    ("held_invalid", ERROR, "held contracts must be a number, 0 or more"),
    ("no_hedge_row", ERROR, "no single Market row for"),
    ("no_price_row", ERROR, "no single Market row prices"),
    ("no_data", ERROR, NO_DATA),
    ("no_price", ERROR, "no price for"),
    ("no_perp_price", ERROR, "no perp price in the Market table"),
    ("no_contract_size", ERROR, "no contract size: refresh the Market table"),
    ("no_beta", RISK, "cross hedge with no beta: β = 1 assumed"),
    ("no_ratio", RISK, "no hedge ratio: pick a strategy or type a ratio"),
    ("below_min", RISK, "below the market minimum of"),
    ("below_min_cost", RISK, "order value below the market minimum of"),
    ("rounds_to_zero", RISK, "rounds down to 0 contracts: not hedged"),
    ("liq_at_entry", RISK, "margin below maintenance: liquidated at once"),
    ("tier_leverage", RISK, "tier maximum leverage"),
    ("above_tiers", RISK, "the short is larger than the largest leverage tier's cap"),
    ("walk_unsettled", RISK, f"tier walk did not settle in {TIER_WALK_STEPS} steps"),
    ("liq_near", RISK, "liquidation only"),
    ("funding_cost", RISK, "the short pays funding at"),
    ("data_old", RISK, "market data"),
    ("stale", RISK, "stale"),
    ("ratio_band", NOTE, "ratio outside the"),
    ("leverage_advised", NOTE, "leverage above the advised"),
    ("default_rule", NOTE, DEFAULT_NOTE_LEAD),
    ("no_fee", NOTE, "no taker fee in the Market table"),
    ("no_rate", NOTE, "no funding rate in the Market table"),
    ("no_mmr", NOTE, "no MMR in the Market table"),
    ("no_tiers", NOTE, "no leverage tiers"),
    ("rebalance", NOTE, "rebalance:"),
    ("partial", NOTE, "partial"),
    ("interval_assumed", NOTE, "funding interval assumed 8 h"),
)


#: The 0/1 flags of a row the Portfolio's risk summary counts, and the warnings each counts.
FLAGS: dict[str, tuple[str, ...]] = {
    "f_liq": ("liq_near", "liq_at_entry"),
    "f_funding": ("funding_cost",),
    "f_age": ("data_old",),
    "f_beta": ("no_beta",),
    "f_unhedged": ("below_min", "below_min_cost", "rounds_to_zero"),
}


@dataclass(frozen=True)
class RowSettings:
    """The Portfolio's settings block, with the values a new workbook starts with."""

    horizon_days: float = 30
    default_exchange: str = DEFAULT_EXCHANGE
    max_data_age_hours: float = DEFAULT_MAX_DATA_AGE_HOURS
    max_advised_leverage: float = 2
    liq_warn_distance: float = 0.25
    funding_warn_apr: float = 0.10
    rebalance_band: float = 0.05
    default_mmr: float = 0.005


@dataclass(frozen=True)
class RowCells:
    """A Portfolio row's input cells as typed: None for a blank cell, else whatever the
    cell holds (a number, a text, a bool). ``beta`` is the cell's value (a ``=Beta!…``
    formula's result)."""

    asset: object = None
    qty: object = None
    hedge_symbol: object = None
    exchange: object = None
    strategy: object = None
    ratio_in: object = None
    leverage: object = None
    beta: object = None
    held: object = None
    price_symbol: object = None


@dataclass(frozen=True)
class RowResult:
    """Every computed cell by Portfolio column key ('' = blank) and the row's warnings
    (codes of :data:`WARNINGS`, most severe first)."""

    values: Mapping[str, object]
    warnings: tuple[str, ...]


Tiers = Mapping[tuple[str, str], Sequence[LeverageTier]]


def _blank(x: object) -> bool:
    return x is None or x == ""


def _num(x: object) -> float | None:
    """The cell's number (what ISNUMBER accepts), else None."""
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(float(x)):
        return None
    return float(x)


def _pos(x: float | None) -> bool:
    return x is not None and x > 0


def _text(x: object) -> str:
    return "" if x is None else str(x)


def _same(a: str, b: str) -> bool:
    """Excel's = on texts: case-insensitive."""
    return a.casefold() == b.casefold()


def find_row(rows: Sequence[MarketRow], symbol: str, exchange: str) -> int:
    """1-based position of the one Market row with this symbol and exchange; 0 for none
    or several (the workbook's lookup)."""
    hits = [i for i, r in enumerate(rows) if _same(r.symbol, symbol) and _same(r.exchange, exchange)]
    return hits[0] + 1 if len(hits) == 1 else 0


def own_market_row(rows: Sequence[MarketRow], asset: str, exchange: str) -> int:
    """1-based position of the one Market row of ``exchange`` whose base coin is ``asset``
    (``ETH`` → ``ETH/USDT:USDT``); 0 for none or several."""
    hits = [i for i, r in enumerate(rows) if is_own_market(r, asset, exchange)]
    return hits[0] + 1 if len(hits) == 1 else 0


def price_row_of(rows: Sequence[MarketRow], asset: str, hedge_symbol: str, price_symbol: str,
                 exchange: str) -> int:
    """The Market row that prices the asset (module docstring); 0 when none does."""
    if price_symbol:
        return find_row(rows, price_symbol, exchange)
    if not is_cross(asset, hedge_symbol, None):
        return find_row(rows, hedge_symbol, exchange)
    return own_market_row(rows, asset, exchange)


def _input_errors(cells: RowCells) -> list[str]:
    out = []
    if _blank(cells.qty):
        out.append("qty_blank")
    elif _num(cells.qty) is None or (_num(cells.qty) or 0.0) < 0:
        out.append("qty_invalid")
    ratio = _num(cells.ratio_in)
    if not _blank(cells.ratio_in) and not (ratio is not None and 0.0 <= ratio <= 1.0):
        out.append("ratio_invalid")
    lev = _num(cells.leverage)
    if not _blank(cells.leverage) and not (lev is not None and MIN_LEVERAGE <= lev <= MAX_LEVERAGE):
        out.append("leverage_invalid")
    if not _blank(cells.beta) and not _pos(_num(cells.beta)):
        out.append("beta_invalid")
    held = _num(cells.held)
    if not _blank(cells.held) and not (held is not None and held >= 0):
        out.append("held_invalid")
    return out


def preset_ratio(strategy: object) -> float:
    """The strategy's default ratio; 0 for Custom or an unknown name (flagged)."""
    for name, p in PRESETS.items():
        if _same(name, _text(strategy)):
            return p.default_ratio if p.default_ratio is not None else 0.0
    return 0.0


def _preset_band(strategy: object) -> tuple[float, float] | None:
    for name, p in PRESETS.items():
        if _same(name, _text(strategy)):
            return p.min_ratio, p.max_ratio
    return None


def _tiers_of(tiers: Tiers | None, symbol: str, exchange: str) -> tuple[LeverageTier, ...]:
    for (s, x), ts in (tiers or {}).items():
        if _same(s, symbol) and _same(x, exchange):
            return tuple(sorted(ts, key=lambda t: t.min_notional))
    return ()


def _size_in_unit(unit: str, qty: float, entry: float, price: float, inverse: bool,
                  contract_size: float) -> float:
    """The short's size at ``price`` in the unit its tiers bracket by."""
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


def walk_positions(ordered: tuple[LeverageTier, ...], entry: float, qty: float, margin: float,
                   inverse: bool, contract_size: float, exchange: str, fee: float) -> list[int]:
    """The tier positions of ``liquidation_short_tiered``'s walk, step by step (what the
    workbook's unrolled walk columns hold), stopping where core stops with an error."""
    rule = rule_for(exchange, inverse)
    unit = ordered[0].notional_unit
    p = _position(ordered, _size_in_unit(unit, qty, entry, entry, inverse, contract_size))
    out = [p]
    for _ in range(TIER_WALK_STEPS - 1):
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


def row_given(cells: RowCells) -> bool:
    """Whether the row holds a holding: its Asset cell is not blank (every computed cell of
    a row without one is blank, as its formulas' ``IF(asset="","",…)`` say)."""
    return not _blank(cells.asset)


def market_key(cells: RowCells, settings: RowSettings = RowSettings()) -> str:
    """The row's hedge market as one text (exchange used | hedge symbol), '' for a blank
    row: holdings with the same key share the market's position."""
    if _blank(cells.asset):
        return ""
    return f"{_text(cells.exchange) or settings.default_exchange}|{_text(cells.hedge_symbol)}"


def portfolio_row(cells: RowCells, rows: Sequence[MarketRow], now: datetime,
                  settings: RowSettings = RowSettings(), tiers: Tiers | None = None,
                  positions: PositionsRead = NOTHING_READ, holdings_on_market: int = 1) -> RowResult:
    """Every computed cell of one Portfolio row (see the module docstring for the rules).
    ``positions`` is what the Positions sheet holds, ``holdings_on_market`` how many rows
    (this one included) have this row's :func:`market_key`."""
    if not row_given(cells):
        return RowResult({"asset_given": False}, ())
    s = settings
    asset = _text(cells.asset)
    hedge_symbol, price_symbol = _text(cells.hedge_symbol), _text(cells.price_symbol)
    exchange = _text(cells.exchange) or s.default_exchange
    ordered = _tiers_of(tiers, hedge_symbol, exchange)
    warn = _input_errors(cells)
    invalid = bool(warn)
    e: dict[str, object] = {"asset_given": True}

    hr = find_row(rows, hedge_symbol, exchange)
    pr = price_row_of(rows, asset, hedge_symbol, price_symbol, exchange)
    hm = rows[hr - 1] if hr else None
    pm = rows[pr - 1] if pr else None
    e["hedge_row"], e["price_row"] = hr, pr
    cross = is_cross(asset, hedge_symbol, price_symbol or None)

    ratio_ok = "ratio_invalid" not in warn
    e["ratio"] = (BLANK if not ratio_ok else
                  (_num(cells.ratio_in) if not _blank(cells.ratio_in) else preset_ratio(cells.strategy)))
    e["lev"] = BLANK if "leverage_invalid" in warn else (_num(cells.leverage) or 1.0)
    e["beta_used"] = BLANK if "beta_invalid" in warn else (_num(cells.beta) if not _blank(cells.beta) else 1.0)
    price: object = BLANK
    if pm is not None:
        price = pm.spot_price if _pos(pm.spot_price) else (pm.mark_price if _pos(pm.mark_price) else BLANK)
    e["price"] = price
    e["price_source"] = BLANK if price == BLANK else ("spot" if pm is not None and _pos(pm.spot_price) else "mark")
    if hm is None:
        warn.append("no_hedge_row")
    if pm is None and (price_symbol or cross):
        warn.append("no_price_row")
    if pm is not None and price == BLANK:
        warn.append("no_price")
    qty = _num(cells.qty) or 0.0
    if invalid:
        e["spot_value"] = INVALID_INPUT
    elif price == BLANK:
        e["spot_value"] = NOT_PRICED
    else:
        assert isinstance(price, float)
        e["spot_value"] = qty * price
    spot_value = e["spot_value"] if isinstance(e["spot_value"], float) else None
    beta = e["beta_used"] if isinstance(e["beta_used"], float) else None
    ratio = e["ratio"] if isinstance(e["ratio"], float) else None
    notional = None if spot_value is None or beta is None or ratio is None else spot_value * beta * ratio
    e["notional"] = BLANK if notional is None else notional
    perp: float | None = None
    if hm is not None:
        perp = next((p for p in (hm.mark_price, hm.index_price, hm.spot_price) if _pos(p)), None)
        no_data = hm.status.source == RECORDED_SOURCE and hm.status.reason == NO_DATA
        if no_data:  # one word for the row the offline build kept, not each missing figure
            warn.append("no_data")
        if perp is None and not no_data:
            warn.append("no_perp_price")
        if not _pos(hm.contract_size) and not no_data:
            warn.append("no_contract_size")
    e["perp_price"] = BLANK if perp is None else perp
    if _blank(cells.ratio_in) and e["ratio"] == 0.0:
        warn.append("no_ratio")
    band = _preset_band(cells.strategy)
    r_in = _num(cells.ratio_in)
    if ratio_ok and r_in is not None and band is not None and not band[0] <= r_in <= band[1]:
        warn.append("ratio_band")
    if cross and _blank(cells.beta):
        warn.append("no_beta")
    lev = e["lev"] if isinstance(e["lev"], float) else None
    if lev is not None and lev > s.max_advised_leverage:
        warn.append("leverage_advised")

    keys = ("exact", "contracts", "hedged", "margin", "hedge_qty", "liq_price", "liq_distance",
            "funding", "net", "net_held", "ratio_held", "fees", "rebalance", "tier", "mmr", "maint", "tier_max_lev")
    e.update({k: BLANK for k in keys})
    e.update({f"walk{i}": BLANK for i in range(1, TIER_WALK_STEPS + 1)})
    e["tier_count"] = len(ordered)
    e["tier_unit"] = ordered[0].notional_unit if ordered else BLANK
    if spot_value is not None and beta is not None:
        e["net"] = spot_value * beta
    if hm is not None and not ordered:
        e["mmr"] = hm.mmr if hm.mmr is not None else s.default_mmr
        e["maint"] = hm.maint_amount or 0.0
    e["pos_key"] = market_key(cells, s)
    e["pos_count"] = holdings_on_market

    def view(target: float) -> HeldView:
        step = float(hm.amount_step or 0.0) if hm is not None else 0.0
        return held_view(None if _blank(cells.held) else cells.held, "held_invalid" not in warn, exchange,
                         hedge_symbol, positions, holdings_on_market, target, step)

    synced = view(0.0)
    held = synced.used if isinstance(synced.used, float) else None
    if (spot_value is not None and beta is not None and held is not None and hm is not None
            and perp is not None and _pos(hm.contract_size)):
        size = float(hm.contract_size)  # type: ignore[arg-type]  # _pos checked it
        held_notional = held * size if hm.inverse else held * size * perp
        e["net_held"] = spot_value * beta - held_notional
        if spot_value * beta > 0:   # the hedge ratio the held short gives (beside Ratio used)
            e["ratio_held"] = held_notional / (spot_value * beta)
    if (notional is not None and perp is not None and hm is not None and _pos(hm.contract_size)
            and lev is not None):
        assert spot_value is not None and beta is not None and ratio is not None
        _size_row(e, warn, hm, perp, lev, qty, price, ratio, beta, spot_value, held, ordered, exchange, s)
    final = view(_num(e["contracts"]) or 0.0)
    e["pos_lines"], e["held_synced"], e["held_used"] = final.lines, final.synced, final.used
    e["held_from"], e["margin_held"] = final.label, final.margin
    interval: float | None = None
    if hm is not None:
        interval = hm.interval_hours if _pos(hm.interval_hours) else DEFAULT_INTERVAL_HOURS
    e["interval"] = BLANK if interval is None else interval
    rate = None if hm is None else hm.rate_per_interval
    e["rate"] = BLANK if rate is None else rate
    e["apr"] = BLANK if rate is None or interval is None else funding_apr(rate, interval)
    if rate is not None and interval is not None and isinstance(e["hedged"], float):
        e["funding"] = funding_pnl_short(e["hedged"], rate, s.horizon_days, interval)
    if isinstance(e["apr"], float) and -e["apr"] > s.funding_warn_apr:
        warn.append("funding_cost")
    e["basis"] = BLANK
    if hm is not None and _pos(hm.mark_price):
        ref = hm.spot_price if _pos(hm.spot_price) else (hm.index_price if _pos(hm.index_price) else None)
        if ref is not None:
            e["basis"] = basis_pct(float(hm.mark_price), ref) * 10_000  # type: ignore[arg-type]
    if e["rebalance"] not in (BLANK, 0.0):
        warn.append("rebalance")
    e["age"] = e["age_shown"] = BLANK
    if hm is not None and hm.status.as_of_ms:
        as_of = datetime(1970, 1, 1) + timedelta(milliseconds=hm.status.as_of_ms)
        age_h = (now - as_of).total_seconds() / 3600
        e["age"] = age_h
        e["age_shown"] = age_shown(age_h)
        if age_h > s.max_data_age_hours:
            warn.append("data_old")
    if hm is not None and hm.status.source != RECORDED_SOURCE:
        # Recorded snapshot rows say so once, in the Portfolio's banner, not on every row.
        if hm.status.stale:
            warn.append("stale")
        elif hm.status.reason:
            warn.append("partial")
    if hm is not None and not _pos(hm.interval_hours):
        warn.append("interval_assumed")
    codes = tuple(sorted(dict.fromkeys(warn), key=lambda c: -SEVERITY_RANK[WARNINGS[c].severity]))
    e["invalid"] = 1 if invalid else 0
    e["left_out"] = 0 if spot_value is not None else 1
    e["severity"] = max((SEVERITY_RANK[WARNINGS[c].severity] for c in codes), default=0)
    for flag, counted in FLAGS.items():
        e[flag] = 1 if any(c in counted for c in codes) else 0
    return RowResult(e, codes)


def _size_row(e: dict[str, object], warn: list[str], hm: MarketRow, perp: float, lev: float,
              qty: float, price: object, ratio: float, beta: float, spot_value: float, held: float | None,
              ordered: tuple[LeverageTier, ...], exchange: str, s: RowSettings) -> None:
    """Contracts, margin, the liquidation walk and rebalancing of a priced, valid row."""
    assert isinstance(price, float) and isinstance(e["notional"], float)
    notional = e["notional"]
    size, inv = float(hm.contract_size), bool(hm.inverse)  # type: ignore[arg-type]
    e["exact"] = notional / size if inv else notional / perp / size
    contracts = 0.0
    if notional == 0:
        e["contracts"] = 0.0  # nothing asked (ratio or quantity 0): no order, nothing below a minimum
    else:
        try:
            contracts = contracts_for_exposure(qty, price, ratio, perp, size, hm.amount_step or 0.0,
                                               hm.min_amount or 0.0, inv, hm.min_cost or 0.0, beta)
        except BelowMinimum as err:
            e["contracts"] = BELOW_MINIMUM
            warn.append("below_min_cost" if "min_cost" in str(err) else "below_min")
        else:
            e["contracts"] = contracts
            if contracts == 0:
                warn.append("rounds_to_zero")
    hedged = notional_for_contracts(contracts, perp, size, inv)
    e["hedged"] = hedged
    rule = rule_for(exchange, inv)
    fee = hm.taker_fee or 0.0
    e["margin"] = rule.required_margin(hedged, lev, fee)
    e["net"] = float(e["net"]) - hedged  # type: ignore[arg-type]
    e["fees"] = hedged * fee * 2
    if hedged > 0 and hm.taker_fee is None:
        warn.append("no_fee")
    if hedged > 0 and hm.rate_per_interval is None:
        warn.append("no_rate")
    if contracts > 0 and not ordered:
        warn.append("no_mmr" if hm.mmr is None else "no_tiers")
    if contracts > 0:
        _liquidation(e, warn, hm, perp, lev, contracts, size, inv, ordered, exchange, fee, s)
    if held is not None:
        exposure = spot_value * beta
        if exposure == 0:
            e["rebalance"] = -held  # nothing left to hedge: buy back whatever is held
        else:
            e["rebalance"] = rebalance_contracts(exposure / perp, perp, ratio, held, size,
                                                 s.rebalance_band, inv, hm.amount_step or 0.0)


def _liquidation(e: dict[str, object], warn: list[str], hm: MarketRow, perp: float, lev: float,
                 contracts: float, size: float, inv: bool, ordered: tuple[LeverageTier, ...],
                 exchange: str, fee: float, s: RowSettings) -> None:
    hq = qty_for_contracts(contracts, perp, size, inv)
    e["hedge_qty"] = hq
    hedged = float(e["hedged"])  # type: ignore[arg-type]
    position_margin = hedged / lev  # what the condition holds (core.margin_rules)
    margin_settle = position_margin / perp if inv else position_margin
    rule = rule_for(exchange, inv)
    if rule.default:
        warn.append("default_rule")
    mmr = hm.mmr if hm.mmr is not None else s.default_mmr
    if ordered:
        walk = walk_positions(ordered, perp, hq, margin_settle, inv, size, exchange, fee)
        e.update({f"walk{i + 1}": w for i, w in enumerate(walk)})
        if walk[0] <= len(ordered):
            first = ordered[walk[0] - 1]
            if first.max_leverage is not None and first.max_leverage > 0:
                e["tier_max_lev"] = first.max_leverage
                if lev > first.max_leverage:
                    warn.append("tier_leverage")
        used: LeverageTier | None
        try:
            result = liquidation_short_tiered(perp, hq, margin_settle, ordered, inv, size,
                                              rule=rule, fee_rate=fee)
        except InvalidInput as err:
            text = str(err)
            if "maintenance margin at the entry" in text:
                e["liq_price"] = "at entry"
                warn.append("liq_at_entry")
            elif "largest tier's cap" in text:
                e["liq_price"] = "above tiers"
                warn.append("above_tiers")
            else:
                raise
            used = ordered[walk[-1] - 1] if walk[-1] <= len(ordered) else None
        else:
            used = result.tier
            if result.never:
                e["liq_price"] = "none"
            else:
                _liq_at(e, warn, perp, float(result.price), s)  # type: ignore[arg-type]
            if used is None or ordered.index(used) + 1 != walk[-1]:
                warn.append("walk_unsettled")
        e["mmr"] = BLANK if used is None else used.mmr
        e["maint"] = BLANK if used is None else used.maint_amount
        if isinstance(e["liq_price"], float) and used is not None:
            e["tier"] = ordered.index(used) + 1
        return
    cum = hm.maint_amount or 0.0
    if inv and margin_settle + cum >= hq:
        e["liq_price"] = "none"
        return
    try:
        lp = liquidation_price_short(perp, hq, margin_settle, mmr, cum, inv, rule=rule, fee_rate=fee)
    except InvalidInput:
        e["liq_price"] = "at entry"
        warn.append("liq_at_entry")
    else:
        _liq_at(e, warn, perp, lp, s)


def _liq_at(e: dict[str, object], warn: list[str], perp: float, lp: float, s: RowSettings) -> None:
    e["liq_price"] = lp
    e["liq_distance"] = liquidation_distance(perp, lp)
    if e["liq_distance"] < s.liq_warn_distance:  # type: ignore[operator]
        warn.append("liq_near")


@dataclass(frozen=True)
class PortfolioSummary:
    """The Portfolio's one-screen picture (its summary band): the totals of the rows'
    numbers (a row that is not priced or sizes nothing adds nothing), the portfolio hedge
    ratio (hedged notional / spot value; None with no spot value), the shortest distance to
    liquidation and the holding it belongs to (the first such row), and the oldest As of
    of the Market table (None when no row has one)."""

    spot_value: float
    hedged: float
    hedge_ratio: float | None
    margin: float
    worst_distance: float | None
    worst_asset: str
    funding: float
    as_of_ms: int | None


def portfolio_summary(rows: Sequence[tuple[str, Mapping[str, object]]],
                      market_rows: Sequence[MarketRow]) -> PortfolioSummary:
    """``rows``: each holding row's asset and computed values (``RowResult.values``)."""
    def total(key: str) -> float:
        return sum(x for _, v in rows if (x := _num(v.get(key))) is not None)

    spot, hedged = total("spot_value"), total("hedged")
    distances = [(d, a) for a, v in rows if (d := _num(v.get("liq_distance"))) is not None]
    worst = min(distances, key=lambda t: t[0]) if distances else None
    stamps = [m.status.as_of_ms for m in market_rows if m.status.as_of_ms]
    return PortfolioSummary(spot, hedged, hedged / spot if spot > 0 else None, total("margin"),
                            None if worst is None else worst[0], "" if worst is None else worst[1],
                            total("funding"), min(stamps) if stamps else None)
