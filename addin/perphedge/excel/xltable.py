"""The Market table in a running Excel, through xlwings (the thin layer of the refresh).

Reads the table body once; writes each block with ONE range assignment. Cells the refresh
leaves alone are written back as they were (their formula when they hold one, read and put
back through ``Formula2``: ``Formula`` speaks pre-dynamic-array Excel, so a spilling
formula read through it comes back with an implicit-intersection ``@`` that stops it
spilling), and if a
write fails every block this table wrote is put back, so a refresh never leaves the table
half new and half old.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from perphedge.refresh.routine import RefreshError
from perphedge.refresh.table import KEEP

#: Excel would read text starting with one of these as a formula or sign.
_FORMULA_START = ("=", "+", "-", "@")


def as_text(value: str) -> str:
    """Text Excel stores as text: a leading apostrophe is Excel's own text marker."""
    return "'" + value if value.startswith(_FORMULA_START) else value


class XlwingsMarketTable:
    def __init__(self, book, name: str = "Market") -> None:
        self.table = None
        for sheet in book.sheets:
            for table in sheet.tables:
                if str(table.name).lower() == name.lower():
                    self.table = table
                    break
            if self.table is not None:
                break
        if self.table is None:
            raise RefreshError(f"no Excel table named {name!r} in workbook {book.name}")
        self.body = self.table.data_body_range      # None when the table has no rows
        self._values: list[list[Any]] | None = None
        self._undo: list[tuple[Any, list[list[Any]]]] = []   # (range, its formulas before)

    def headers(self) -> list[str]:
        header = self.table.header_row_range
        if header is None:    # the table's header row is switched off
            return []
        # ndim=1: a one-column table's header is still a list, not one string
        return [str(h or "") for h in header.options(ndim=1).value]

    def row_count(self) -> int:
        return 0 if self.body is None else self.body.shape[0]

    def _all(self) -> list[list[Any]]:
        if self._values is None:
            self._values = [] if self.body is None else [
                list(r) for r in self.body.options(ndim=2).value]
        return self._values

    def column(self, index: int) -> list[Any]:
        return [row[index] for row in self._all()]

    def write_block(self, first_col: int, block: Sequence[Sequence[Any]]) -> None:
        if not block or self.body is None:
            return
        try:
            self._write(first_col, block)
        except Exception:
            # any failure (the write, or reading the next block first) undoes them all
            self._put_back()
            raise

    def _write(self, first_col: int, block: Sequence[Sequence[Any]]) -> None:
        width = len(block[0])
        target = self.body[:, first_col:first_col + width]
        old_formulas = [list(r) for r in _2d(target.formula2)]
        values = self._all()
        out, kept_formulas = [], []
        for i, row in enumerate(block):
            line = []
            for j, v in enumerate(row):
                if v is KEEP:
                    f = old_formulas[i][j]
                    if isinstance(f, str) and f.startswith("="):
                        kept_formulas.append((i, j, f))
                    v = f if isinstance(f, str) and f.startswith("=") else _kept(
                        values[i][first_col + j], f)
                    if isinstance(v, str) and not v.startswith("="):
                        v = as_text(v)
                elif isinstance(v, str):
                    v = as_text(v)
                line.append(v)
            out.append(line)
        self._undo.append((target, old_formulas))
        target.value = out
        # A value write reads "=..." as a pre-dynamic-array formula; a kept formula goes
        # back through Formula2 as it was read, so a spilling one still spills.
        for i, j, f in kept_formulas:
            target[i:i + 1, j:j + 1].formula2 = f
        self._values = None

    def _put_back(self) -> None:
        """Every block written so far back as it was, newest first. A failure here must
        not hide the write's own error, which is what the user needs to see."""
        for target, old_formulas in reversed(self._undo):
            try:
                target.formula2 = old_formulas
            except Exception:  # noqa: BLE001 - see above
                pass
        self._undo.clear()


def _kept(value: Any, formula: Any) -> Any:
    """The value to write back into a cell the refresh leaves alone. On Windows a cell
    formatted as currency (the Market prices are: "$" formats) reads as a Decimal cut to
    4 decimal places; its formula text holds the full number, as the formula bar shows it."""
    if isinstance(value, Decimal):
        try:
            return float(str(formula))
        except ValueError:
            return float(value)
    return value


def _2d(x):
    if not isinstance(x, (list, tuple)):
        return [[x]]
    if x and not isinstance(x[0], (list, tuple)):
        return [list(x)]
    return x
