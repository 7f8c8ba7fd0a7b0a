"""Shared (filled-down) formulas whose master cell is about to be overwritten.

Excel stores a formula filled down a column once, in its master cell
(``<f t="shared" ref="D5:D9" si="0">Z5*10</f>``); the other cells hold only
``<f t="shared" si="0"/>`` and take the master's text, shifted to where they are. A write
that replaces the master would leave them with no formula at all, so before it each of
them gets its own formula, translated from the master's, and keeps computing.

The sheet is only read here, as a tree; the cells found are written by
:func:`perphedge.ooxml.sheetxml.set_cells` like any other cell.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from lxml import etree

from perphedge.ooxml import NS_MAIN, split_ref
from perphedge.ooxml.errors import PackageError
from perphedge.ooxml.xmlparse import parse

_C = f"{{{NS_MAIN}}}c"
_F = f"{{{NS_MAIN}}}f"
_V = f"{{{NS_MAIN}}}v"


@dataclass(frozen=True)
class Formula:
    """A cell's own formula (``text`` without the leading ``=``), with the value last
    calculated for it (``cached``, the ``<v>`` text) and that value's type (``t``)."""

    text: str
    cached: str | None = None
    type: str | None = None


def translate(formula: str, origin: str, ref: str) -> str:
    """``formula`` as written in cell ``origin``, moved to cell ``ref`` (relative
    references shift, absolute ones stay)."""
    from openpyxl.formula.translate import Translator

    return Translator("=" + formula, origin=origin).translate_formula(ref)[1:]


def orphaned_by(xml_bytes: bytes, written: Collection[tuple[int, int]]) -> dict[tuple[int, int], Formula]:
    """The cells of this sheet that would lose their formula if the cells ``written``
    ((row, col) pairs) were overwritten, each with the formula it must then hold."""
    if b"shared" not in xml_bytes:   # most sheets have none: no need to parse
        return {}
    masters: dict[str, tuple[str, str]] = {}
    dependents: dict[str, list[etree._Element]] = {}
    try:
        root = parse(xml_bytes, "worksheet")
    except PackageError as e:   # callers report ValueError as a sheet not laid out as expected
        raise ValueError(str(e)) from None
    for c in root.iter(_C):
        f = c.find(_F)
        ref = c.get("r")
        if f is None or f.get("t") != "shared" or ref is None or f.get("si") is None:
            continue
        si = str(f.get("si"))
        if f.get("ref") is not None and (f.text or "").strip():
            masters[si] = (ref, f.text or "")
        else:
            dependents.setdefault(si, []).append(c)
    out: dict[tuple[int, int], Formula] = {}
    for si, (origin, text) in masters.items():
        if split_ref(origin) not in written:
            continue
        for c in dependents.get(si, []):
            ref = str(c.get("r"))
            at = split_ref(ref)
            if at in written:
                continue
            v = c.find(_V)
            out[at] = Formula(translate(text, origin, ref), v.text if v is not None else None, c.get("t"))
    return out
