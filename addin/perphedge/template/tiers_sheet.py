"""The Tiers sheet: each hedge market's leverage (maintenance) tiers, as the builder
fetched them, for the Portfolio's liquidation prices.

A refresh does not touch this table (it writes the Market table only): tiers change
rarely, and ``perphedge new`` rebuilds them. Rows of one market are written smallest tier
first and numbered 1..n in that order, which is what the Portfolio's tier walk looks up.
An unbounded last tier has an empty Max notional.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from perphedge.core.conventions import cell_datetime
from perphedge.core.errors import InvalidInput
from perphedge.core.marketdata import LeverageTier
from perphedge.template import layout as L
from perphedge.template import styles as S

_FORMATS = {"Min notional": "#,##0.########", "Max notional": "#,##0.########",
            "MMR": "0.00%", "Maint. amount": "#,##0.########", "Max leverage": "0.##",
            "As of (UTC)": L.DATETIME}
_WIDTHS = {"Symbol": 16, "Exchange": 13, "Tier": 6, "Min notional": 14, "Max notional": 14,
           "Unit": 10, "MMR": 8, "Maint. amount": 12, "Max leverage": 9, "As of (UTC)": 16}
MIN_ROWS = 2
NOTE = ("Leverage tiers of each hedge market, written when the workbook was built. Refresh "
        "prices does not rewrite them (tiers change rarely): `perphedge new` rebuilds them. "
        "Min/Max notional are in the Unit the exchange brackets by: quote (USD value), "
        "contracts, or base (the coin).")


@dataclass(frozen=True)
class TierTable:
    """One market's tiers and when they were fetched (epoch ms, None: unknown)."""

    symbol: str
    exchange: str
    tiers: tuple[LeverageTier, ...]
    as_of_ms: int | None = None

    def __post_init__(self) -> None:
        if not self.tiers or not all(isinstance(t, LeverageTier) for t in self.tiers):
            raise InvalidInput("tiers", self.tiers, "must be a non-empty tuple of LeverageTier")
        units = {t.notional_unit for t in self.tiers}
        if len(units) != 1:
            raise InvalidInput("tiers", f"{self.symbol} on {self.exchange}",
                               f"must share one notional unit, got {sorted(units)}")
        ordered = sorted(self.tiers, key=lambda t: t.min_notional)
        caps = [t.max_notional for t in ordered]
        if any(b <= a for a, b in zip(caps, caps[1:])):
            raise InvalidInput("tiers", f"{self.symbol} on {self.exchange}",
                               "must have caps rising with the floors")


def tier_rows(tables: Sequence[TierTable]) -> list[list[object]]:
    """The table's data rows: smallest tier first, numbered 1..n per market."""
    out: list[list[object]] = []
    for t in tables:
        when = cell_datetime(t.as_of_ms) if t.as_of_ms else None  # 0: undated, as on Market
        for i, tier in enumerate(sorted(t.tiers, key=lambda x: x.min_notional), start=1):
            cap = None if tier.max_notional == float("inf") else tier.max_notional
            out.append([t.symbol, t.exchange, i, tier.min_notional, cap, tier.notional_unit,
                        tier.mmr, tier.maint_amount, tier.max_leverage, when])
    return out


def write_tiers(ws: Worksheet, tables: Sequence[TierTable]) -> int:
    """Write the Tiers table; returns its number of data rows."""
    S.title(ws, "Leverage tiers", NOTE)
    hr = L.TIER_HEADER_ROW
    S.header_row(ws, hr, 1, L.TIER_HEADERS)
    rows = tier_rows(tables)
    n = max(len(rows), MIN_ROWS)
    for i in range(n):
        values = rows[i] if i < len(rows) else [None] * len(L.TIER_HEADERS)
        for j, (header, value) in enumerate(zip(L.TIER_HEADERS, values)):
            cell = ws.cell(row=hr + 1 + i, column=j + 1)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # exchange strings are data, never formulas
            cell.number_format = _FORMATS.get(header, "General")
            cell.font = S.BODY_FONT
    last_col = L.tier_col(L.TIER_HEADERS[-1])
    table = Table(displayName=L.TIER_TABLE, ref=f"A{hr}:{last_col}{hr + n}")
    table.tableStyleInfo = TableStyleInfo(name=S.TABLE_STYLE, showRowStripes=True)
    ws.add_table(table)
    for header, width in _WIDTHS.items():
        ws.column_dimensions[L.tier_col(header)].width = width
    ws["A3"] = ("A short's liquidation price uses the tier its exchange's rule applies (Binance, "
                "OKX: the size at that price; Bybit USDT: the entry size). No rows for a market "
                "(no API key on Binance, no recorded tiers): the Portfolio uses the Market row's "
                "first-tier MMR and says so.")
    ws["A3"].font = S.LABEL_FONT
    width = sum(_WIDTHS.values())
    S.wrap_across(ws, "A2", last_col, width)
    S.wrap_across(ws, "A3", last_col, width)
    ws.freeze_panes = f"C{hr + 1}"
    S.page_setup(ws, f"A1:{last_col}{hr + n}", title_rows=f"{hr}:{hr}")
    return len(rows)
