"""Build the hedge workbook: Portfolio, Market, Tiers, Scenarios, Funding, Beta and Guide.

``build_workbook`` is deterministic: the same inputs give the same bytes (fixed document
properties and zip time stamps, stable ordering), so the committed template can be
compared with a fresh build. The file is written to a temporary name beside the target
and moved into place, so a failure never leaves a half-written workbook.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName

from perphedge.atomicfile import write_bytes_atomic
from perphedge.core.errors import InvalidInput
from perphedge.core.holdings import HoldingInput
from perphedge.core.marketdata import FundingPoint, MarketRow
from perphedge.core.positions import STATUS_NAME as POSITIONS_STATUS
from perphedge.ooxml.cachedvalues import apply_cached_values
from perphedge.template import layout as L
from perphedge.template.beta_sheet import RESULT_ROWS, BetaSeries, beta_cell, write_beta
from perphedge.template.cached import BookInputs, workbook_values
from perphedge.template.funding_sheet import write_funding
from perphedge.template.guide_sheet import write_guide
from perphedge.template.history_sheet import HISTORY_SHEET, blocks_for, write_history
from perphedge.template.market_sheet import write_market
from perphedge.template.portfolio import write_portfolio
from perphedge.template.positions_sheet import SHEET as POSITIONS_SHEET
from perphedge.template.positions_sheet import lookup_ranges as position_lookups
from perphedge.template.positions_sheet import write_positions_sheet
from perphedge.template.scenarios_sheet import write_scenarios
from perphedge.template.tiers_sheet import TierTable, write_tiers

#: Every built workbook carries these, whatever the day: a rebuild equals the commit.
FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class BuildResult:
    path: Path
    holdings: int
    market_rows: int
    funding_symbols: int


def defined_names(n_holdings: int, n_tier_rows: int = 0) -> dict[str, str]:
    """Every workbook-level name and what it refers to."""
    names: dict[str, str] = {}
    for s in L.SETTINGS:
        col, row = s.cell[0], s.cell[1:]
        names[s.name] = f"{L.PORTFOLIO}!${col}${row}"
    r0, r1 = L.PRESET_HEADER_ROW + 1, L.PRESET_HEADER_ROW + len(L.PRESET_NAMES)
    for name, col in zip(L.PRESET_RANGE_NAMES, L.PRESET_COLS):
        names[name] = f"{L.PORTFOLIO}!${col}${r0}:${col}${r1}"
    for name, header in L.MARKET_NAMES.items():
        names[name] = L.market_range(header)
    for name, header in L.TIER_NAMES.items():
        names[name] = L.tier_range(header, n_tier_rows)
    for name, row in RESULT_ROWS.items():
        names[name] = f"{L.BETA}!$B${row}"
    # the Portfolio columns the Positions sheet's lines read (refresh.positions.line_status_formula)
    for name, key in (("HoldingKeys", "pos_key"), ("HoldingFrom", "held_from")):
        k = L.pcol(key)
        names[name] = (f"{L.PORTFOLIO}!${k}${L.PORTFOLIO_FIRST_ROW}:"
                       f"${k}${L.PORTFOLIO_HEADER_ROW + L.PORTFOLIO_LOOKUP_ROWS}")
    names.update(position_lookups())
    return names


def _check_inputs(holdings: Sequence[HoldingInput], market_rows: Sequence[MarketRow],
                  tier_tables: Sequence[TierTable] = ()) -> None:
    for i, h in enumerate(holdings):
        if not isinstance(h, HoldingInput):
            raise InvalidInput(f"holdings[{i}]", h, "must be a HoldingInput")
    _once_per_market(market_rows, MarketRow, "market_rows", "Market")
    _once_per_market(tier_tables, TierTable, "tier_tables", "Tiers")


def _once_per_market(items, kind: type, argument: str, table: str) -> None:
    """Each item is a ``kind`` and names a (symbol, exchange) no other item names."""
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(items):
        if not isinstance(item, kind):
            raise InvalidInput(f"{argument}[{i}]", item, f"must be a {kind.__name__}")
        key = (item.symbol.casefold(), item.exchange.casefold())
        if key in seen:
            raise InvalidInput(f"{argument}[{i}]", f"{item.symbol} on {item.exchange}",
                               f"must appear once in the {table} table")
        seen.add(key)


def make_workbook(holdings: Sequence[HoldingInput], market_rows: Sequence[MarketRow],
                  funding_history: Mapping[tuple[str, str], Sequence[FundingPoint]],
                  *, beta_series: Sequence[BetaSeries] = (), data_note: str = "",
                  now_ms: int | None = None,
                  tier_tables: Sequence[TierTable] = ()) -> Workbook:
    """The workbook in memory (``build_workbook`` saves it)."""
    _check_inputs(holdings, market_rows, tier_tables)
    now = int(time.time() * 1000) if now_ms is None else now_ms
    wb = Workbook()
    ws = wb.active
    ws.title = L.PORTFOLIO
    sheets = {L.PORTFOLIO: ws}
    for name in L.SHEETS[1:]:
        sheets[name] = wb.create_sheet(name)
    note = data_note or "Market values: none yet — refresh the Market table."
    # each cross-hedged pair's β cell on the Beta sheet, for the Portfolio rows that use it
    beta_cells = {(b.asset.casefold(), b.hedge.casefold()): "=" + beta_cell(k)
                  for k, b in reversed(list(enumerate(beta_series)))}
    write_portfolio(sheets[L.PORTFOLIO], holdings, beta_cells,
                    f"{note}  Yellow cells are inputs; every other figure is a formula.",
                    L.portfolio_rows(len(holdings)))
    write_market(sheets[L.MARKET], market_rows, note, now)
    n_tier_rows = write_tiers(sheets[L.TIERS], tier_tables)
    write_scenarios(sheets[L.SCENARIOS], L.portfolio_rows(len(holdings)),
                    "The shock moves each hedge's price, a holding β × the shock; a short the shock "
                    "liquidates loses its margin and leaves the holding unhedged (Liquidated); "
                    "hedges as sized on Portfolio; funding and fees over the horizon. " + note)
    write_funding(sheets[L.FUNDING], funding_history, note)
    write_beta(sheets[L.BETA], beta_series)
    write_guide(sheets[L.GUIDE])
    history_blocks = blocks_for(holdings, market_rows, funding_history)
    if history_blocks:  # only where the settlements carry their marks (a book without: no sheet)
        write_history(wb.create_sheet(HISTORY_SHEET), history_blocks,
                      "Inputs start as the Portfolio holding's; settlements as on the Funding sheet. " + note)
    status_ref = write_positions_sheet(wb.create_sheet(POSITIONS_SHEET))
    wb.defined_names[POSITIONS_STATUS] = DefinedName(POSITIONS_STATUS, attr_text=status_ref)
    for name, ref in defined_names(len(holdings), n_tier_rows).items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    wb.calculation.fullCalcOnLoad = True
    props = wb.properties
    props.creator = "perphedge"
    props.lastModifiedBy = "perphedge"
    props.title = "Perpetual hedge workbook"
    props.subject = "Short perpetual futures hedging spot crypto"
    props.description = (f"Built by perphedge {version('perphedge')}. "
                         "Market values as stated in the Market sheet's Status column.")
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    wb.active = 0
    return wb


def deterministic_bytes(wb: Workbook) -> bytes:
    """The .xlsx bytes with fixed time stamps (openpyxl stamps the save time)."""
    raw = io.BytesIO()
    wb.save(raw)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, data)
    return out.getvalue()


def write_atomically(path: str | Path, data: bytes) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_bytes_atomic(target, data)


def build_workbook(holdings: Sequence[HoldingInput], market_rows: Sequence[MarketRow],
                   funding_history: Mapping[tuple[str, str], Sequence[FundingPoint]],
                   path: str | Path, *, beta_series: Sequence[BetaSeries] = (),
                   data_note: str = "", now_ms: int | None = None,
                   tier_tables: Sequence[TierTable] = ()) -> BuildResult:
    """Build the workbook at ``path`` (written atomically)."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    wb = make_workbook(holdings, market_rows, funding_history, beta_series=beta_series,
                       data_note=data_note, now_ms=now, tier_tables=tier_tables)
    values = workbook_values(BookInputs(holdings, market_rows, {(t.symbol, t.exchange): t.tiers for t in tier_tables},
                                        beta_series, now, funding_history))
    for sheet in wb.sheetnames:  # every other sheet: its formulas without a value say so by having none
        values.setdefault(sheet, {})
    data, _ = apply_cached_values(deterministic_bytes(wb), values, Path(path).name)
    target = write_atomically(path, data)
    return BuildResult(target, len(holdings), len(market_rows), len(funding_history))
