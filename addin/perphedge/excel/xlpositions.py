"""The Positions sheet in a running Excel, through xlwings (the ribbon's side of
``refresh.positions``; ``files.positions`` is the same write in a file).

The table is resized to the lines read (one empty line when none is open), each line is
written with one range assignment, the lines it no longer covers are emptied, and the
status line and the exchanges read go to their defined names. A line read with no plan
given gets its Status formula (``refresh.positions.line_status_formula``), so Excel says
what the Portfolio makes of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perphedge.core.positions import POSITIONS_TABLE, READ_NAME, READ_SEPARATOR, SHEET_COLUMNS, STATUS_NAME, PositionRow
from perphedge.excel.xltable import as_text
from perphedge.refresh.positions import is_unplanned, line_status_formula

_STATUS_INDEX = [f for f, _ in SHEET_COLUMNS].index("status")


def positions_table(book: Any) -> Any | None:
    """The workbook's Positions table; None for a workbook built before it had one."""
    for sheet in book.sheets:
        for table in sheet.tables:
            if str(table.name).lower() == POSITIONS_TABLE.lower():
                return table
    return None


def _cell_value(v: object) -> object:
    return as_text(v) if isinstance(v, str) else v


def write_positions(book: Any, table: Any, rows: Sequence[PositionRow] | None, status: str,
                    read: Sequence[str]) -> None:
    """Write the lines (None: keep them, the status line says why), the status line and
    the exchanges read."""
    if rows is not None:
        old = table.data_body_range
        old_rows = 0 if old is None else old.shape[0]
        n = max(len(rows), 1)
        table.resize(table.range.resize(row_size=1 + n))
        body = table.data_body_range
        width = len(SHEET_COLUMNS)
        block = [[_cell_value(v) for v in r.values()] for r in rows] or [[None] * width]
        body.value = block
        for i, r in enumerate(rows):
            if is_unplanned(r):
                body[i:i + 1, _STATUS_INDEX:_STATUS_INDEX + 1].formula2 = "=" + line_status_formula(body.row + i)
        if old is not None and old_rows > n:
            old[n:old_rows, 0:width].clear_contents()
        if READ_NAME in book.names:
            book.names[READ_NAME].refers_to_range.value = READ_SEPARATOR.join(read)
    book.names[STATUS_NAME].refers_to_range.value = as_text(status)
