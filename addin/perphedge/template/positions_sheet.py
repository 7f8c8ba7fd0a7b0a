"""The Positions sheet: what is really open on the exchanges beside the Portfolio's plan.

A built workbook holds the table's headers and one empty line: positions need the user's
read-only API key, so they are read by a refresh (the ribbon's, ``perphedge refresh``) or
``perphedge positions --workbook``, which fill the table, the status line and the list of
exchanges read (``files.positions``, ``excel.xlpositions``). The columns are core's
(:data:`perphedge.core.positions.SHEET_COLUMNS`); every value is the reader's, and a line
read with no plan given gets a Status formula over the Portfolio
(``refresh.positions.line_status_formula``). The Portfolio's Held from reads the lines back
through the names of :func:`lookup_ranges`.
"""

from __future__ import annotations

from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from perphedge.core.positions import LIQUIDATION_TOLERANCE, POSITIONS_TABLE, READ_NAME, SHEET_COLUMNS
from perphedge.ooxml import col_letter
from perphedge.template import styles as S

SHEET = "Positions"
TABLE = POSITIONS_TABLE
HEADER_ROW = 5
#: The cell listing the exchanges the last read covered (core.positions.PositionsRead; its
#: defined name READ_NAME): the Portfolio takes a market of an exchange not listed as not read.
READ_CELL = "B4"
#: The Positions columns the Portfolio's Held from reads, by defined name (over
#: LOOKUP_ROWS lines, so every line a read writes is found).
LOOKUP_NAMES = {"PosExchange": "exchange", "PosSymbol": "symbol", "PosHeld": "held_contracts",
                "PosIsoMargin": "isolated_margin"}
LOOKUP_ROWS = 1000


def lookup_ranges() -> dict[str, str]:
    """Each lookup name and the range it refers to."""
    fields = [f for f, _ in SHEET_COLUMNS]
    out = {}
    for name, field in LOOKUP_NAMES.items():
        c = col_letter(fields.index(field) + 1)
        out[name] = f"'{SHEET}'!${c}${HEADER_ROW + 1}:${c}${HEADER_ROW + LOOKUP_ROWS}"
    out[READ_NAME] = f"'{SHEET}'!${READ_CELL[0]}${READ_CELL[1:]}"
    return out
NOT_READ = ("Not read yet. Positions need a read-only API key: `perphedge keys set EXCHANGE`; "
            "then Refresh prices (or `perphedge refresh THIS_FILE`) fills this table for the Market "
            "table's exchanges (nothing here is typed by hand or guessed).")
_FORMATS = {"held_contracts": "#,##0.########", "target_contracts": "#,##0.########",
            "contracts_to_trade": "+#,##0.########;-#,##0.########;0",
            "actual_ratio": "0.0%", "entry_price": "#,##0.00##", "mark_price": "#,##0.00##",
            "leverage": '0.0"×"', "isolated_margin": "#,##0.00######", "unrealized_pnl": "+#,##0.00;-#,##0.00;0.00",
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
    ws["A4"] = "Exchanges read:"
    ws["A4"].font = S.LABEL_FONT
    ws[READ_CELL].font = S.BODY_FONT
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
