"""The refresh's table interface over an openpyxl workbook held in memory: lets tests run
a refresh on a workbook the builder just made, without writing it to a file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perphedge.refresh.table import KEEP


class OpenpyxlMarketTable:
    """A table in an openpyxl workbook held in memory (e.g. while building one)."""

    def __init__(self, workbook, name: str = "Market") -> None:
        from openpyxl.utils.cell import range_boundaries

        for ws in workbook.worksheets:
            for table in ws.tables.values():  # (TableList.items() gives refs, not tables)
                if table.displayName.lower() == name.lower():
                    self.ws, self.table = ws, table
                    c1, r1, c2, r2 = range_boundaries(table.ref)
                    self.first_row = r1 + (table.headerRowCount if table.headerRowCount is not None else 1)
                    self.last_row = r2 - (table.totalsRowCount or 0)
                    self.first_col, self.last_col = c1, c2
                    return
        raise LookupError(f"no Excel table named {name!r} in the workbook")

    def headers(self) -> list[str]:
        row = self.first_row - 1
        return [str(self.ws.cell(row, c).value or "")
                for c in range(self.first_col, self.last_col + 1)]

    def row_count(self) -> int:
        return max(0, self.last_row - self.first_row + 1)

    def column(self, index: int) -> list[Any]:
        col = self.first_col + index
        return [self.ws.cell(r, col).value for r in range(self.first_row, self.last_row + 1)]

    def write_block(self, first_col: int, block: Sequence[Sequence[Any]]) -> None:
        for i, row in enumerate(block):
            for j, v in enumerate(row):
                if v is KEEP:
                    continue
                cell = self.ws.cell(self.first_row + i, self.first_col + first_col + j)
                cell.value = v
                if isinstance(v, str):
                    cell.data_type = "s"  # text stays text, even "=..."
