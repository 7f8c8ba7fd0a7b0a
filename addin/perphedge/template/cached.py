"""The value of every formula cell the builder writes, computed by ``perphedge.core`` on
the inputs the workbook is built from: written beside each formula as its cached value
(``ooxml.cachedvalues``), so a viewer that does not recalculate — an attachment preview, a
phone — shows the numbers Excel will show.

Where the values come from: each Portfolio row from the row policy
(``core.position.portfolio_row``), its Scenarios helper columns from
``template.scenario_columns.scenario_values``, the totals, the risk summary and the summary
band from those rows; the Scenarios sheet from ``core.scenarios.portfolio_scenarios``; the
Beta sheet's regression from ``core.beta``. A cell whose value is not computed here gets
no cached value (``None``): Excel computes it on opening (the workbook asks for a full
calculation on load), and a viewer shows it blank rather than a wrong figure. Those are
the Warnings texts of a row that has warnings (their numbers are formatted by Excel's TEXT),
the NowUTC setting (NOW(): a preview is not now; data ages are cached as of the build), the
History sheet's trade flags, entries, margins, P&L since opening and target count (the walk
of ``core.backtest`` does not report them per settlement; its other columns and the yearly
table are cached), and a row whose tiers core refuses as inconsistent (its cells and every sum
over the rows; the row's formulas flag the walk); the tests list them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from perphedge.core.backtest import backtest
from perphedge.core.beta import min_variance_hedge
from perphedge.core.conventions import DEFAULT_INTERVAL_HOURS, MS_PER_DAY, MS_PER_HOUR, utc_datetime
from perphedge.core.errors import PerphedgeError
from perphedge.core.funding import funding_apr, infer_interval_hours, settlement_intervals, summarize_funding
from perphedge.core.holdings import HoldingInput
from perphedge.core.marketdata import FundingPoint, LeverageTier, MarketRow, status_text
from perphedge.core.position import (
    BLANK,
    SEVERITY_RANK,
    WARNINGS,
    RowCells,
    RowSettings,
    market_key,
    portfolio_row,
    portfolio_summary,
    row_given,
)
from perphedge.core.positions import NOTHING_READ, PositionsRead
from perphedge.core.scenarios import HoldingFigures, portfolio_scenarios
from perphedge.ooxml.sheetxml import excel_serial
from perphedge.template import layout as L
from perphedge.template.beta_sheet import RESULT_ROWS, BetaSeries, block_col
from perphedge.template.funding_sheet import blocks as funding_blocks
from perphedge.template.history_sheet import HISTORY_SHEET
from perphedge.template.history_sheet import MAX_YEARS as HISTORY_MAX_YEARS
from perphedge.template.history_sheet import YEARS_COL as HISTORY_YEARS_COL
from perphedge.template.history_sheet import BlockCells as HistoryCells
from perphedge.template.history_sheet import block_tops as history_block_tops
from perphedge.template.history_sheet import blocks_for as history_blocks_for
from perphedge.template.portfolio import (
    BANNERS,
    FUNDING_LABEL,
    RISK_LINES,
    RISK_TEXT_COL,
    band_cells,
    line_text,
    risk_summary_cells,
    risk_text_cell,
)
from perphedge.template.scenario_columns import NEVER, scenario_values
from perphedge.template.scenarios_sheet import left_out_cell, summary_cells

Values = dict[str, object]
#: Marks a row the row policy refuses (no cached values in it, nor in the sums over it).
UNKNOWN = "_unknown"
_TEXT_COLUMNS = ("warnings", "w_errors", "w_risks", "w_notes")


@dataclass(frozen=True)
class BookInputs:
    """What a workbook is built from, as the builder has it."""

    holdings: Sequence[HoldingInput]
    market_rows: Sequence[MarketRow]
    tiers: Mapping[tuple[str, str], Sequence[LeverageTier]]
    beta_series: Sequence[BetaSeries]
    now_ms: int
    funding_history: Mapping[tuple[str, str], Sequence[FundingPoint]]
    #: What the Positions sheet holds (a built workbook's: nothing read yet).
    positions: PositionsRead = NOTHING_READ


def _settings_values(s: RowSettings) -> dict[str, float]:
    return {"LiqWarnDistance": s.liq_warn_distance, "FundingWarnAPR": s.funding_warn_apr,
            "MaxDataAgeHours": s.max_data_age_hours, "HorizonDays": s.horizon_days}


def beta_results(series: Sequence[BetaSeries]) -> list[dict[str, object]]:
    """Each Beta block's β, correlation, R² and count of returns (core.beta), '' where the
    block has fewer than two returns (as the sheet's formulas say)."""
    out: list[dict[str, object]] = []
    for s in series:
        try:
            r = min_variance_hedge(s.asset_prices, s.hedge_prices)
        except PerphedgeError:
            n = len(_returns(s.asset_prices, s.hedge_prices))
            out.append({"BetaHedgeRatio": BLANK, "BetaCorrelation": BLANK, "BetaRSquared": BLANK,
                        "BetaReturns": n})
        else:
            out.append({"BetaHedgeRatio": r.hedge_ratio, "BetaCorrelation": r.correlation,
                        "BetaRSquared": r.r_squared, "BetaReturns": r.n_returns})
    return out


def _returns(a: Sequence[float], h: Sequence[float]) -> list[int]:
    return [i for i in range(1, len(a)) if min(a[i], a[i - 1], h[i], h[i - 1]) > 0]


def beta_values(series: Sequence[BetaSeries]) -> Values:
    out: Values = {}
    blocks = list(series)
    for k, (s, res) in enumerate(zip(blocks, beta_results(blocks))):
        for name, row in RESULT_ROWS.items():
            out[f"{block_col(k, 1)}{row}"] = res[name]
        n = max(len(s.times_ms), L.BETA_MIN_ROWS)
        for i in range(1, n):
            r = L.BETA_HEADER_ROW + 1 + i
            for off, prices in ((3, s.asset_prices), (4, s.hedge_prices)):
                ok = i < len(s.times_ms) and min(s.asset_prices[i], s.asset_prices[i - 1],
                                                 s.hedge_prices[i], s.hedge_prices[i - 1]) > 0
                out[f"{block_col(k, off)}{r}"] = math.log(prices[i] / prices[i - 1]) if ok else BLANK
    if not blocks:  # the empty block the sheet shows for pasting
        for name, row in RESULT_ROWS.items():
            out[f"{block_col(0, 1)}{row}"] = 0 if name == "BetaReturns" else BLANK
        for i in range(1, L.BETA_MIN_ROWS):
            for off in (3, 4):
                out[f"{block_col(0, off)}{L.BETA_HEADER_ROW + 1 + i}"] = BLANK
    return out


@dataclass(frozen=True)
class PortfolioInputs:
    """What the Portfolio's and Scenarios' formulas read: every holding row's input cells as
    typed (blank rows included; a Beta cell that is a formula holds its value), the Market,
    Tiers and Positions sheets, the settings block and the time data ages are measured at."""

    cells: Sequence[RowCells]
    #: Rows (0-based) whose Beta cell is a formula (the Beta sheet's β): cached with the rest.
    beta_formulas: frozenset[int]
    market_rows: Sequence[MarketRow]
    tiers: Mapping[tuple[str, str], Sequence[LeverageTier]]
    now_ms: int
    positions: PositionsRead = NOTHING_READ
    settings: RowSettings = RowSettings()


def _row_cells(h: HoldingInput, beta: object) -> RowCells:
    return RowCells(h.asset, h.qty, h.hedge_symbol, h.exchange, h.strategy, h.hedge_ratio, h.leverage,
                    beta if h.beta_from_sheet else h.beta, h.held_contracts, h.price_symbol)


def portfolio_inputs(b: BookInputs) -> PortfolioInputs:
    """The builder's holdings as the cells it writes them into (the Beta sheet's β where a
    holding takes it from there), padded with the blank rows the table has."""
    results = beta_results(b.beta_series)
    first_block: dict[tuple[str, str], int] = {}
    for k, s in enumerate(b.beta_series):
        first_block.setdefault((s.asset.casefold(), s.hedge.casefold()), k)
    cells = []
    for h in b.holdings:
        beta: object = None
        if h.beta_from_sheet:
            k = first_block.get((h.asset.casefold(), h.hedge_symbol.casefold()),
                                0 if b.beta_series else None)
            beta = results[k]["BetaHedgeRatio"] if k is not None else BLANK
        cells.append(_row_cells(h, beta))
    cells += [RowCells()] * (L.portfolio_rows(len(b.holdings)) - len(b.holdings))
    sheet = frozenset(i for i, h in enumerate(b.holdings) if h.beta_from_sheet)
    return PortfolioInputs(cells, sheet, b.market_rows, b.tiers, b.now_ms, b.positions)


def portfolio_rows(p: PortfolioInputs) -> list[dict[str, object]]:
    """Every computed column's value on each holding row (blank rows included), and the
    value of the Beta input cell of a row whose beta is the Beta sheet's."""
    now = utc_datetime(p.now_ms)
    settings = p.settings
    keys = [market_key(c, settings).casefold() for c in p.cells if row_given(c)]
    out = []
    for i, cells in enumerate(p.cells):
        if not row_given(cells):
            blank: dict[str, object] = {c.key: BLANK for c in L.PORTFOLIO_COLUMNS if c.kind != "input"}
            blank.update(scenario_values(blank, None, False))   # what sc_* say with no short
            out.append(blank)
            continue
        key = market_key(cells, settings).casefold()
        try:
            res = portfolio_row(cells, p.market_rows, now, settings, p.tiers, p.positions, keys.count(key))
        except PerphedgeError:  # tiers core refuses: the row's formulas say so, Excel computes them
            out.append({**{c.key: None for c in L.PORTFOLIO_COLUMNS if c.kind != "input"}, UNKNOWN: True})
            continue
        v: dict[str, object] = {k: x for k, x in res.values.items() if k != "asset_given"}
        hr = v.get("hedge_row")
        hm = p.market_rows[hr - 1] if isinstance(hr, int) and hr > 0 else None
        v.update(scenario_values(v, hm.taker_fee if hm else None, bool(hm.inverse) if hm else False))
        for k in _TEXT_COLUMNS:  # a row's warning texts are Excel's to write (see the docstring)
            v[k] = BLANK if not res.warnings else None
        if res.warnings:
            for k, sev in (("w_errors", 2), ("w_risks", 1), ("w_notes", 0)):
                if not any(SEVERITY_RANK[WARNINGS[c].severity] == sev for c in res.warnings):
                    v[k] = BLANK
        if i in p.beta_formulas:
            v["beta"] = cells.beta
        out.append(v)
    return out


def _num(x: object) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def portfolio_values(p: PortfolioInputs, rows: list[dict[str, object]]) -> Values:
    out: Values = {}
    first = L.PORTFOLIO_FIRST_ROW
    total_row = first + len(rows)
    for i, v in enumerate(rows):
        r = first + i
        for c in L.PORTFOLIO_COLUMNS:
            if c.kind != "input" or (c.key == "beta" and "beta" in v):
                out[f"{L.pcol(c.key)}{r}"] = v[c.key]
    for c in L.PORTFOLIO_COLUMNS:
        if c.total:
            out[f"{L.pcol(c.key)}{total_row}"] = sum(x for v in rows if (x := _num(v[c.key])) is not None)
    left = sum(int(x) for v in rows if (x := _num(v["left_out"])) is not None)
    out[f"{L.pcol('warnings')}{total_row}"] = (
        f"Totals leave out {left} holding(s) with no price or an invalid input" if left else BLANK)
    # the risk summary
    cells = risk_summary_cells()
    r0 = L.RISK_SUMMARY_ROW
    flagged = sum(1 for v in rows if (_num(v["severity"]) or 0) >= 1)
    out[cells["headline"]] = flagged
    out[risk_text_cell(cells["headline"])] = (
        f"Risk summary: {flagged} holding(s) need attention (red in their Warnings)"
        if flagged else "Risk summary: nothing needs attention")
    settings = _settings_values(p.settings)
    for key, some, none in RISK_LINES:
        n = sum(int(x) for v in rows if (x := _num(v[key])) is not None)
        ref = cells[key]
        out[ref] = n
        out[risk_text_cell(ref)] = line_text(some if n > 0 else none, n, settings)
    banner = r0 + 1 + len(RISK_LINES)
    counts = {"recorded": sum(1 for m in p.market_rows if status_text(m, p.now_ms).startswith("recorded")),
              "mark": sum(1 for v in rows if v["price_source"] == "mark")}
    for i, (key, pieces) in enumerate(BANNERS):
        out[f"{RISK_TEXT_COL}{banner + i}"] = line_text(pieces, counts[key], settings) if counts[key] else BLANK
    out.update(band_values(p, rows))
    return out


def band_values(p: PortfolioInputs, rows: list[dict[str, object]]) -> Values:
    """The summary band (core.position.portfolio_summary over the holding rows)."""
    s = portfolio_summary([(str(c.asset), v) for c, v in zip(p.cells, rows) if row_given(c)], p.market_rows)
    cells = band_cells()
    return {
        cells["spot_value"]: s.spot_value, cells["hedged"]: s.hedged,
        cells["hedge_ratio"]: BLANK if s.hedge_ratio is None else s.hedge_ratio,
        cells["margin"]: s.margin,
        cells["worst_distance"]: BLANK if s.worst_distance is None else s.worst_distance,
        cells["worst_asset"]: s.worst_asset,
        cells["funding"]: s.funding,
        cells["funding_label"]: line_text(FUNDING_LABEL, 0, _settings_values(p.settings)),
        cells["as_of"]: BLANK if s.as_of_ms is None else excel_serial(utc_datetime(s.as_of_ms)),
    }


def scenario_values_of(rows: list[dict[str, object]], settings: RowSettings) -> Values:
    """The Scenarios sheet: the summary and each shock's sums (core.scenarios)."""
    out: Values = {}
    totals = {key: sum(x for v in rows if (x := _num(v[key])) is not None)
              for key, _ in (("spot_value", 0), ("hedged", 0), ("funding", 0), ("fees", 0))}
    for key, ref in summary_cells().items():
        out[ref] = totals[key]
    out["B" + str(int(left_out_cell()[1:]) - 1)] = float(settings.horizon_days)
    out[left_out_cell()] = sum(1 for v in rows if v["spot_value"] not in (BLANK,) and _num(v["spot_value"]) is None)
    figures = [HoldingFigures(spot_value=float(v["sc_spot"]), beta=float(v["sc_beta"]),  # type: ignore[arg-type]
                              hedged_notional=float(v["sc_hedged"]), margin=float(v["sc_margin"]),  # type: ignore[arg-type]
                              liq_shock=None if v["sc_liq_shock"] == NEVER else float(v["sc_liq_shock"]),  # type: ignore[arg-type]
                              funding=float(v["sc_funding"]), fee_rate=float(v["sc_fee_rate"]),  # type: ignore[arg-type]
                              inverse=bool(v["sc_inverse"]))
               for v in rows]
    letters = {h: chr(ord("A") + i) for i, h in enumerate(L.SCENARIO_HEADERS)}
    for i, s in enumerate(portfolio_scenarios(figures)):
        r = L.SCENARIO_HEADER_ROW + 1 + i
        for header, value in (("Spot P&L", s.spot_pnl), ("Hedge P&L", s.hedge_pnl), ("Funding", s.funding),
                              ("Fees", s.fees), ("Net P&L", s.net), ("Unhedged value", s.unhedged_value),
                              ("Hedged value", s.hedged_value), ("Hedge protects", s.protects),
                              ("Liquidated", s.liquidated)):
            out[f"{letters[header]}{r}"] = value
    return out


def funding_values(history: Mapping[tuple[str, str], Sequence[FundingPoint]]) -> Values:
    """The Funding sheet: each settlement's APR, gap and own interval, each market's
    summary and window averages (core.funding), as the sheet's formulas compute them."""
    out: Values = {}
    sh = L.FUNDING_SUMMARY_HEADER_ROW
    for i, (_, pts, fb, lb) in enumerate(funding_blocks(history)):
        s = sh + 1 + i
        times = [int(p.time_ms) for p in pts]
        interval = infer_interval_hours(times) or DEFAULT_INTERVAL_HOURS
        own = settlement_intervals(times, interval)
        for k, (r, p) in enumerate(zip(range(fb, lb + 1), pts)):
            out[f"E{r}"] = funding_apr(p.rate_per_interval, own[k])
            if r > fb:
                out[f"F{r}"] = (times[k] - times[k - 1]) / MS_PER_HOUR
            out[f"G{r}"] = own[k]
        out[f"C{s}"] = interval
        out[f"D{s}"] = excel_serial(utc_datetime(min(times)))
        out[f"E{s}"] = excel_serial(utc_datetime(max(times)))
        out[f"F{s}"] = len(pts)
        for j, days in enumerate(L.FUNDING_WINDOWS_DAYS):
            since = max(times) - days * MS_PER_DAY + 60_000  # the sheet's window (funding_sheet)
            avg, apr = "GIK"[j] + str(s), "HJL"[j] + str(s)
            if min(times) > since + own[0] * MS_PER_HOUR:
                out[avg] = out[apr] = BLANK
            else:
                w = summarize_funding(list(pts), since_ms=since)
                out[avg], out[apr] = w.mean_rate_per_interval, w.apr
        lo, hi = min(own), max(own)
        out[f"M{s}"] = (f"Interval changed within the history ({lo:g}–{hi:g} h): each settlement counts "
                        "over its own interval" if hi > lo else BLANK)
    return out


def _unknown_sums(values: Values, rows: list[dict[str, object]]) -> Values:
    """Where a row is refused by the row policy, only that row's own cells are known to be
    without a value; every sum over the rows is left without one too."""
    if not any(v.get(UNKNOWN) for v in rows):
        return values
    first, last = L.PORTFOLIO_FIRST_ROW, L.PORTFOLIO_FIRST_ROW + len(rows) - 1
    return {ref: (x if first <= int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) <= last else None)
            for ref, x in values.items()}


def sheet_values(p: PortfolioInputs) -> dict[str, Values]:
    """{sheet: {cell: cached value}} of the Portfolio and Scenarios sheets: the sheets whose
    formulas read the Market, Tiers and Positions sheets (what a refresh changes)."""
    rows = portfolio_rows(p)
    if any(v.get(UNKNOWN) for v in rows):
        return {L.PORTFOLIO: _unknown_sums(portfolio_values(p, rows), rows)}
    return {L.PORTFOLIO: portfolio_values(p, rows), L.SCENARIOS: scenario_values_of(rows, p.settings)}


def workbook_values(b: BookInputs) -> dict[str, Values]:
    """{sheet: {cell: cached value}} for the sheets this module computes."""
    out: dict[str, Values] = {L.BETA: beta_values(b.beta_series), L.FUNDING: funding_values(b.funding_history)}
    history = history_values(b.holdings, b.market_rows, b.funding_history)
    if history:  # the sheet exists only where a block has marks (template.build)
        out[HISTORY_SHEET] = history
    out.update(sheet_values(portfolio_inputs(b)))
    return out


def history_values(holdings: Sequence[HoldingInput], market_rows: Sequence[MarketRow],
                   history: Mapping[tuple[str, str], Sequence[FundingPoint]]) -> Values:
    """The History sheet: each block's settlement path as ``core.backtest`` walks it (its
    funding, fees, hedge P&L, short, liquidation price, equities), the running sums the sheet
    keeps in the same order, the liquidations and their losses, and the yearly table. Left
    without a value: the trade flags, entries, margins and P&L since opening, which the walk
    does not report per settlement, and the target count."""
    blocks = history_blocks_for(holdings, market_rows, history)
    out: Values = {}
    for block, top in zip(blocks, history_block_tops(blocks)):
        b = HistoryCells(top, len(block.settlements))
        result = backtest(block.policy, block.qty, block.settlements)
        path = result.path
        if path is None:
            continue
        liquidated = {x.time_ms: x.loss for x in result.liquidations}
        cs = block.policy.contract_size
        net = to_date = 0.0
        for i in range(len(block.settlements)):
            r = b.first_row + i
            t = path.time_ms[i]
            net = net + path.hedge_pnl[i] + path.funding[i] - path.fees[i]
            to_date = to_date + path.funding[i]
            contracts = -path.short_qty[i] / cs + 0.0
            liq = path.liq_price[i]
            cells = {"Liquidated": t in liquidated, "Loss": liquidated.get(t, 0.0),
                     "Hedge P&L": path.hedge_pnl[i], "Funding": path.funding[i], "Fee": path.fees[i],
                     "Contracts": contracts, "Hedge net": net, "Hedged equity": path.hedged_equity[i],
                     "Unhedged equity": path.unhedged_equity[i], "Funding to date": to_date,
                     "Short (base)": path.short_qty[i] + 0.0,
                     "Liq. price": (BLANK if contracts <= 0 else liq)}
            for name, value in cells.items():
                out[b.at(name, r)] = value
        by_year: dict[int, tuple[float, float]] = {}
        for t, f, rate in zip(path.time_ms, path.funding, path.rate):
            y = time.gmtime(t // 1000).tm_year
            fs, rs = by_year.get(y, (0.0, 0.0))
            by_year[y] = (fs + f, rs + rate)
        shown = sorted(by_year)[-HISTORY_MAX_YEARS:]
        for i, year in enumerate(shown):
            row = top + 2 + i
            out[f"{get_column_letter(HISTORY_YEARS_COL + 1)}{row}"] = by_year[year][0]
            out[f"{get_column_letter(HISTORY_YEARS_COL + 2)}{row}"] = by_year[year][1]
    return out
