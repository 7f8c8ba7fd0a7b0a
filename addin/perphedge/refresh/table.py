"""The small interface a refresh needs from a Market table.

A refresh reads headers and columns and writes blocks of cells; it never knows whether the
table lives in a running Excel (``perphedge.excel.xltable``) or in a workbook file whose
Market sheet XML is patched in place (``perphedge.files.table``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from perphedge.ooxml.sheetxml import from_excel_serial


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
