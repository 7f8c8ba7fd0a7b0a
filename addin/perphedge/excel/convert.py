"""What Excel hands a function, turned into Python values, and results turned back into
cell values.

Excel (through xlwings) passes a number cell as a float, an empty cell as None, a
boolean as True/False, text as str, a date as a datetime, an error cell as its text
(``"#N/A"``, because the functions ask xlwings for ``err_to_str``) and a range as a list
(one row or column) or a list of rows. Two Windows exceptions: a cell formatted as
Currency or Accounting arrives as a ``decimal.Decimal`` (COM's currency type, 4 decimal
places), and the error values xlwings has no name for (``#SPILL!``, ``#CALC!``,
``#GETTING_DATA`` ...) arrive as the raw COM error code, an int. Nothing here trusts the shape or the type: every
checker either returns a clean value or raises :class:`InvalidInput` naming the
argument, so the cell shows why.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from numbers import Real
from typing import Any

from perphedge.core import conventions
from perphedge.core.errors import InvalidInput
from perphedge.core.validate import ratio_text

#: Marks an argument that has no default: leaving it empty is an error.
REQUIRED: Any = object()

#: Error values a cell can hold, as xlwings spells them with ``err_to_str``.
EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
})

# Text Excel's own arithmetic would read as a number ("0.5", "50%", "-1e-4"); no
# thousands separators, which depend on the locale.
# Error values as COM hands them over (an int: 0x800A0000 + the XlCVError code). xlwings'
# err_to_str names only the seven classic ones; these are the XlCVError enumeration.
_XL_ERR_BASE = -2146828288  # 0x800A0000 as a signed 32-bit int
_XL_CV_ERRORS = {
    2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?",
    2036: "#NUM!", 2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2046: "#CONNECT!",
    2047: "#BLOCKED!", 2048: "#UNKNOWN!", 2049: "#FIELD!", 2050: "#CALC!", 2051: "#BUSY!",
}
COM_ERROR_CODES = {_XL_ERR_BASE + code: name for code, name in _XL_CV_ERRORS.items()}

# "50%" and "50 %" (as typed, or as a percentage cell arrives as text): core.validate.ratio_text
_NUMERIC_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?:\s*%)?")

# Excel's calendar runs from 1900-01-01 to 9999-12-31.
_EXCEL_MIN_MS = -2_208_988_800_000
_EXCEL_END_MS = 253_402_300_800_000  # 10000-01-01


class CellInputError(InvalidInput):
    """An argument Excel cannot hand over as asked: empty, an error cell, a range where
    one cell is expected. Same contract as InvalidInput, with a message of its own."""

    def __init__(self, argument: str, value: Any, message: str) -> None:
        self.argument, self.value, self.requirement = argument, value, message
        Exception.__init__(self, message)


def _empty(name: str) -> CellInputError:
    return CellInputError(name, None, f"{name} is empty")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _error_cell(name: str, value: str) -> CellInputError:
    return CellInputError(name, value, f"{name} is {value} (an error in the cell it refers to)")


def _com_error(name: str, value: Any) -> None:
    """Raise for an error value xlwings passed on as its COM code (an int, never a number
    Excel would pass: numbers arrive as floats)."""
    if type(value) is int and _XL_ERR_BASE <= value < _XL_ERR_BASE + 2200:
        raise _error_cell(name, COM_ERROR_CODES.get(value, "an error value"))


def show(value: Any) -> str:
    """A value as the user would recognise it in a message."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "…")
    if isinstance(value, (dt.datetime, dt.date)):
        return f"the date {value.isoformat()}"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Real):
        text = str(value)
        return text if len(text) <= 40 else f"a {len(text)}-digit number"
    return f"a {type(value).__name__}"


def _cells(value: Any) -> list[Any]:
    """Every cell of a scalar, a row/column list or a list of rows (ragged allowed)."""
    if not isinstance(value, (list, tuple)):
        return [value]
    out: list[Any] = []
    for item in value:
        if isinstance(item, (list, tuple)):
            out.extend(item)
        else:
            out.append(item)
    return out


def _single(name: str, value: Any) -> Any:
    """A one-cell range as its cell; a larger range is an error, not its first cell."""
    if not isinstance(value, (list, tuple)):
        return value
    cells = _cells(value)
    if len(cells) == 1 and not isinstance(cells[0], (list, tuple)):
        return cells[0]
    if not cells:
        return None
    raise CellInputError(name, value, f"{name} must be a single cell, got a range of "
                                      f"{len(cells)} cells")


def _to_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or isinstance(value, (dt.datetime, dt.date)):
        raise CellInputError(name, value, f"{name} must be a number, got {show(value)}")
    _com_error(name, value)
    if isinstance(value, Decimal):  # a Currency/Accounting cell on Windows
        x = float(value)
    elif isinstance(value, Real):
        try:
            x = float(value)
        except OverflowError:  # an int beyond any float (not from Excel, but from Python)
            x = math.inf
    elif isinstance(value, str):
        s = value.strip()
        if s in EXCEL_ERRORS:
            raise _error_cell(name, s)
        if not _NUMERIC_TEXT.fullmatch(s):
            raise CellInputError(name, value, f"{name} must be a number, got {show(value)}")
        x = ratio_text(name, s) if s.endswith("%") else float(s)
    else:
        raise CellInputError(name, value, f"{name} must be a number, got {show(value)}")
    if not math.isfinite(x):
        raise CellInputError(name, value, f"{name} must be a finite number, got {show(value)}")
    return x


def number(name: str, value: Any, default: Any = REQUIRED) -> float:
    """A finite float from a number cell (or numeric text such as "50%"); an empty cell
    means ``default``, or is an error for a required argument."""
    if type(value) is float and value - value == 0.0:  # the usual case: a finite number
        return value
    value = _single(name, value)
    if _is_blank(value):
        if default is REQUIRED:
            raise _empty(name)
        return default
    return _to_float(name, value)


def whole(name: str, value: Any, default: Any = REQUIRED, minimum: int | None = None) -> int:
    """A whole number (Excel hands 30 over as 30.0)."""
    x = number(name, value, default)
    if x != int(x):
        raise CellInputError(name, value, f"{name} must be a whole number, got {show(value)}")
    n = int(x)
    if minimum is not None and n < minimum:
        raise CellInputError(name, value, f"{name} must be at least {minimum}, got {show(value)}")
    return n


def boolean(name: str, value: Any, default: Any = REQUIRED) -> bool:
    """TRUE/FALSE, the 1/0 some sheets use for them, or the text TRUE/FALSE."""
    value = _single(name, value)
    if _is_blank(value):
        if default is REQUIRED:
            raise _empty(name)
        return default
    if isinstance(value, bool):
        return value
    _com_error(name, value)
    if isinstance(value, Real) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        s = value.strip()
        if s.upper() in ("TRUE", "FALSE"):
            return s.upper() == "TRUE"
        if s in EXCEL_ERRORS:
            raise _error_cell(name, s)
    raise CellInputError(name, value, f"{name} must be TRUE or FALSE, got {show(value)}")


def text(name: str, value: Any, default: Any = REQUIRED) -> Any:
    """Non-blank text, stripped (symbols, exchange ids)."""
    value = _single(name, value)
    if _is_blank(value):
        if default is REQUIRED:
            raise _empty(name)
        return default
    if not isinstance(value, str):
        _com_error(name, value)
        raise CellInputError(name, value, f"{name} must be text, got {show(value)}")
    s = value.strip()
    if s in EXCEL_ERRORS:
        raise _error_cell(name, s)
    return s


def numbers(name: str, value: Any, default: Any = REQUIRED) -> Any:
    """The numbers of a cell, row, column or block, read row by row; blank cells are
    skipped. An empty range means ``default`` (or is an error when required)."""
    cells = _cells(value)
    out: list[float] = []
    for position, cell in enumerate(cells, start=1):
        if _is_blank(cell):
            continue
        if isinstance(cell, (list, tuple)):
            raise CellInputError(name, value, f"{name} must be a row, column or block of "
                                              "cells")
        try:
            out.append(_to_float(name, cell))
        except CellInputError as e:
            raise CellInputError(name, cell, f"{e} (cell {position} of the range)") from None
    if not out:
        if default is REQUIRED:
            raise _empty(name)
        return default
    return tuple(out)


def paired_numbers(name_a: str, a: Any, name_b: str, b: Any) -> tuple[tuple[float, ...],
                                                                      tuple[float, ...]]:
    """Two series read side by side, as Excel's CORREL and SLOPE read them: where the
    ranges have the same number of cells, a position blank in either is skipped in both,
    so the remaining values stay paired date by date. Ranges of different sizes are read
    one by one (and then usually differ in length, which the caller reports)."""
    cells_a, cells_b = _cells(a), _cells(b)
    if len(cells_a) != len(cells_b):
        return numbers(name_a, a), numbers(name_b, b)
    keep = [not (_is_blank(x) or _is_blank(y)) for x, y in zip(cells_a, cells_b)]
    kept_a = [x if k else None for x, k in zip(cells_a, keep)]
    kept_b = [y if k else None for y, k in zip(cells_b, keep)]
    return numbers(name_a, kept_a), numbers(name_b, kept_b)


# -- results --------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # a sheet shows the same settlement times on every recalc
def excel_datetime(ms: int) -> dt.datetime:
    """Milliseconds since the epoch (UTC) as the naive datetime Excel shows as UTC."""
    if not _EXCEL_MIN_MS <= ms < _EXCEL_END_MS:
        raise CellInputError("time", ms, f"time {ms} ms is outside Excel's calendar")
    return conventions.utc_datetime(ms)


def cell(value: Any) -> Any:
    """A value for one result cell: an absent figure (None) shows as an empty cell."""
    if type(value) is float:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Real):
        return float(value)
    return value


def row(values: Iterable[Any]) -> list[list[Any]]:
    """A 1×N result (spills to the right)."""
    return [[cell(v) for v in values]]


def table(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> list[list[Any]]:
    """A header row over data rows (spills down and right)."""
    return [list(header)] + [[cell(v) for v in r] for r in rows]
