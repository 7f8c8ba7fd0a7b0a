"""The Market sheet: the table a refresh writes (layout fixed by the shared contract).

Symbol and Exchange are inputs; every other column holds the figure a refresh (or the
builder, from the same ``MarketRow`` records) wrote. An absent figure is an empty cell,
never 0. Times are naive UTC date-times; Inverse is TRUE/FALSE; Status is text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from openpyxl.formatting.rule import FormulaRule
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from perphedge.core import conventions
from perphedge.core.marketdata import MarketRow
from perphedge.template import layout as L

from perphedge.template import styles as S

_FORMATS = {
    "Spot": L.PRICE, "Mark": L.PRICE, "Index": L.PRICE, "Funding rate": L.RATE,
    "Interval (h)": "0", "Next funding (UTC)": L.DATETIME, "Contract size": "General",
    "Amount step": "General", "Min amount": "General", "Taker fee": "0.000%", "MMR": "0.00%",
    "Maint. amount": "#,##0.00", "As of (UTC)": L.DATETIME,
}
_WIDTHS = {
    "Symbol": 16, "Exchange": 13, "Spot": 12, "Mark": 12, "Index": 12, "Funding rate": 10,
    "Interval (h)": 8, "Next funding (UTC)": 16, "Contract size": 9, "Amount step": 9,
    "Min amount": 9, "Inverse": 8, "Taker fee": 8, "MMR": 8, "Maint. amount": 9,
    "As of (UTC)": 16, "Status": 44,
}
MIN_ROWS = 2


def utc_datetime(ms: int | None) -> datetime | None:
    """Epoch milliseconds as the naive UTC datetime a cell holds (None stays None)."""
    return None if ms is None else conventions.utc_datetime(ms)


def status_text(row: MarketRow, now_ms: int) -> str:
    """The Status cell: recorded snapshot data always says so, with its date."""
    st = row.status
    if st.source == "snapshot":
        # The age of recorded data depends on the day the file is opened; the Portfolio's
        # Data age column measures it. The status keeps the recording date only.
        if st.reason and st.reason.startswith("recorded"):
            return st.reason
        when = utc_datetime(st.as_of_ms).strftime("%Y-%m-%d %H:%M UTC") if st.as_of_ms else "unknown date"
        return f"recorded snapshot of {when}" + (f" ({st.reason})" if st.reason else "")
    if not st.stale and st.reason:
        # Fresh figures with some missing or assumed (no tiers without an API key, an
        # interval assumed 8 h): the reason must reach the cell, not read as plain "fresh".
        return f"partial: {st.reason}"
    return st.text(now_ms)


def row_values(row: MarketRow, now_ms: int) -> list[object]:
    return [
        row.symbol, row.exchange, row.spot_price, row.mark_price, row.index_price,
        row.rate_per_interval, row.interval_hours, utc_datetime(row.next_funding_ms),
        row.contract_size, row.amount_step, row.min_amount, row.inverse, row.taker_fee,
        row.mmr, row.maint_amount, utc_datetime(row.status.as_of_ms) if row.status.as_of_ms else None,
        status_text(row, now_ms),
    ]


def write_market(ws: Worksheet, rows: Sequence[MarketRow], subtitle: str, now_ms: int) -> None:
    S.title(ws, "Market data", subtitle)
    hr = L.MARKET_HEADER_ROW
    S.header_row(ws, hr, 1, L.MARKET_HEADERS)
    n = max(len(rows), MIN_ROWS)
    for i in range(n):
        r = hr + 1 + i
        values = row_values(rows[i], now_ms) if i < len(rows) else [None] * len(L.MARKET_HEADERS)
        for j, (header, value) in enumerate(zip(L.MARKET_HEADERS, values)):
            cell = ws.cell(row=r, column=j + 1)
            if isinstance(value, str):
                # Exchange strings are data: never let one become a formula.
                cell.value = value
                cell.data_type = "s"
            else:
                cell.value = value
            cell.number_format = _FORMATS.get(header, "General")
            cell.font = S.BODY_FONT
            if j < 2:
                cell.fill = S.INPUT_FILL
    last = hr + n
    last_col = L.market_col(L.MARKET_HEADERS[-1])
    table = Table(displayName=L.MARKET_TABLE, ref=f"A{hr}:{last_col}{last}")
    table.tableStyleInfo = TableStyleInfo(name=S.TABLE_STYLE, showRowStripes=True)
    ws.add_table(table)
    for header, width in _WIDTHS.items():
        ws.column_dimensions[L.market_col(header)].width = width
    st = L.market_col("Status")
    ws.conditional_formatting.add(
        f"{st}{hr + 1}:{st}{last}",
        FormulaRule(formula=[f'AND(${st}{hr + 1}<>"",${st}{hr + 1}<>"fresh")'],
                    fill=S.WARN_FILL, font=S.WARN_FONT))
    ws["A3"] = ("Symbol and Exchange are yours to type; every other column is written by "
                "Refresh prices (or `perphedge refresh`). Funding rate is per interval: "
                "positive means the short receives.")
    ws["A3"].font = S.LABEL_FONT
    ws.freeze_panes = f"C{hr + 1}"
    S.page_setup(ws, f"A1:{last_col}{last}", title_rows=f"{hr}:{hr}")
