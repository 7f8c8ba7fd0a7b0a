"""The workbook whose Refresh prices button was clicked.

xlwings' RunPython passes the active workbook's name (``--wb="<name>"``) and
``Book.caller()`` looks that name up among the open workbooks. On macOS the name goes
through ``AppleScriptTask`` and a shell command, and a name with accents can arrive
re-encoded (its UTF-8 bytes read as Mac Roman or Latin-1) or decomposed (NFD), so the
lookup fails although the workbook is open and active. The name is then repaired and
compared with the active workbook's; only when they agree is the active workbook used:
a refresh never writes into a workbook other than the one that asked.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from perphedge.core.errors import PerphedgeError


class CallerNotFound(PerphedgeError):
    """The calling workbook cannot be identified."""


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def name_readings(name: str) -> set[str]:
    """``name`` and what it was before a wrong decoding (comparison keys)."""
    out = {_key(name)}
    for codec in ("mac_roman", "latin-1", "cp1252"):
        try:
            out.add(_key(name.encode(codec).decode("utf-8")))
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    try:
        out.add(_key(name.encode("utf-8", "surrogateescape").decode("utf-8")))
    except UnicodeDecodeError:
        pass
    return out


def passed_name(argv: Sequence[str]) -> str | None:
    """The workbook name RunPython passed (``--wb=<name>``), as Book.caller reads it."""
    for arg in argv:
        if arg.startswith("--wb="):
            return arg.split("=", 1)[1].strip().strip('"')
    return None


def calling_book(xw: Any, argv: Sequence[str]) -> Any:
    """``xw.Book.caller()``, or the active workbook when it is the one whose name arrived
    garbled. ``xw`` is the xlwings module (its ``Book`` and ``apps``)."""
    try:
        return xw.Book.caller()
    except Exception as first:  # noqa: BLE001 - xlwings raises plain Exception and COM/AE errors
        asked = passed_name(argv)
        try:
            active = xw.apps.active.books.active
        except Exception as e:  # noqa: BLE001 - no Excel to talk to (Apple Events denied)
            raise CallerNotFound(f"Excel could not be reached ({type(e).__name__}: {e}); "
                                 f"looking up the calling workbook failed with: {first}") from e
        if asked is None or active is None:
            raise CallerNotFound(f"the calling workbook could not be found: {first}") from first
        if _key(str(active.name)) in name_readings(asked):
            return active
        raise CallerNotFound(
            f"the workbook that clicked Refresh prices arrived as {asked!r} and is not the "
            f"active workbook {active.name!r}; click the button again in the workbook to "
            "refresh") from first
