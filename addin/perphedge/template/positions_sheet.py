"""The Positions sheet: what is really open on the exchanges beside the Portfolio's plan.

A built workbook holds the table's headers and one empty line: positions need the user's
read-only API key, so they are read only when asked (``perphedge positions --workbook``),
which fills the table and the status line (:mod:`perphedge.files.positions`). The columns
are core's (:data:`perphedge.core.positions.SHEET_COLUMNS`); every value is written by the
reader, none is a formula.
"""

from __future__ import annotations

from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from perphedge.core.positions import LIQUIDATION_TOLERANCE, SHEET_COLUMNS
from perphedge.ooxml import col_letter
from perphedge.template import styles as S

SHEET = "Positions"
TABLE = "Positions"
#: The defined name of the status line the reader rewrites.
STATUS_NAME = "PositionsStatus"
HEADER_ROW = 5
NOT_READ = ("Not read yet. Positions need a read-only API key: `perphedge keys set EXCHANGE`, "
            "then `perphedge positions --workbook THIS_FILE [--portfolio holdings.csv]` fills "
            "this table (nothing here is typed by hand or guessed).")
_FORMATS = {"held_contracts": "#,##0.########", "target_contracts": "#,##0.########",
            "contracts_to_trade": "+#,##0.########;-#,##0.########;0",
            "actual_ratio": "0.0%", "entry_price": "#,##0.00##", "mark_price": "#,##0.00##",
            "leverage": '0.0"×"', "unrealized_pnl": "+#,##0.00;-#,##0.00;0.00",
            "exchange_liquidation_price": "#,##0.00##",
            "perphedge_liquidation_price": "#,##0.00##"}
_WIDTHS = {"exchange": 13, "symbol": 16, "status": 18, "margin_label": 20,
           "liquidation_flag": 44}


def write_positions_sheet(ws: Worksheet) -> str:
    """Lay the sheet out; returns the status cell's reference (for its defined name)."""
    S.title(ws, "Positions — what is open on the exchanges, beside the plan", NOT_READ)
    ws["A3"] = ("Held short is the short contracts open on the market (a long counts against "
                "it); To trade = target − held. The exchange's liquidation price stands beside "
                "perphedge's (isolated one-way shorts only: a cross or hedge-mode position "
                "depends on the whole account), flagged above "
                f"{LIQUIDATION_TOLERANCE:.1%} apart: a wrong tier, mode or rule.")
    ws["A3"].font = S.LABEL_FONT
    headers = [h for _, h in SHEET_COLUMNS]
    S.header_row(ws, HEADER_ROW, 1, headers)
    for j, (field, _) in enumerate(SHEET_COLUMNS, start=1):
        cell = ws.cell(row=HEADER_ROW + 1, column=j)
        cell.number_format = _FORMATS.get(field, "General")
        cell.font = S.BODY_FONT
        ws.column_dimensions[col_letter(j)].width = _WIDTHS.get(field, 14)
    last = col_letter(len(SHEET_COLUMNS))
    table = Table(displayName=TABLE, ref=f"A{HEADER_ROW}:{last}{HEADER_ROW + 1}")
    table.tableStyleInfo = TableStyleInfo(name=S.TABLE_STYLE, showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    # the reader moves the print area's last row with the table's
    S.page_setup(ws, f"A1:{last}{HEADER_ROW + 1}", title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    return f"'{SHEET}'!$A$2"
