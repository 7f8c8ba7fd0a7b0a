"""Read an Office Open XML package (.xlsx/.xlsm/.xlam) part by part, and write it back
changing only the parts we mean to change.

Re-saving a workbook through openpyxl drops what openpyxl does not model (shapes, images
without Pillow, slicers, sparklines, x14 extensions, ...). A headless refresh must keep all
of that, so it edits the Market sheet's XML and copies every other member of the zip byte
for byte.

A received file is not trusted: :mod:`.zipread` checks what the file is, its member names
and sizes before anything is inflated; parts are inflated only when asked for (the
compressed file is what stays in memory), parsed by :mod:`.xmlparse` (lxml, entities and
network off), and cells are streamed, so memory follows one part, not the workbook.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from perphedge.atomicfile import write_with
from perphedge.ooxml import zipread
from perphedge.ooxml.errors import PackageError, StrictOpenXml
from perphedge.ooxml.xmlparse import iterparse, parse
from perphedge.ooxml.zipread import MAX_PART_BYTES, MAX_UNPACKED_BYTES

__all__ = ["MAX_PART_BYTES", "MAX_UNPACKED_BYTES", "PackageError", "Package", "Cell",
           "Relationship", "SheetRef", "TableRef", "StrictOpenXml"]

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_OFFICE_DOCUMENT = NS_REL + "/officeDocument"
REL_WORKSHEET = NS_REL + "/worksheet"
REL_TABLE = NS_REL + "/table"
REL_SHARED_STRINGS = NS_REL + "/sharedStrings"
REL_EXTERNAL_LINK = NS_REL + "/externalLink"
REL_UI = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
REL_UI_2010 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"

#: Strict Open XML (ISO 29500 strict) names the workbook relationship in this namespace.
NS_STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"

_M = f"{{{NS_MAIN}}}"
#: Parts smaller than this are kept once inflated (they are read again and again).
_CACHE_BYTES = 4 << 20


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str          # resolved part name (no leading slash) unless external
    external: bool


@dataclass(frozen=True)
class SheetRef:
    name: str
    part: str            # e.g. xl/worksheets/sheet2.xml
    state: str           # visible / hidden / veryHidden


@dataclass(frozen=True)
class TableRef:
    name: str
    display_name: str
    sheet: SheetRef
    part: str
    ref: str
    header_rows: int
    totals_rows: int
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    ref: str
    row: int
    col: int
    type: str            # n, s, str, inlineStr, b, e, d
    value: object        # decoded: float, str, bool, error text, or None
    formula: str | None  # "" for a cell sharing the formula of another (see shared)
    style: str | None
    shared: str | None = None   # shared-formula group id: the first cell holds the text


def rels_part(part: str) -> str:
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


def col_letter(col: int) -> str:
    s = ""
    while col:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return s


def split_ref(ref: str) -> tuple[int, int]:
    """``"AB12"`` -> (row 12, column 28); ``$`` signs allowed."""
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", ref)
    if not m:
        raise PackageError(f"not a cell reference: {ref!r}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def range_bounds(ref: str) -> tuple[int, int, int, int]:
    """``"A1:Q5"`` -> (first_row, first_col, last_row, last_col)."""
    a, _, b = ref.partition(":")
    r1, c1 = split_ref(a)
    r2, c2 = split_ref(b or a)
    return r1, c1, r2, c2


class Parts(MutableMapping[str, bytes]):
    """Part name -> bytes, inflated from the package's zip when asked for. Parts written
    (or small ones read) are held; large ones are inflated again on each read."""

    def __init__(self, z: zipfile.ZipFile | None, infos: list[zipfile.ZipInfo], name: str,
                 held: dict[str, bytes] | None = None) -> None:
        self._zip = z
        self._name = name
        self._infos = {i.filename: i for i in infos}
        self._held: dict[str, bytes] = dict(held or {})
        self._gone: set[str] = set()
        self._order = [i.filename for i in infos if i.filename not in self._held] + \
            list(self._held)

    def __getitem__(self, part: str) -> bytes:
        if part in self._held:
            return self._held[part]
        if part in self._gone or part not in self._infos or self._zip is None:
            raise KeyError(part)
        data = zipread.read_member(self._zip, self._infos[part], self._name)
        if len(data) <= _CACHE_BYTES:
            self._held[part] = data
        return data

    def stream(self, part: str):
        """The part as a stream, never held whole (for worksheets)."""
        import io

        if part in self._held:
            return io.BytesIO(self._held[part])
        if part in self._gone or part not in self._infos or self._zip is None:
            raise KeyError(part)
        return zipread.open_member(self._zip, self._infos[part], self._name)

    def size(self, part: str) -> int:
        if part in self._held:
            return len(self._held[part])
        return self._infos[part].file_size

    def __setitem__(self, part: str, data: bytes) -> None:
        if part not in self:
            self._order.append(part)
        self._gone.discard(part)
        self._held[part] = data

    def __delitem__(self, part: str) -> None:
        if part not in self:
            raise KeyError(part)
        self._held.pop(part, None)
        self._gone.add(part)
        self._order.remove(part)

    def __contains__(self, part: object) -> bool:
        return isinstance(part, str) and part not in self._gone and (
            part in self._held or part in self._infos)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)


class Package:
    """An OOXML zip: members in their original order and metadata, parts inflated on
    demand (see :class:`Parts`)."""

    def __init__(self, infos: list[zipfile.ZipInfo], data: dict[str, bytes] | Parts) -> None:
        self.infos = infos
        self.data: MutableMapping[str, bytes] = data if isinstance(data, Parts) else \
            Parts(None, [], "workbook", data)
        self._sst: list[str] | None = None

    @classmethod
    def read(cls, path: str | Path, *, data: bytes | None = None) -> Package:
        """Read the workbook at ``path``, or from ``data`` (its bytes, already read) when
        given: a caller that must keep exactly what it read reads the file once."""
        if data is None:
            try:
                data = Path(path).read_bytes()
            except OSError as e:
                raise PackageError(f"{path} cannot be read: {e.strerror or e}") from e
            except MemoryError:
                raise PackageError(f"{path} is too large to read") from None
        z, infos = zipread.open_zip(data, str(path))
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names:
            raise PackageError(f"{path} is not an Excel workbook: no [Content_Types].xml")
        return cls(infos, Parts(z, infos, str(path)))

    def stream(self, part: str):
        """The part as a byte stream (worksheets are read this way, never whole)."""
        if isinstance(self.data, Parts):
            try:
                return self.data.stream(part)
            except KeyError:
                raise PackageError(f"part {part} is missing") from None
        raise PackageError(f"part {part} is missing")

    # ---- reading ---------------------------------------------------------------------
    def xml(self, part: str) -> etree._Element:
        try:
            data = self.data[part]
        except KeyError:
            raise PackageError(f"part {part} is missing") from None
        return parse(data, part)

    def has(self, part: str) -> bool:
        return part in self.data

    def relationships(self, part: str | None) -> list[Relationship]:
        """Relationships of ``part`` (None: the package-level ``_rels/.rels``)."""
        rp = "_rels/.rels" if part is None else rels_part(part)
        if rp not in self.data:
            return []
        base = "" if part is None else posixpath.dirname(part)
        out = []
        for r in self.xml(rp):
            if not isinstance(r.tag, str):   # comments, processing instructions
                continue
            external = r.get("TargetMode") == "External"
            target = r.get("Target", "")
            if not external:
                target = (target[1:] if target.startswith("/")
                          else posixpath.normpath(posixpath.join(base, target)))
            out.append(Relationship(r.get("Id", ""), r.get("Type", ""), target, external))
        return out

    def workbook_part(self) -> str:
        rels = self.relationships(None)
        for r in rels:
            if r.type == REL_OFFICE_DOCUMENT:
                return r.target
        if any(r.type.startswith(NS_STRICT_REL) for r in rels):
            raise StrictOpenXml(
                "the workbook is saved as Strict Open XML, which this program does not read: "
                "open it in Excel and save it as an ordinary Excel Workbook (.xlsx)")
        raise PackageError("no workbook part in the package")

    def sheets(self) -> list[SheetRef]:
        wb = self.workbook_part()
        rels = {r.id: r for r in self.relationships(wb)}
        out = []
        for s in self.xml(wb).iter(_M + "sheet"):
            rid = s.get(f"{{{NS_REL}}}id")
            rel = rels.get(rid)
            if rel is None:
                continue
            out.append(SheetRef(s.get("name", ""), rel.target, s.get("state", "visible")))
        return out

    def sheet(self, name: str) -> SheetRef:
        for s in self.sheets():
            if s.name == name:
                return s
        raise PackageError(f"no sheet named {name!r}")

    def shared_strings(self) -> list[str]:
        if self._sst is None:
            wb = self.workbook_part()
            part = next((r.target for r in self.relationships(wb)
                         if r.type == REL_SHARED_STRINGS), None)
            self._sst = []
            if part and part in self.data:
                for si in self.xml(part).iter(_M + "si"):
                    self._sst.append(_text_of(si))
        return self._sst

    def cells(self, sheet_part: str) -> Iterator[Cell]:
        """The sheet's cells in document order, streamed: one ``<c>`` at a time is held."""
        sst: list[str] | None = None
        with self.stream(sheet_part) as f:
            for _, c in iterparse(f, sheet_part, tag=_M + "c"):
                ref = c.get("r")
                if not ref:
                    c.clear(keep_tail=False)
                    continue
                row, col = split_ref(ref)
                t = c.get("t", "n")
                f_el = c.find(_M + "f")
                v = c.find(_M + "v")
                raw = v.text if v is not None else None
                value: object = None
                if t == "s" and raw is not None:
                    sst = sst if sst is not None else self.shared_strings()
                    try:
                        i = int(raw)
                    except ValueError:
                        raise ValueError(f"cell {ref} of {sheet_part} names shared string "
                                         f"{raw!r}, not a number") from None
                    value = sst[i] if 0 <= i < len(sst) else None
                elif t == "inlineStr":
                    is_ = c.find(_M + "is")
                    value = _text_of(is_) if is_ is not None else None
                elif t == "b" and raw is not None:
                    value = raw.strip() in ("1", "true")
                elif t in ("str", "e", "d"):
                    value = raw
                elif raw is not None:
                    try:
                        value = float(raw)
                    except ValueError:
                        value = raw
                formula = None
                shared = None
                if f_el is not None:
                    formula = f_el.text or ""
                    if f_el.get("t") == "shared":
                        shared = f_el.get("si")
                style = c.get("s")
                c.clear(keep_tail=False)
                # the row keeps finished cells as children unless they are dropped
                _drop_done(c)
                yield Cell(ref, row, col, t, value, formula, style, shared)

    def tables(self) -> list[TableRef]:
        out = []
        for sheet in self.sheets():
            for r in self.relationships(sheet.part):
                if r.type != REL_TABLE or r.external or r.target not in self.data:
                    continue
                t = self.xml(r.target)
                cols = tuple(tc.get("name", "") for tc in t.iter(_M + "tableColumn"))
                out.append(TableRef(
                    name=t.get("name", ""), display_name=t.get("displayName", ""),
                    sheet=sheet, part=r.target, ref=t.get("ref", ""),
                    header_rows=int(t.get("headerRowCount", "1")),
                    totals_rows=int(t.get("totalsRowCount", "0")), columns=cols))
        return out

    def table(self, name: str) -> TableRef:
        for t in self.tables():
            if name.lower() in (t.name.lower(), t.display_name.lower()):
                return t
        raise PackageError(f"no Excel table named {name!r} in the workbook")

    def defined_names(self) -> dict[str, str]:
        out = {}
        for dn in self.xml(self.workbook_part()).iter(_M + "definedName"):
            key = dn.get("name", "")
            if dn.get("localSheetId") is not None:
                key = f"{key}[{dn.get('localSheetId')}]"
            out[key] = dn.text or ""
        return out

    # ---- writing ---------------------------------------------------------------------
    def replace(self, part: str, data: bytes) -> None:
        if part not in self.data:
            self.infos.append(zipfile.ZipInfo(part, date_time=(1980, 1, 1, 0, 0, 0)))
        self.data[part] = data
        if part.endswith("sharedStrings.xml"):
            self._sst = None

    def remove(self, part: str) -> None:
        self.data.pop(part, None)
        self.infos = [i for i in self.infos if i.filename != part]

    def to_bytes_into(self, fileobj) -> None:
        with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED) as z:
            for info in self.infos:
                zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = info.external_attr
                z.writestr(zi, self.data[info.filename])

    def save(self, path: str | Path, *, follow_symlinks: bool = True) -> None:
        """Write atomically (see :mod:`perphedge.atomicfile`): a failure leaves ``path``
        as it was. ``follow_symlinks=False`` refuses a ``path`` that is a link or not a
        regular file."""
        write_with(path, self.to_bytes_into, follow_symlinks=follow_symlinks)


def _drop_done(el: etree._Element) -> None:
    """Remove the elements before ``el`` and before its parent (cells and rows already
    streamed), so a streamed sheet holds one row, not all of them."""
    while el is not None:
        parent = el.getparent()
        if parent is None:
            return
        while el.getprevious() is not None:
            del parent[0]
        el = parent


def _text_of(el: etree._Element) -> str:
    # Rich text: the visible text is every <t> outside phonetic runs (<rPh>).
    parts = []
    for child in el:
        tag = child.tag
        if tag == _M + "t":
            parts.append(child.text or "")
        elif tag == _M + "r":
            t = child.find(_M + "t")
            parts.append(t.text or "" if t is not None else "")
    return "".join(parts)
