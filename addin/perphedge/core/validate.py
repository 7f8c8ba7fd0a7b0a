"""Input checks shared by every core constructor and function.

Each returns the value as a float (or bool) or raises :class:`InvalidInput` naming the
argument and the value, so nothing downstream ever sees NaN, inf or a string.
"""

from __future__ import annotations

import math
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
