"""The Market table inside a workbook file: the refresh's table interface over an
:class:`ooxml.Package`, whose writes patch the sheet XML."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perphedge import ooxml
from perphedge.ooxml.sheetxml import set_cells
from perphedge.refresh.table import KEEP


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
