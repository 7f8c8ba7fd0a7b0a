"""Set cell values inside a worksheet part, touching nothing else.

The part is edited as a tree (lxml, the safe parser of :mod:`.xmlparse`): only the ``<c>``
elements named are rewritten (their style index kept); rows and cells are inserted in
order when missing; prefixes, quoting, namespaces and every other element stay as they
were. Strings go in as inline strings (``t="inlineStr"``), so the shared-string table is
left as it is, and text is always text: a value starting with ``=`` is never turned into a
formula.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from lxml import etree

from perphedge.ooxml import col_letter, split_ref
from perphedge.ooxml.sharedformulas import Formula, orphaned_by
from perphedge.ooxml.treeedit import parse_part, serialize

_EPOCH = datetime(1899, 12, 30)
#: Excel holds at most this many characters in a cell.
MAX_CELL_TEXT = 32_767
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def excel_serial(dt: datetime) -> float:
    """A naive (UTC) datetime as an Excel 1900-system serial number."""
    delta = dt - _EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


def from_excel_serial(serial: float) -> datetime:
    """An Excel 1900-system serial number as a naive (UTC) datetime."""
    return _EPOCH + timedelta(days=float(serial))


_XML_NS = "http://www.w3.org/XML/1998/namespace"


def _clean(text: str) -> str:
    if len(text) > MAX_CELL_TEXT:   # Excel repairs (and warns about) a longer cell
        text = text[: MAX_CELL_TEXT - 1] + "\u2026"
    return _XML_BAD.sub("", text)


def cell_element(m: str, ref: str, value: object, style: str | None) -> etree._Element:
    """One ``<c>`` element in the main namespace ``m`` (``{uri}``, as the part writes it)."""
    c = etree.Element(m + "c", r=ref)
    if style is not None:
        c.set("s", style)
    if isinstance(value, Formula):
        if value.type:
            c.set("t", _clean(value.type))
        etree.SubElement(c, m + "f").text = _clean(value.text)
        if value.cached is not None:
            etree.SubElement(c, m + "v").text = _clean(value.cached)
        return c
    if value is None:
        return c
    if isinstance(value, bool):
        c.set("t", "b")
        etree.SubElement(c, m + "v").text = str(int(value))
        return c
    if isinstance(value, datetime):
        value = excel_serial(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"cell {ref} would get a non-finite number {value!r}")
        etree.SubElement(c, m + "v").text = repr(value)
        return c
    c.set("t", "inlineStr")
    t = etree.SubElement(etree.SubElement(c, m + "is"), m + "t")
    t.text = _clean(str(value))
    t.set(f"{{{_XML_NS}}}space", "preserve")
    return c


def _number(text: str | None, previous: int, what: str) -> int:
    """A row's r, or a cell's column: given, or (ECMA-376, when absent) the previous + 1."""
    if text is None:
        return previous + 1
    try:
        return int(text) if what == "row" else split_ref(text)[1]
    except (TypeError, ValueError):
        raise ValueError(f"a {what} is numbered {text!r}") from None


def set_cells(xml_bytes: bytes, values: Mapping[tuple[int, int], object],
              styles: Mapping[tuple[int, int], str] | None = None, *,
              restyle: bool = False) -> bytes:
    """Return the sheet XML with ``values[(row, col)]`` written; everything else kept.

    ``styles`` gives a style index for cells that do not exist yet (existing cells keep
    theirs, unless ``restyle``). A value may be a :class:`Formula` (a cell's own formula).
    Cells filled by a shared formula whose master is overwritten get their own formula
    (see :mod:`perphedge.ooxml.sharedformulas`).
    """
    # overwriting the master of a filled-down formula must not leave the cells it fills
    # with none: they get their own formula, written with the rest (existing cells keep
    # their style)
    orphans = orphaned_by(xml_bytes, values.keys())
    if orphans:
        values = {**orphans, **values}
    root = parse_part(xml_bytes, "worksheet")
    q = etree.QName(root)
    if q.localname != "worksheet":
        raise ValueError("not a worksheet part")
    m = f"{{{q.namespace}}}" if q.namespace else ""
    data = root.find(m + "sheetData")
    if data is None:
        raise ValueError("worksheet has no sheetData")
    styles = styles or {}
    by_row: dict[int, dict[int, object]] = {}
    for (r, c), v in values.items():
        by_row.setdefault(r, {})[c] = v
    rows: list[tuple[int, etree._Element]] = []
    number = 0
    for row in data.iterchildren(m + "row"):
        number = _number(row.get("r"), number, "row")
        rows.append((number, row))
    existing = dict(rows)
    for r in sorted(by_row):
        row = existing.get(r)
        if row is None:
            row = etree.Element(m + "row", r=str(r))
            _insert(data, row, r, rows, None)
        else:
            row.attrib.pop("spans", None)   # only a loading hint: never let it contradict
        _patch_row(m, row, r, by_row[r], styles, restyle)
    return serialize(root)


def _patch_row(m: str, row: etree._Element, r: int, cells: dict[int, object], styles,
               restyle: bool) -> None:
    present: list[tuple[int, etree._Element]] = []
    col = 0
    for c in row.iterchildren(m + "c"):
        col = _number(c.get("r"), col, "cell")
        present.append((col, c))
    at = dict(present)
    for col in sorted(cells):
        ref = f"{col_letter(col)}{r}"
        old = at.get(col)
        if old is not None:
            style = styles.get((r, col)) if restyle and (r, col) in styles else old.get("s")
            new = cell_element(m, ref, cells[col], style)
            new.tail = old.tail
            row.replace(old, new)
            continue
        # a row's extensions come after its cells
        _insert(row, cell_element(m, ref, cells[col], styles.get((r, col))), col, present,
                row.find(m + "extLst"))


def _insert(parent: etree._Element, new: etree._Element, number: int,
            present: list[tuple[int, etree._Element]], last: etree._Element | None) -> None:
    """Put ``new`` before the first of ``present`` numbered above ``number``, else before
    ``last`` (an element that must stay last), else at the end."""
    after = next((el for n, el in present if n > number), last)
    if after is not None:
        after.addprevious(new)
    else:
        parent.append(new)
