"""Write the cached value of formula cells into a workbook package.

A formula cell of an .xlsx holds its formula (``<f>``) and the value the formula last gave
(``<v>``, typed by the cell's ``t=``). A viewer that does not recalculate — an attachment
preview, a file browser's quick look, a phone — shows only that value, and openpyxl cannot
write one. This post-processor takes the package and ``{sheet name: {cell ref: value}}``
and edits only the worksheets named, as trees (lxml, prefixes kept); every other member is
copied unchanged, with its name, order, time stamp and compression.

Values: ``bool`` (``t="b"``), ``int``/``float`` (a number, no ``t``), ``str``
(``t="str"``: a formula's text result), :class:`CellError` (``t="e"``). A finite number
only: NaN or an infinity is refused, as Excel has no such cell value. ``None`` leaves the
cell without a cached value (a formula whose value could not be computed shows it is
not known rather than a wrong number).

An empty ``<v/>`` (what openpyxl writes beside every formula) on a sheet edited is removed:
a formula cell either holds its value or none.

A value is written only to a formula cell or to a cell an array formula's range covers
(its spilled results, created when the sheet has no element for them); a constant cell
named in the mapping is refused: this module never changes an input.
"""

from __future__ import annotations

import io
import math
import posixpath
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from perphedge.atomicfile import write_bytes_atomic
from perphedge.ooxml.errors import PackageError
from perphedge.ooxml.xmlparse import parse

__all__ = ["CellError", "CachedValues", "apply_cached_values", "edit_sheet", "formula_cells", "write_cached_values"]

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_M = f"{{{_NS}}}"
#: Excel's error values, the only texts a ``t="e"`` cell may hold.
ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                         "#GETTING_DATA", "#SPILL!", "#CALC!"})


@dataclass(frozen=True)
class CellError:
    """An error value (``#N/A``, ``#DIV/0!``, ...) as a formula's cached result."""

    code: str

    def __post_init__(self) -> None:
        if self.code not in ERROR_CODES:
            raise ValueError(f"not an Excel error value: {self.code}")


@dataclass(frozen=True)
class CachedValues:
    """What a pass wrote: the number of cells given a value, and the formula cells of the
    sheets edited that hold no cached value afterwards, as (sheet, ref)."""

    written: int
    without_value: tuple[tuple[str, str], ...]


CellValue = bool | int | float | str | CellError | None


def _split(ref: str) -> tuple[int, int]:
    """(row, column) of ``A1``-style ``ref``, 1-based."""
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters):]
    if not letters or not digits or not letters.isalpha() or not letters.isupper():
        raise ValueError(f"not a cell reference: {ref}")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits), col


def _bounds(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    r0, c0 = _split(first.replace("$", ""))
    r1, c1 = _split((last or first).replace("$", ""))
    return r0, c0, r1, c1


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name -> part name, from the workbook and its relationships."""
    rels = parse(z.read("_rels/.rels"), "_rels/.rels")
    wb_part = next((r.get("Target", "").lstrip("/") for r in rels
                    if isinstance(r.tag, str) and r.get("Type", "").endswith("/officeDocument")), "")
    if not wb_part:
        raise PackageError("the package names no workbook part")
    wb = parse(z.read(wb_part), wb_part)
    base = posixpath.dirname(wb_part)
    rels_name = posixpath.join(base, "_rels", posixpath.basename(wb_part) + ".rels")
    targets = {}
    for r in parse(z.read(rels_name), rels_name):
        if isinstance(r.tag, str) and r.tag == f"{{{_NS_PKG}}}Relationship":
            t = r.get("Target", "")
            targets[r.get("Id", "")] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(
                posixpath.join(base, t))
    out = {}
    for s in wb.iter(f"{_M}sheet"):
        rid = s.get(f"{{{_NS_R}}}id", "")
        if rid in targets:
            out[s.get("name", "")] = targets[rid]
    return out


def _set_value(c: etree._Element, value: CellValue) -> None:
    """Replace the cell's cached value; keep its formula, style and prefix."""
    for old in c.findall(f"{_M}v") + c.findall(f"{_M}is"):
        c.remove(old)
    if "t" in c.attrib:
        del c.attrib["t"]
    if value is None:
        return
    if isinstance(value, bool):
        t, text = "b", "1" if value else "0"
    elif isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"cell {c.get('r')}: {value} is not a value a cell can hold")
        t, text = None, repr(int(value)) if isinstance(value, int) else repr(float(value))
    elif isinstance(value, CellError):
        t, text = "e", value.code
    elif isinstance(value, str):
        t, text = "str", value
    else:
        raise TypeError(f"cell {c.get('r')}: a cached value is a number, text, bool or CellError, "
                        f"not {type(value).__name__}")
    if t:
        c.set("t", t)
    prefix = c.prefix
    v = etree.Element(f"{_M}v", nsmap={prefix: _NS} if prefix else None)
    v.text = text
    f = c.find(f"{_M}f")
    if f is not None:
        f.addnext(v)
    else:
        c.insert(0, v)


def edit_sheet(data: bytes, part: str, sheet: str, values: Mapping[str, CellValue]) -> tuple[bytes, int, list[str]]:
    """One worksheet part with the cached values written: (its bytes, the number of cells
    given a value, the formula cells without one afterwards)."""
    root = parse(data, part)
    sheet_data = root.find(f"{_M}sheetData")
    if sheet_data is None:
        raise PackageError(f"part {part} has no sheetData")
    cells: dict[tuple[int, int], etree._Element] = {}
    rows: dict[int, etree._Element] = {}
    arrays: list[tuple[int, int, int, int]] = []
    for row in sheet_data.iterfind(f"{_M}row"):
        rows[int(row.get("r", "0"))] = row
        for c in row.iterfind(f"{_M}c"):
            key = _split(c.get("r", ""))
            cells[key] = c
            f = c.find(f"{_M}f")
            if f is not None and f.get("t") == "array" and f.get("ref"):
                arrays.append(_bounds(f.get("ref", "")))
    written = 0
    for ref, value in values.items():
        key = _split(ref)
        c = cells.get(key)
        in_array = any(r0 <= key[0] <= r1 and c0 <= key[1] <= c1 for r0, c0, r1, c1 in arrays)
        if c is None and in_array:
            c = _new_cell(sheet_data, rows, key, ref)
            cells[key] = c
        if c is None or (c.find(f"{_M}f") is None and not in_array):
            raise PackageError(f"{sheet}!{ref} is not a formula cell: no cached value is written there")
        _set_value(c, value)
        written += value is not None
    missing = []
    for _, c in sorted(cells.items()):
        if c.find(f"{_M}f") is None:
            continue
        v = c.find(f"{_M}v")
        if v is not None and not v.text and c.get("t") != "str":
            c.remove(v)  # an empty <v> (openpyxl writes one) is no value: say so by having none
            v = None
        if v is None:
            missing.append(c.get("r", ""))
    out = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return out, written, missing


def _new_cell(sheet_data: etree._Element, rows: dict[int, etree._Element], key: tuple[int, int],
              ref: str) -> etree._Element:
    """A cell element for ``ref`` in its row (made when missing), in column order."""
    r, col = key
    prefix = sheet_data.prefix
    nsmap = {prefix: _NS} if prefix else None
    row = rows.get(r)
    if row is None:
        row = etree.Element(f"{_M}row", nsmap=nsmap)
        row.set("r", str(r))
        later = [k for k in rows if k > r]
        if later:
            rows[min(later)].addprevious(row)
        else:
            sheet_data.append(row)
        rows[r] = row
    c = etree.Element(f"{_M}c", nsmap=nsmap)
    c.set("r", ref)
    after = [x for x in row.iterfind(f"{_M}c") if _split(x.get("r", ""))[1] > col]
    if after:
        after[0].addprevious(c)
    else:
        row.append(c)
    return c


def apply_cached_values(package: bytes, values: Mapping[str, Mapping[str, CellValue]],
                        name: str = "workbook") -> tuple[bytes, CachedValues]:
    """The package with the cached values written, and what was written."""
    try:
        z = zipfile.ZipFile(io.BytesIO(package))
    except zipfile.BadZipFile:
        raise PackageError(f"{name} is not a workbook package (not a zip file)") from None
    with z:
        parts = _sheet_parts(z)
        unknown = sorted(set(values) - set(parts))
        if unknown:
            raise PackageError(f"{name} has no worksheet named {', '.join(unknown)}")
        edited: dict[str, bytes] = {}
        written, missing = 0, []
        for sheet, cells in values.items():
            data, n, left = edit_sheet(z.read(parts[sheet]), parts[sheet], sheet, cells)
            edited[parts[sheet]] = data
            written += n
            missing += [(sheet, ref) for ref in left]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for info in z.infolist():
                zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                zi.compress_type = info.compress_type
                zi.external_attr = info.external_attr
                zi.create_system = info.create_system
                dst.writestr(zi, edited.get(info.filename, z.read(info.filename)))
    return out.getvalue(), CachedValues(written, tuple(missing))


def write_cached_values(path: str | Path, values: Mapping[str, Mapping[str, CellValue]]) -> CachedValues:
    """Write the cached values into the workbook at ``path`` (replaced atomically: a
    failure leaves the file as it was)."""
    target = Path(path)
    data, report = apply_cached_values(target.read_bytes(), values, target.name)
    write_bytes_atomic(target, data)
    return report


def formula_cells(package: bytes) -> dict[str, list[str]]:
    """Every formula cell of every worksheet, by sheet name (what a caller must give a
    value for to leave no cell blank in a preview)."""
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        out: dict[str, list[str]] = {}
        for sheet, part in _sheet_parts(z).items():
            root = parse(z.read(part), part)
            out[sheet] = [c.get("r", "") for c in root.iter(f"{_M}c") if c.find(f"{_M}f") is not None]
    return out
