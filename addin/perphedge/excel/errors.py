"""The one adapter between Python failures and what a cell shows.

A cell never shows a traceback, NaN or inf. Every Excel function is wrapped by
:func:`excel_safe`:

- the package's own errors (bad input, unknown symbol, market faults) become
  ``#HEDGE! <their message>``;
- anything else is a defect: the cell says ``#HEDGE! internal error (<Type>)`` and the
  traceback goes to ``udf-errors.log`` in the user log directory, where it can be found;
- a result that is not finite (or not something a cell can hold) is turned into an error
  message too, and logged, because it is a defect as well.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import time
import traceback
from collections.abc import Callable
from numbers import Real
from pathlib import Path
from typing import Any, TypeVar

from perphedge.core.conventions import ERROR_PREFIX
from perphedge.core.errors import PerphedgeError

F = TypeVar("F", bound=Callable[..., Any])

#: Longest message a cell shows; exchanges sometimes answer with whole HTML pages.
MAX_MESSAGE_CHARS = 250
LOG_NAME = "udf-errors.log"
#: The log is rotated once past this size so a sheet that fails on every recalculation
#: cannot fill the disk.
MAX_LOG_BYTES = 1_000_000


class BadResult(Exception):
    """A function produced something a cell must not show: an odd type (a defect), or
    NaN/inf (``overflow``: arithmetic on huge inputs, e.g. a rate of 1e300, or a defect)."""

    def __init__(self, message: str, overflow: bool = False) -> None:
        super().__init__(message)
        self.overflow = overflow


def error_text(message: str) -> str:
    """``#HEDGE! <message>`` on one line, shortened to fit a cell comfortably."""
    msg = " ".join(str(message).split())
    if len(msg) > MAX_MESSAGE_CHARS:
        msg = msg[: MAX_MESSAGE_CHARS - 1] + "…"
    return f"{ERROR_PREFIX} {msg}" if msg else f"{ERROR_PREFIX} error"


def log_dir() -> Path:
    """The platform's user log directory for perphedge."""
    import platformdirs  # only when something has gone wrong

    return Path(platformdirs.user_log_dir("perphedge", appauthor=False))


def log_path() -> Path:
    return log_dir() / LOG_NAME


def _log(function: str, args: tuple[Any, ...], exc: BaseException | None, note: str) -> None:
    # Logging must never be the thing that breaks a cell (read-only home, full disk).
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            path.replace(path.with_suffix(".log.1"))
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        shown_args = ", ".join(_short_repr(a) for a in args)
        lines = [f"{stamp} UTC {function}({shown_args}): {note}\n"]
        if exc is not None:
            lines += traceback.format_exception(type(exc), exc, exc.__traceback__)
        with path.open("a", encoding="utf-8") as fh:
            fh.writelines(lines)
            fh.write("\n")
    except Exception:  # noqa: BLE001 - see above
        pass


def _short_repr(value: Any) -> str:
    try:
        r = repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails must not hide the error
        r = f"<{type(value).__name__}>"
    return r if len(r) <= 200 else r[:199] + "…"


def _check_cell(value: Any) -> Any:
    # Exact-type fast paths first: a spilled table checks hundreds of cells per call.
    cls = type(value)
    if cls is float:
        if value - value == 0.0:  # false for NaN and ±inf
            return value
        raise BadResult(f"result is not a finite number ({value!r})", overflow=True)
    if cls is str or cls is dt.datetime:
        return value
    if isinstance(value, str) or isinstance(value, dt.datetime):
        return value
    if isinstance(value, Real) and not isinstance(value, bool):
        x = float(value)
        if not math.isfinite(x):
            raise BadResult(f"result is not a finite number ({x!r})", overflow=True)
        return x
    raise BadResult(f"result cell of type {type(value).__name__}")


def checked(result: Any) -> Any:
    """``result`` if every cell of it is a finite number, text or a date-time; a scalar
    or a rectangular list of rows. Raises BadResult otherwise."""
    if isinstance(result, list):
        if not result or not all(isinstance(r, list) for r in result):
            raise BadResult("result is not a list of rows")
        width = len(result[0])
        if width == 0 or any(len(r) != width for r in result):
            raise BadResult("result rows are empty or of different lengths")
        return [[_check_cell(c) for c in r] for r in result]
    return _check_cell(result)


def excel_safe(func: F) -> F:
    """Wrap an Excel function so that whatever happens, the cell gets a value or a
    ``#HEDGE!`` message. The wrapper keeps the function's name, signature and docs,
    which xlwings reads to build the Excel function."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return checked(func(*args, **kwargs))
        except PerphedgeError as e:
            return error_text(str(e))
        except BadResult as e:
            _log(func.__name__, args, None, str(e))
            if e.overflow:
                return error_text(f"{e}: are the inputs far too large or too small?")
            return error_text(f"internal error ({e})")
        except Exception as e:  # noqa: BLE001 - the point: nothing escapes into Excel
            _log(func.__name__, args, e, f"internal error ({type(e).__name__})")
            return error_text(f"internal error ({type(e).__name__})")

    return wrapper  # type: ignore[return-value]
