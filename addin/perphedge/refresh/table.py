"""The small interface a refresh needs from a Market table, and its file implementations.

A refresh reads headers and columns and writes blocks of cells; it never knows whether the
table lives in a running Excel (``perphedge.excel.xltable``), in an openpyxl workbook in
memory, or in a workbook file whose Market sheet XML is patched in place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, Sequence

from perphedge import ooxml

from perphedge.ooxml.sheetxml import from_excel_serial, set_cells


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


#: In a written block: leave this cell exactly as it is.
KEEP: Any = _Keep()


class MarketTable(Protocol):
    def headers(self) -> list[str]:
        """Header texts, in column order."""

    def row_count(self) -> int:
        """Number of data rows (header and totals rows excluded)."""

    def column(self, index: int) -> list[Any]:
        """Values of data column ``index`` (0-based within the table), top to bottom."""

    def write_block(self, first_col: int, block: Sequence[Sequence[Any]]) -> None:
        """Write ``block`` (one list per data row) from column ``first_col`` on, in one
        write; cells holding :data:`KEEP` stay as they are."""


def as_datetime(value: Any) -> datetime | None:
    """A cell's date-time: a datetime as is, an Excel serial number converted."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return from_excel_serial(value)
    return None


class PackageMarketTable:
    """A table inside an :class:`ooxml.Package`; writes patch the sheet XML text."""

    def __init__(self, pkg: ooxml.Package, name: str = "Market") -> None:
        self.pkg = pkg
        self.ref = pkg.table(name)
        r1, c1, r2, c2 = ooxml.range_bounds(self.ref.ref)
        self.first_row = r1 + self.ref.header_rows
        self.last_row = r2 - self.ref.totals_rows
        self.first_col, self.last_col = c1, c2
        self._grid: dict[tuple[int, int], Any] | None = None

    def _cells(self) -> dict[tuple[int, int], Any]:
        if self._grid is None:
            self._grid = {(c.row, c.col): c.value for c in self.pkg.cells(self.ref.sheet.part)}
        return self._grid

    def headers(self) -> list[str]:
        if self.ref.header_rows:
            grid = self._cells()
            row = self.first_row - 1
            cells = [grid.get((row, c)) for c in range(self.first_col, self.last_col + 1)]
            if all(isinstance(v, str) for v in cells):
                return [str(v) for v in cells]
        return list(self.ref.columns)

    def row_count(self) -> int:
        return max(0, self.last_row - self.first_row + 1)

    def column(self, index: int) -> list[Any]:
        grid = self._cells()
        col = self.first_col + index
        return [grid.get((r, col)) for r in range(self.first_row, self.last_row + 1)]

    def write_block(self, first_col: int, block: Sequence[Sequence[Any]]) -> None:
        values = {}
        for i, row in enumerate(block):
            for j, v in enumerate(row):
                if v is not KEEP:
                    values[(self.first_row + i, self.first_col + first_col + j)] = v
        if not values:
            return
        part = self.ref.sheet.part
        # a cell that does not exist yet takes the style of the cell above it
        styles = {}
        existing = {(c.row, c.col): c.style for c in self.pkg.cells(part)}
        for (r, c) in values:
            if (r, c) not in existing:
                above = next((existing[(rr, c)] for rr in range(r - 1, self.first_row - 1, -1)
                              if existing.get((rr, c))), None)
                if above:
                    styles[(r, c)] = above
        self.pkg.replace(part, set_cells(self.pkg.data[part], values, styles))
        self._grid = None


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
        raise ooxml.PackageError(f"no Excel table named {name!r} in the workbook")

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
