"""Set cell values inside a worksheet part's XML text, touching nothing else.

Only the ``<c>`` elements named are rewritten (their style index kept); rows and cells are
inserted in order when missing. Strings go in as inline strings (``t="inlineStr"``), so
the shared-string table is left as it is, and text is always text: a value starting with
``=`` is never turned into a formula.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from perphedge.ooxml import col_letter, split_ref
from perphedge.ooxml.sharedformulas import Formula, orphaned_by

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


def esc(s: str) -> str:
    """Text for XML element content or a double-quoted attribute (characters XML 1.0
    cannot hold are dropped)."""
    s = _XML_BAD.sub("", s)
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\r", "&#13;"))


_esc = esc


def cell_xml(p: str, ref: str, value: object, style: str | None) -> str:
    """One ``<c>`` element (``p`` is the main namespace prefix, e.g. ``""`` or ``"x:"``)."""
    s = f' s="{style}"' if style is not None else ""
    if isinstance(value, Formula):
        t = f' t="{esc(value.type)}"' if value.type else ""
        v = f"<{p}v>{esc(value.cached)}</{p}v>" if value.cached is not None else ""
        return f'<{p}c r="{ref}"{s}{t}><{p}f>{esc(value.text)}</{p}f>{v}</{p}c>'
    if value is None:
        return f'<{p}c r="{ref}"{s}/>'
    if isinstance(value, bool):
        return f'<{p}c r="{ref}"{s} t="b"><{p}v>{int(value)}</{p}v></{p}c>'
    if isinstance(value, datetime):
        value = excel_serial(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"cell {ref} would get a non-finite number {value!r}")
        return f'<{p}c r="{ref}"{s}><{p}v>{value!r}</{p}v></{p}c>'
    text = str(value)
    if len(text) > MAX_CELL_TEXT:   # Excel repairs (and warns about) a longer cell
        text = text[: MAX_CELL_TEXT - 1] + "\u2026"
    text = esc(text)
    return (f'<{p}c r="{ref}"{s} t="inlineStr"><{p}is><{p}t xml:space="preserve">{text}'
            f'</{p}t></{p}is></{p}c>')


def _prefix(xml: str) -> str:
    m = re.search(r"<(\w+:)?worksheet[\s>]", xml)
    if not m:
        raise ValueError("not a worksheet part")
    return m.group(1) or ""


def _attr(tag: str, name: str) -> str | None:
    m = re.search(rf'\s{name}="([^"]*)"', tag)
    return m.group(1) if m else None


def set_cells(xml_bytes: bytes, values: Mapping[tuple[int, int], object],
              styles: Mapping[tuple[int, int], str] | None = None, *,
              restyle: bool = False) -> bytes:
    """Return the sheet XML with ``values[(row, col)]`` written; everything else verbatim.

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
    xml = xml_bytes.decode("utf-8")
    p = _prefix(xml)
    styles = styles or {}
    by_row: dict[int, dict[int, object]] = {}
    for (r, c), v in values.items():
        by_row.setdefault(r, {})[c] = v

    sd_open = re.search(rf"<{p}sheetData\s*(/>|>)", xml)
    if not sd_open:
        raise ValueError("worksheet has no sheetData")
    if sd_open.group(1) == "/>":
        xml = xml[:sd_open.start()] + f"<{p}sheetData></{p}sheetData>" + xml[sd_open.end():]
        sd_open = re.search(rf"<{p}sheetData\s*>", xml)
    body_start = sd_open.end()
    body_end = xml.index(f"</{p}sheetData>", body_start)
    body = xml[body_start:body_end]

    row_re = re.compile(rf"<{p}row\b[^>]*?(/>|>.*?</{p}row>)", re.S)
    rows = [(m.start(), m.end(), int(_attr(m.group(0)[: m.group(0).index(">") + 1], "r") or 0))
            for m in row_re.finditer(body)]
    pieces: list[str] = []
    pos = 0
    pending = sorted(by_row)
    for start, end, rnum in rows:
        # rows we need that come before this one and do not exist yet
        while pending and pending[0] < rnum:
            r = pending.pop(0)
            pieces.append(body[pos:start])
            pos = start
            pieces.append(_new_row(p, r, by_row[r], styles))
        pieces.append(body[pos:start])
        row_text = body[start:end]
        if pending and pending[0] == rnum:
            pending.pop(0)
            row_text = _patch_row(p, row_text, rnum, by_row[rnum], styles, restyle)
        pieces.append(row_text)
        pos = end
    pieces.append(body[pos:])
    for r in pending:
        pieces.append(_new_row(p, r, by_row[r], styles))
    new_body = "".join(pieces)
    return (xml[:body_start] + new_body + xml[body_end:]).encode("utf-8")


def _new_row(p: str, r: int, cells: dict[int, object], styles) -> str:
    inner = "".join(cell_xml(p, f"{col_letter(c)}{r}", cells[c], styles.get((r, c)))
                    for c in sorted(cells))
    return f'<{p}row r="{r}">{inner}</{p}row>'


def _patch_row(p: str, row_text: str, r: int, cells: dict[int, object], styles,
               restyle: bool = False) -> str:
    head_end = row_text.index(">") + 1
    head = row_text[:head_end]
    if head.endswith("/>"):
        head = head[:-2] + ">"
        inner, tail = "", f"</{p}row>"
    else:
        inner, tail = row_text[head_end:-len(f"</{p}row>")], f"</{p}row>"
    # spans is only a loading hint; drop it rather than let it contradict the cells
    head = re.sub(r'\sspans="[^"]*"', "", head)
    cell_re = re.compile(rf"<{p}c\b[^>]*?(/>|>.*?</{p}c>)", re.S)
    out: list[str] = []
    pos = 0
    pending = sorted(cells)
    for m in cell_re.finditer(inner):
        tag = m.group(0)[: m.group(0).index(">") + 1]
        ref = _attr(tag, "r")
        col = split_ref(ref)[1] if ref else None
        if col is None:
            continue  # cells without r keep their place; we only address referenced ones
        while pending and pending[0] < col:
            c = pending.pop(0)
            out.append(inner[pos:m.start()])
            pos = m.start()
            out.append(cell_xml(p, f"{col_letter(c)}{r}", cells[c], styles.get((r, c))))
        out.append(inner[pos:m.start()])
        if pending and pending[0] == col:
            pending.pop(0)
            style = styles.get((r, col)) if restyle and (r, col) in styles else _attr(tag, "s")
            out.append(cell_xml(p, ref, cells[col], style))
        else:
            out.append(m.group(0))
        pos = m.end()
    out.append(inner[pos:])
    for c in pending:
        out.append(cell_xml(p, f"{col_letter(c)}{r}", cells[c], styles.get((r, c))))
    return head + "".join(out) + tail
