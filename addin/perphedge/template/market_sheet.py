"""The Market sheet: the table a refresh writes (layout fixed by the shared contract).

Symbol and Exchange are inputs; every other column holds the figure a refresh (or the
builder, from the same ``MarketRow`` records) wrote. An absent figure is an empty cell,
never 0. Times are naive UTC date-times; Inverse is TRUE/FALSE; Status is text.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.formatting.rule import FormulaRule
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from perphedge.core.conventions import cell_datetime
from perphedge.core.marketdata import MarketRow, status_text
from perphedge.template import layout as L
from perphedge.template import styles as S

_FORMATS = {
    "Spot": L.PRICE, "Mark": L.PRICE, "Index": L.PRICE, "Funding rate": L.RATE,
    "Interval (h)": "0", "Next funding (UTC)": L.DATETIME, "Contract size": "General",
    "Amount step": "General", "Min amount": "General", "Min cost": "#,##0.00", "Taker fee": "0.000%",
    "MMR": "0.00%",
    "Maint. amount": "#,##0.00", "As of (UTC)": L.DATETIME,
    # one way whatever wrote the cell: TRUE/FALSE as the builder writes it, 1/0 as some
    # engines store a logical
    "Inverse": L.LOGICAL,
}
_WIDTHS = {
    "Symbol": 16, "Exchange": 13, "Spot": 12, "Mark": 12, "Index": 12, "Funding rate": 10,
    "Interval (h)": 8, "Next funding (UTC)": 16, "Contract size": 9, "Amount step": 9,
    "Min amount": 9, "Min cost": 9, "Inverse": 8, "Taker fee": 8, "MMR": 8, "Maint. amount": 9,
    "As of (UTC)": 16, "Status": 56,
}
MIN_ROWS = 2


def row_values(row: MarketRow, now_ms: int) -> list[object]:
    return [
        row.symbol, row.exchange, row.spot_price, row.mark_price, row.index_price,
        row.rate_per_interval, row.interval_hours, cell_datetime(row.next_funding_ms),
        row.contract_size, row.amount_step, row.min_amount, row.min_cost, row.inverse, row.taker_fee,
        row.mmr, row.maint_amount, cell_datetime(row.status.as_of_ms) if row.status.as_of_ms else None,
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
            if header == "Status":
                # a status names each figure with its date: it wraps inside the printed page
                cell.alignment = S.WRAP
                S.fit_row(ws, r, str(value or ""), _WIDTHS["Status"])
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
