"""Input checks shared by every core constructor and function.

Each returns the value as a float (or bool) or raises :class:`InvalidInput` naming the
argument and the value, so nothing downstream ever sees NaN, inf or a string.
"""

from __future__ import annotations

import math
from decimal import Decimal
from numbers import Real
from typing import Any

from perphedge.core.errors import InvalidInput


def number(name: str, value: Any) -> float:
    """A finite real number (bools are refused: True is not a price)."""
    # Fast path for plain floats (most calls): x - x is 0.0 exactly when x is finite.
    if type(value) is float and value - value == 0.0:
        return value
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InvalidInput(name, value, "must be a number")
    try:
        x = float(value)
    except OverflowError:  # an int too large for a float
        raise InvalidInput(name, value, "must be a finite number") from None
    if not math.isfinite(x):
        raise InvalidInput(name, value, "must be a finite number")
    return x


def positive(name: str, value: Any) -> float:
    x = number(name, value)
    if x <= 0:
        raise InvalidInput(name, value, "must be greater than 0")
    return x


def non_negative(name: str, value: Any) -> float:
    x = number(name, value)
    if x < 0:
        raise InvalidInput(name, value, "must be 0 or more")
    return x


def fraction(name: str, value: Any) -> float:
    """A ratio in [0, 1] (0.5 means 50 %)."""
    x = number(name, value)
    if not 0.0 <= x <= 1.0:
        raise InvalidInput(name, value, "must be between 0 and 1")
    return x


def boolean(name: str, value: Any) -> bool:
    """True/False, or the 1/0 Excel hands over for booleans."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Real) and not isinstance(value, bool) and float(value) in (0.0, 1.0):
        return bool(value)
    raise InvalidInput(name, value, "must be TRUE or FALSE")


def integer(name: str, value: Any, minimum: int | None = None) -> int:
    """A whole number (a float such as 30.0 from Excel is accepted)."""
    x = number(name, value)
    if x != int(x):
        raise InvalidInput(name, value, "must be a whole number")
    n = int(x)
    if minimum is not None and n < minimum:
        raise InvalidInput(name, value, f"must be at least {minimum}")
    return n


def text(name: str, value: Any) -> str:
    """A non-blank string (asset names, preset names), stripped."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(name, value, "must be a non-empty text")
    return value.strip()


def below_one(name: str, value: Any) -> float:
    """A rate in [0, 1): a maintenance margin rate of 100 % would leave no position."""
    x = number(name, value)
    if not 0.0 <= x < 1.0:
        raise InvalidInput(name, value, "must be at least 0 and below 1")
    return x


def _typed(text: str, decimal_comma: bool) -> str:
    raw = str(text).strip()
    if decimal_comma and "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    return raw


def number_text(name: str, text: str, decimal_comma: bool = False) -> float:
    """A number typed as text (a CSV cell, a command-line field). ``decimal_comma``: the
    text comes from a file whose separator is ``;`` — what Excel saves where the comma is
    the decimal mark — so ``1,5`` is 1.5 and ``1.234,5`` is 1234.5 (a point before a comma
    groups thousands); a lone point is still a decimal point, as typed by hand."""
    try:
        x = float(_typed(text, decimal_comma))
    except ValueError:
        raise InvalidInput(name, text, "must be a number") from None
    if not math.isfinite(x):
        raise InvalidInput(name, x, "must be a finite number")
    return x


def leverage_text(name: str, text: str, decimal_comma: bool = False) -> float:
    """A leverage typed as text: ``2``, ``2x``, ``2 x`` or ``2×`` (what the tables print)."""
    raw = str(text).strip()
    if raw[-1:] in ("x", "X", "×"):
        raw = raw[:-1].strip()
    return number_text(name, raw, decimal_comma)


def ratio_text(name: str, text: str, decimal_comma: bool = False) -> float:
    """A ratio typed as text: a fraction (``0.5``) or a percentage (``50%``, ``50 %``,
    ``12,5 %`` with a decimal comma), returned as the fraction. The one parser of typed
    ratios: CSV files, ``plan --holding`` and ``backtest --ratio`` all read through it.
    The range is checked where the ratio is used (``fraction``)."""
    raw = str(text).strip()
    if not raw.endswith("%"):
        return number_text(name, raw, decimal_comma)
    number_text(name, raw[:-1], decimal_comma)  # the same errors as a plain number
    # In decimal, so 33.3 % is the float nearest 0.333, not 33.3 / 100 in binary.
    return float(Decimal(_typed(raw[:-1], decimal_comma)) / 100)
