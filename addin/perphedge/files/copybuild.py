"""Build a shared copy of a workbook from the allow-list (:mod:`perphedge.files.allowlist`),
or, with no output, only say what the copy would leave out: ``share`` writes with it and
``check`` reports with it, so the two can never disagree.

The copy is assembled part by part: the workbook, worksheets and drawings are rewritten
as trees (lxml, prefixes kept), worksheets streamed row by row so memory follows one row;
styles, theme, pictures, charts and tables nobody needs to change are copied byte for
byte; shared strings, comments, the notes' drawings, relationships, content types and the
document properties are written anew from what was kept. Whatever is not written is
listed.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import IO

from lxml import etree

from perphedge import ooxml
from perphedge.core.conventions import ERROR_PREFIX
from perphedge.files import allowlist as al
from perphedge.ooxml import NS_MAIN, NS_PKG_REL, NS_REL, Package, split_ref
from perphedge.ooxml.sharedformulas import translate
from perphedge.ooxml.vml import VML_HEAD, note_shape
from perphedge.ooxml.xmlparse import iterparse

M = f"{{{NS_MAIN}}}"
R = f"{{{NS_REL}}}"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NOTE_AUTHOR = "perphedge share"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_MAIN_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
CT_APP = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
_MACRO_RELS = ("vbaProject", "xlMacrosheet", "xlIntlMacrosheet", "dialogsheet")

#: Worksheet children in the order ECMA-376 gives them; those marked True are kept.
_SHEET_CHILDREN = (
    ("sheetPr", True), ("dimension", True), ("sheetViews", True), ("sheetFormatPr", True),
    ("cols", True), ("sheetData", True), ("sheetCalcPr", True), ("sheetProtection", True),
    ("protectedRanges", True), ("scenarios", True), ("autoFilter", True), ("sortState", True),
    ("dataConsolidate", True), ("customSheetViews", False), ("mergeCells", True),
    ("phoneticPr", True), ("conditionalFormatting", True), ("dataValidations", True),
    ("hyperlinks", True), ("printOptions", True), ("pageMargins", True), ("pageSetup", True),
    ("headerFooter", True), ("rowBreaks", True), ("colBreaks", True),
    ("customProperties", False), ("cellWatches", False), ("ignoredErrors", True),
    ("smartTags", False), ("drawing", True), ("legacyDrawing", True),
    ("legacyDrawingHF", False), ("drawingHF", False), ("picture", False),
    ("oleObjects", False), ("controls", False), ("webPublishItems", False),
    ("tableParts", True), ("extLst", False))
_ORDER = {n: i for i, (n, _) in enumerate(_SHEET_CHILDREN)}
_SHEET_KEEP = {n for n, k in _SHEET_CHILDREN if k}
#: The elements a worksheet is streamed by (see CopyBuilder._sheet_stream).
_SHEET_EVENT_TAGS = tuple(M + n for n in ("worksheet", "row", *_ORDER))
_C, _V, _F, _IS, _T = M + "c", M + "v", M + "f", M + "is", M + "t"
_WORKBOOK_KEEP = {"fileVersion", "workbookPr", "workbookProtection", "bookViews", "sheets",
                  "definedNames", "calcPr"}
_CHARTSHEET_KEEP = {"sheetPr", "sheetViews", "sheetProtection", "pageMargins", "pageSetup",
                    "headerFooter", "drawing"}


class CopyError(ooxml.PackageError):
    """The workbook is laid out so that no safe copy can be made of it."""


@dataclass(frozen=True)
class Removal:
    """One thing the copy leaves out or changes. ``kind``: part, sheet, hidden-sheet,
    config-sheet, macros, external-link, name, addin-formula, formula, no-value, element."""

    kind: str
    where: str
    detail: str


@dataclass
class Built:
    removals: list[Removal] = field(default_factory=list)
    formulas_replaced: int = 0
    sheets_removed: list[str] = field(default_factory=list)
    links_removed: int = 0
    error_cells: list[tuple[str, str]] = field(default_factory=list)
    #: removed without a finding: Excel rebuilds it when the copy opens
    rebuilt_by_excel: list[str] = field(default_factory=list)

    def add(self, kind: str, where: str, detail: str) -> None:
        self.removals.append(Removal(kind, where, detail))


def _local(el: etree._Element) -> str:
    # called for every element of every part: string slicing, not a QName object per call
    tag = el.tag
    return tag[tag.rfind("}") + 1:] if isinstance(tag, str) else ""


#: Encodings in which '#' is the byte 0x23 (UTF-16's is 0x23 0x00): a part in another one
#: has every text read.
_HASH_SAFE = {"UTF-8", "UTF8", "US-ASCII", "ASCII", "UTF-16", "UTF-16LE", "UTF-16BE",
              "ISO-8859-1", "LATIN1", "WINDOWS-1252"}


class _HashWatch:
    """A part's byte stream that notes whether a '#' has gone by. The parser reads ahead of
    the row it hands over, so while none has, no text of that row can start an error text
    of ours — a literal '#', a character reference (``&#35;``) and UTF-16's '#' all carry
    the byte, and entities are not expanded (``xmlparse``)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.seen = False

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        if not self.seen and b"#" in data:
            self.seen = True
        return data


def _inline_text(c: etree._Element) -> str:
    """An inline-string cell's text (its runs joined; phonetic runs included, as Excel's
    own cell text is not what this is for: telling an error text of ours)."""
    inline = c[0] if len(c) == 1 else c.find(_IS)
    if inline is None or inline.tag != _IS:
        return ""
    return "".join(inline.itertext())


def _detached(el: etree._Element) -> etree._Element:
    """``el`` on its own, declaring only its own namespace and those of its own attributes:
    lxml's writer would otherwise repeat every declaration in scope on each row it writes.
    A descendant in another namespace keeps its prefix, declared where it stands (lxml
    does that when the children move); checking every descendant here would cost more
    than the rest of a large sheet's copy."""
    tag = el.tag
    used: dict[str | None, str] = {el.prefix: tag[1:tag.index("}")]} if tag[0] == "{" else {}
    for a in el.attrib:
        if a[0] == "{":
            ans = a[1:a.index("}")]
            p = next((p for p, u in el.nsmap.items() if u == ans and p), None)
            if p:
                used[p] = ans
    new = etree.Element(tag, attrib=dict(el.attrib), nsmap=used)
    new.text = el.text
    new.extend(list(el))
    return new


class _Sink:
    """Where the copy's parts go: a zip, or nowhere (a survey for ``check``). Parts put
    while a streamed part is being written are written after it (a zip takes one member
    at a time)."""

    def __init__(self, z: zipfile.ZipFile | None) -> None:
        self.z = z
        self.written: dict[str, str | None] = {}   # part -> content type (None: by Default)
        self._streaming = False
        self._pending: list[tuple[str, bytes]] = []

    def put(self, part: str, data: bytes, ctype: str | None) -> None:
        self.written[part] = ctype
        if self.z is None:
            return
        if self._streaming:
            self._pending.append((part, data))
        else:
            self._write(part, data)

    def _write(self, part: str, data: bytes) -> None:
        assert self.z is not None
        self.z.writestr(zipfile.ZipInfo(part, date_time=(1980, 1, 1, 0, 0, 0)), data,
                        compress_type=zipfile.ZIP_DEFLATED)

    @contextmanager
    def stream(self, part: str, ctype: str | None) -> Iterator[IO[bytes] | None]:
        self.written[part] = ctype
        if self.z is None:
            yield None
            return
        zi = zipfile.ZipInfo(part, date_time=(1980, 1, 1, 0, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        self._streaming = True
        try:
            with self.z.open(zi, "w", force_zip64=True) as f:
                yield f
        finally:
            self._streaming = False
        for name, data in self._pending:
            self._write(name, data)
        self._pending.clear()


class _Types:
    def __init__(self, pkg: Package) -> None:
        root = pkg.xml("[Content_Types].xml")
        self.defaults = {d.get("Extension", "").lower(): d.get("ContentType", "")
                         for d in root if _local(d) == "Default"}
        self.overrides = {o.get("PartName", "").lstrip("/").lower(): o.get("ContentType", "")
                          for o in root if _local(o) == "Override"}

    def of(self, part: str) -> str:
        return self.overrides.get(part.lower()) or self.defaults.get(
            posixpath.splitext(part)[1].lstrip(".").lower(), "application/octet-stream")


@dataclass(frozen=True)
class _Sheet:
    index: int
    name: str
    part: str
    rel: ooxml.Relationship
    state: str


class CopyBuilder:
    """One build of one copy (see the module's docs)."""

    def __init__(self, pkg: Package, z: zipfile.ZipFile | None, *,
                 stamp: Callable[[], str] | None = None) -> None:
        self.pkg = pkg
        self.out = _Sink(z)
        self.built = Built()
        self.types = _Types(pkg)
        self.stamp = stamp
        self.sst_old: list[etree._Element] | None = None
        self.sst_map: dict[int, int] = {}
        self._sst_seen: dict[str, tuple[str, str | None]] = {}
        self._sst_error_text: dict[int, str] = {}

    # ------------------------------------------------------------------ the whole copy
    def build(self) -> Built:
        pkg = self.pkg
        wb = pkg.workbook_part()
        self.wb = wb
        root = pkg.xml(wb)
        rels = {r.id: r for r in pkg.relationships(wb)}
        sheets_el = root.find(M + "sheets")
        all_sheets: list[_Sheet] = []
        for i, s in enumerate(sheets_el if sheets_el is not None else []):
            if _local(s) != "sheet":
                continue
            rel = rels.get(s.get(R + "id", ""))
            if rel is None:
                continue
            all_sheets.append(_Sheet(i, s.get("name", ""), rel.target, rel, s.get("state", "visible")))
        kept = [s for s in all_sheets if self._keep_sheet(s)]
        self.kept = kept
        sheet_names = frozenset(s.name.lower() for s in kept)
        tables = self._tables(kept)
        names = self._names(root, all_sheets)
        self.scope, removed = al.close_names(names, sheet_names, frozenset(tables))
        for key, v in removed.items():
            kind = "addin-formula" if v.kind == "addin-formula" else \
                "external-link" if v.kind == "external-link" else "name"
            self.built.add(kind, f"name {key}", "the defined name is left out: " + "; ".join(v.reasons))
        self.kept_names = {n.key for n in names} - set(removed)

        for s in kept:
            if s.rel.type == al.REL_WORKSHEET:
                self._worksheet(s, tables)
            else:
                self._chartsheet(s)
        wb_rels = self._workbook(root, all_sheets, kept, rels)
        self._rels(wb, wb_rels)
        self._package_rels()
        self._dropped_parts()
        self._content_types()
        return self.built

    def _keep_sheet(self, s: _Sheet) -> bool:
        b = self.built
        if s.rel.external or s.part not in self.pkg.data:
            b.add("sheet", s.name, "the sheet's part is missing or outside the file")
        elif any(s.rel.type.endswith("/" + m) for m in _MACRO_RELS):
            b.add("macros", f"macro sheet {s.name}", "an Excel 4 macro or dialog sheet runs code")
        elif al.is_config_sheet(s.name):
            b.add("config-sheet", s.name, "this sheet configures the add-in (interpreter, "
                  "Python path, modules) for whoever opens the workbook")
        elif s.state in ("hidden", "veryHidden"):
            b.add("hidden-sheet", s.name, f"a {s.state} sheet is left out of a shared copy: its "
                  "sender cannot see what it would send")
        elif s.rel.type not in (al.REL_WORKSHEET, al.REL_CHARTSHEET):
            b.add("sheet", s.name, f"a sheet of type {s.rel.type.rsplit('/', 1)[-1]}")
        else:
            return True
        b.sheets_removed.append(s.name)
        return False

    def _tables(self, kept: list[_Sheet]) -> dict[str, str]:
        out = {}
        for s in kept:
            for r in self.pkg.relationships(s.part):
                if r.type == al.REL_TABLE and not r.external and r.target in self.pkg.data:
                    t = self.pkg.xml(r.target)
                    for n in (t.get("name"), t.get("displayName")):
                        if n:
                            out[n.upper()] = r.target
        return out

    def _names(self, root: etree._Element, all_sheets: list[_Sheet]) -> list[al.DefinedName]:
        by_index = {i: s.name for i, s in enumerate(all_sheets)}
        out = []
        dn = root.find(M + "definedNames")
        for d in dn if dn is not None else []:
            if _local(d) != "definedName":
                continue
            local = d.get("localSheetId")
            sheet = by_index.get(int(local), "?") if local is not None and local.isdigit() else None
            out.append(al.DefinedName(d.get("name", ""), sheet, d.text or ""))
        return out

    # ------------------------------------------------------------------ worksheets
    def _verdict(self, text: str, sheet: str, cache: dict[str, al.Verdict]) -> al.Verdict:
        v = cache.get(text)
        if v is None:
            v = cache[text] = al.judge(text, self.scope, sheet)
        return v

    def _masters(self, part: str) -> dict[str, tuple[str, str]]:
        """Shared-formula groups' first cells (a master may come after its dependents)."""
        out = {}
        with self.pkg.stream(part) as f:
            for _, el in iterparse(f, part, tag=M + "f"):
                if el.get("t") == "shared" and el.get("ref") and (el.text or "").strip():
                    c = el.getparent()
                    out[el.get("si", "")] = (c.get("r", "") if c is not None else "", el.text or "")
                el.clear(keep_tail=False)
        return out

    def _worksheet(self, s: _Sheet, tables: dict[str, str]) -> None:
        pkg = self.pkg
        rels = {r.id: r for r in pkg.relationships(s.part)}
        new_rels: list[tuple[str, str, str, bool]] = []    # id, type, target, external
        notes = self._existing_notes(s, rels)
        masters: dict[str, tuple[str, str]] = {}
        self._masters_of = lambda: self._masters(s.part)
        cache: dict[str, al.Verdict] = {}
        with ExitStack() as outer:
            sink = outer.enter_context(self.out.stream(s.part, self.types.of(s.part)))
            self._sheet_stream(s, sink, rels, new_rels, tables, masters, cache, notes)
        if notes:
            self._notes(s, notes, new_rels)
        self._rels(s.part, new_rels)

    def _sheet_stream(self, s, sink, rels, new_rels, tables, masters, cache, notes) -> None:
        pkg = self.pkg
        legacy_written = False
        stack = ExitStack()
        xf = stack.enter_context(etree.xmlfile(sink, encoding="UTF-8")) if sink is not None else None
        try:
            if xf is not None:
                xf.write_declaration(standalone=True)
            data_ctx = None
            root = None
            source = _HashWatch(stack.enter_context(pkg.stream(s.part)))
            # Events only for the worksheet, its known children and rows: a row's cells are
            # built by lxml without a Python event each (most of the time on a large sheet).
            # Anything else at the top is swept up, and reported, when the worksheet ends.
            for ev, el in iterparse(source, s.part, tag=_SHEET_EVENT_TAGS, events=("start", "end")):
                if ev == "start":
                    if root is None:
                        if el.getparent() is not None or el.tag != M + "worksheet":
                            raise CopyError(f"part {s.part} is not a worksheet")
                        root = el
                        if (el.getroottree().docinfo.encoding or "UTF-8").upper() not in _HASH_SAFE:
                            source.seen = True   # '#' may be another byte: read every text
                        if xf is not None:
                            stack.enter_context(xf.element(el.tag, dict(el.attrib), nsmap=el.nsmap))
                    elif el.tag == M + "sheetData" and el.getparent() is root and xf is not None:
                        data_ctx = xf.element(el.tag, dict(el.attrib))
                        data_ctx.__enter__()
                    continue
                parent = el.getparent()
                if el is root:
                    for left in list(root):   # top-level elements outside the known children
                        self._sheet_child(left, s, rels, new_rels, tables)
                        root.remove(left)
                    if notes and not legacy_written:
                        self._legacy(xf, el, new_rels)
                        legacy_written = True
                elif el.tag == M + "row":
                    if parent is None or parent.tag != M + "sheetData" or parent.getparent() is not root:
                        continue   # not a row of the sheet's data: left to its own top-level element
                    self._row(el, s, masters, cache, notes, source.seen)
                    if xf is not None:
                        xf.write(_detached(el))
                    el.clear(keep_tail=False)
                    parent.remove(el)
                elif parent is root:
                    name = _local(el)
                    if name == "sheetData":
                        if data_ctx is not None:
                            data_ctx.__exit__(None, None, None)
                    else:
                        if notes and not legacy_written and _ORDER.get(name, 99) > _ORDER["legacyDrawing"]:
                            self._legacy(xf, el, new_rels)
                            legacy_written = True
                        keep = self._sheet_child(el, s, rels, new_rels, tables)
                        if keep is not None and xf is not None:
                            xf.write(_detached(keep))
                    parent.remove(el)
        except BaseException:
            try:   # the writer's own complaint about the unfinished part must not hide why
                stack.close()
            except Exception:
                pass
            raise
        stack.close()

    def _row(self, row: etree._Element, s: _Sheet, masters, cache, notes: dict[str, str],
             texts_may_err: bool) -> None:
        # Most cells of a large sheet are plain numbers and texts: a cell costs one attribute
        # look-up, and texts are read only once the part's bytes have shown a '#' at all
        # (an error text of ours starts with one; see _HashWatch).
        for c in row:
            t = c.get("t")
            if t is None or t == "n" or t == "b" or c.tag != _C:
                continue
            if t == "s":
                v = c.find(_V)
                if v is not None:
                    v.text, error = self._string(v.text or "")
                    if error is not None:
                        self.built.error_cells.append((f"{s.name}!{c.get('r', '')}", error))
            elif t == "e":   # an error value, whatever its text
                v = c.find(_V)
                if v is not None:
                    self.built.error_cells.append((f"{s.name}!{c.get('r', '')}", v.text or ""))
            elif texts_may_err and t in ("str", "inlineStr"):
                # the text a function of ours returns for an error
                if t == "inlineStr":
                    shown = _inline_text(c)
                else:
                    v = c.find(_V)
                    shown = (v.text or "") if v is not None else ""
                if shown.startswith(ERROR_PREFIX):
                    self.built.error_cells.append((f"{s.name}!{c.get('r', '')}", shown))
        for f in list(row.iter(_F)):   # found in C: only the formulas (listed: cells change)
            c = f.getparent()
            if c is not None and c.tag == _C and c.getparent() is row and c.find(_F) is f:
                self._formula(c, f, s, masters, cache, notes)

    def _formula(self, c: etree._Element, f: etree._Element, s: _Sheet, masters, cache,
                 notes: dict[str, str]) -> None:
        t = c.get("t", "n")
        v = c.find(_V)
        text = f.text or ""
        ref = c.get("r", "")
        if f.get("t") == "shared":
            si = f.get("si", "")
            if f.get("ref") and text.strip():
                masters[si] = (ref, text)
            elif si not in masters:   # its first cell comes later in the sheet
                masters.update(self._masters_of())
            if si in masters:
                origin, master = masters[si]
                verdict = self._verdict(master, s.name, cache)
                if not verdict.allowed and not text and origin != ref:
                    try:
                        text = translate(master, origin, ref)
                    except Exception:   # openpyxl's translator gives up: say the master's
                        text = master
                elif not text:
                    text = master
            else:
                verdict = self._verdict(text, s.name, cache)
        elif f.get("t") == "dataTable":
            return
        else:
            verdict = self._verdict(text, s.name, cache)
        if verdict.allowed:
            return
        self._to_value(c, f, v, t)
        shown = text.replace("_xludf.", "").replace("_xlfn.", "")
        what = "; ".join(verdict.reasons)
        note = f"Was ={shown} — replaced by its last calculated value for sharing ({what})."
        where = f"{s.name}!{ref}"
        if v is None or (not (v.text or "") and t != "str"):
            note += " No calculated value was saved with the workbook."
            self.built.add("no-value", where, f"={shown} has no saved value: the copy's "
                           "cell is empty (the formula is in its note)")
        self.built.add(verdict.kind, where, f"{what} (={shown})")
        self.built.formulas_replaced += 1
        notes[ref] = (notes[ref] + "\n" + note) if ref in notes else note

    def _to_value(self, c, f, v, t: str) -> None:
        c.remove(f)
        for a in ("cm", "vm"):
            c.attrib.pop(a, None)
        if v is None or (not (v.text or "") and t != "str"):
            c.attrib.pop("t", None)
            if v is not None:
                c.remove(v)
            return
        if t == "str":   # a formula's text result stays text (never a formula again)
            text = v.text or ""
            c.remove(v)
            c.set("t", "inlineStr")
            is_ = etree.SubElement(c, M + "is")
            tt = etree.SubElement(is_, M + "t")
            tt.text = text
            tt.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")

    def _string(self, raw: str) -> tuple[str, str | None]:
        """The copy's index (as cell text) of the shared string a cell names as ``raw``,
        and that string if it is an error text of ours (else None)."""
        hit = self._sst_seen.get(raw)
        if hit is not None:
            return hit
        if self.sst_old is None:
            self.sst_old = self._load_sst()
            self._sst_error_text = {i: text for i, si in enumerate(self.sst_old)
                                    if (text := "".join(si.itertext())).startswith(ERROR_PREFIX)}
        try:
            old = int(raw)
        except ValueError:
            raise CopyError(f"a cell names shared string {raw!r}, not a number") from None
        if not 0 <= old < len(self.sst_old):
            raise CopyError(f"a cell names shared string {old}, which the workbook does not have")
        hit = (str(self.sst_map.setdefault(old, len(self.sst_map))), self._sst_error_text.get(old))
        self._sst_seen[raw] = hit
        return hit

    def _load_sst(self) -> list[etree._Element]:
        part = next((r.target for r in self.pkg.relationships(self.wb)
                     if r.type == al.REL_SHARED_STRINGS and r.target in self.pkg.data), None)
        if part is None:
            return []
        return [si for si in self.pkg.xml(part) if _local(si) == "si"]

    def _sheet_child(self, el, s: _Sheet, rels, new_rels, tables) -> etree._Element | None:
        name = _local(el)
        where = f"{s.name}"
        if name not in _SHEET_KEEP or el.tag != M + name:
            self.built.add("element", where, f"<{name}> is not carried into a shared copy "
                           "(controls, embedded objects, extensions, ...)")
            return None
        if name == "legacyDrawing":   # rebuilt from the notes' text
            return None
        if name == "sheetViews" and self.stamp is not None:
            for v in el:   # the stamp sheet is the one selected tab
                v.attrib.pop("tabSelected", None)
        if name == "pageSetup":
            el.attrib.pop(R + "id", None)   # the printer's settings part is not carried
        elif name == "conditionalFormatting":
            for rule in list(el):
                texts = [f.text or "" for f in rule.iter(M + "formula")]
                bad = [v for v in (al.judge(t, self.scope, s.name) for t in texts) if not v.allowed]
                if bad:
                    el.remove(rule)
                    self.built.add(bad[0].kind if bad[0].kind != "formula" else "element", where,
                                   "a conditional format is left out: " + "; ".join(bad[0].reasons))
            if not len(el):
                return None
        elif name == "dataValidations":
            for dv in list(el):
                texts = [x.text or "" for x in dv if _local(x) in ("formula1", "formula2")]
                bad = [v for v in (al.judge(t, self.scope, s.name) for t in texts
                                   if not _literal_list(t)) if not v.allowed]
                if bad:
                    el.remove(dv)
                    self.built.add(bad[0].kind if bad[0].kind != "formula" else "element", where,
                                   "a data validation is left out: " + "; ".join(bad[0].reasons))
            if not len(el):
                return None
            el.set("count", str(len(el)))
        elif name == "hyperlinks":
            for h in list(el):
                rid = h.get(R + "id")
                if rid is None:
                    continue
                r = rels.get(rid)
                if r is not None and r.type == al.REL_HYPERLINK and r.external and al.safe_link(r.target):
                    new_rels.append((rid, r.type, r.target, True))
                else:
                    el.remove(h)
                    self.built.add("external-link", f"{s.name}!{h.get('ref', '')}",
                                   f"a hyperlink to {r.target if r else 'a missing target'!r} is "
                                   "left out (only web and mail addresses are kept)")
            if not len(el):
                return None
        elif name == "drawing":
            r = rels.get(el.get(R + "id", ""))
            if r is None or r.external or r.type != al.REL_DRAWING or not self._drawing(r.target, s.name):
                return None
            new_rels.append((r.id, r.type, r.target, False))
        elif name == "tableParts":
            for tp in list(el):
                r = rels.get(tp.get(R + "id", ""))
                if r is None or r.external or r.type != al.REL_TABLE or r.target not in self.pkg.data:
                    el.remove(tp)
                    continue
                self._table(r.target, s.name)
                new_rels.append((r.id, r.type, r.target, False))
            if not len(el):
                return None
            el.set("count", str(len(el)))
        return el

    # ------------------------------------------------------------------ notes
    def _existing_notes(self, s: _Sheet, rels) -> dict[str, str]:
        """The sheet's comments as plain text by cell: the copy writes them again with the
        author anonymised (and the legacy drawing that shows them rebuilt)."""
        out: dict[str, str] = {}
        for r in rels.values():
            if r.type != al.REL_COMMENTS or r.external or r.target not in self.pkg.data:
                continue
            root = self.pkg.xml(r.target)
            for cm in root.iter(M + "comment"):
                text = "".join(t.text or "" for t in cm.iter(M + "t"))
                out[cm.get("ref", "")] = text
        return {k: v for k, v in out.items() if k}

    def _legacy(self, xf, before: etree._Element, new_rels) -> None:
        rid = "rIdShareNotes"
        new_rels.append((rid, al.REL_VML, "", False))   # target filled by _notes
        if xf is not None:
            el = etree.Element(M + "legacyDrawing", nsmap={before.prefix: NS_MAIN, "r": NS_REL})
            el.set(R + "id", rid)
            xf.write(el)

    def _notes(self, s: _Sheet, notes: dict[str, str], new_rels) -> None:
        n = self._counter = getattr(self, "_counter", 0) + 1
        comments = f"xl/comments/shareComments{n}.xml"
        vml = f"xl/drawings/shareNotes{n}.vml"
        root = etree.Element(M + "comments", nsmap={None: NS_MAIN})
        authors = etree.SubElement(root, M + "authors")
        etree.SubElement(authors, M + "author").text = al.ANONYMOUS_AUTHOR
        lst = etree.SubElement(root, M + "commentList")
        cells = sorted(notes, key=split_ref)
        for ref in cells:
            cm = etree.SubElement(lst, M + "comment", ref=ref, authorId="0")
            t = etree.SubElement(etree.SubElement(cm, M + "text"), M + "t")
            t.text = _xml_text(notes[ref])
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        self.out.put(comments, etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                              standalone=True), CT_COMMENTS)
        shapes = "".join(note_shape(n * 1024 + 1 + i, *split_ref(ref)) for i, ref in enumerate(cells))
        self.out.put(vml, (VML_HEAD.format(block=n) + shapes + "</xml>").encode("utf-8"), CT_VML)
        for i, (rid, typ, _, ext) in enumerate(new_rels):
            if rid == "rIdShareNotes":
                new_rels[i] = (rid, typ, vml, ext)
        new_rels.append(("rIdShareComments", al.REL_COMMENTS, comments, False))

    # ------------------------------------------------------------------ drawings, charts, tables
    def _drawing(self, part: str, sheet: str) -> bool:
        if part in self.out.written:
            return True
        if part not in self.pkg.data:
            return False
        root = self.pkg.xml(part)
        rels = {r.id: r for r in self.pkg.relationships(part)}
        keep_rels: dict[str, ooxml.Relationship] = {}
        for anchor in list(root):
            ok = isinstance(anchor.tag, str) and etree.QName(anchor).namespace == NS_XDR
            ids = [v for e in anchor.iter() if isinstance(e.tag, str)
                   for k, v in e.attrib.items() if k.startswith(R)]
            for rid in ids if ok else []:
                r = rels.get(rid)
                if r is None or r.external:
                    ok = False
                elif r.type == al.REL_IMAGE and r.target.lower().endswith(al.IMAGE_SUFFIXES):
                    keep_rels[rid] = r
                elif r.type == al.REL_CHART and self._chart(r.target, sheet):
                    keep_rels[rid] = r
                else:
                    ok = False
            if not ok:
                root.remove(anchor)
                self.built.add("element", f"{sheet} drawing", "a drawing object that is not a "
                               "picture, shape or chart of this workbook is left out")
                continue
            for e in anchor.iter():
                if isinstance(e.tag, str):
                    e.attrib.pop("macro", None)
                    if etree.QName(e).localname in ("hlinkClick", "hlinkHover"):
                        e.getparent().remove(e)
        if not len(root):
            return False
        self.out.put(part, etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                          standalone=True), self.types.of(part))
        for r in keep_rels.values():
            if r.type == al.REL_IMAGE and r.target not in self.out.written:
                self.out.put(r.target, self.pkg.data[r.target], None)
        self._rels(part, [(r.id, r.type, r.target, False) for r in keep_rels.values()])
        return True

    def _chart(self, part: str, sheet: str) -> bool:
        if part in self.out.written:
            return True
        if part not in self.pkg.data:
            return False
        root = self.pkg.xml(part)
        rels = self.pkg.relationships(part)
        why = None
        if root.find(f".//{{{NS_C}}}externalData") is not None:
            why = "it reads its data from an embedded or linked workbook"
        elif any(r.type not in al.CHART_RELS or r.external for r in rels):
            why = "it carries parts other than its style (pictures, shapes, workbooks)"
        else:
            for f in root.iter(f"{{{NS_C}}}f"):
                v = al.judge(f.text or "", self.scope, None)
                if not v.allowed:
                    why = "a series " + "; ".join(v.reasons)
                    break
        if why:
            self.built.add("external-link" if "another workbook" in why else "part", part,
                           f"the chart is left out: {why}")
            return False
        self.out.put(part, self.pkg.data[part], self.types.of(part))
        for r in rels:
            if r.target in self.pkg.data and r.target not in self.out.written:
                self.out.put(r.target, self.pkg.data[r.target], self.types.of(r.target))
        self._rels(part, [(r.id, r.type, r.target, False) for r in rels])
        return True

    def _table(self, part: str, sheet: str) -> None:
        root = self.pkg.xml(part)
        changed = False
        for el in list(root.iter(M + "calculatedColumnFormula", M + "totalsRowFormula")):
            v = al.judge(el.text or "", self.scope, sheet)
            if not v.allowed:
                el.getparent().remove(el)
                changed = True
                self.built.add(v.kind, f"table {root.get('displayName', part)}",
                               "a calculated column stops being one: " + "; ".join(v.reasons))
        for a in ("connectionId", "tableType"):
            if a in root.attrib:   # a query table's connection is not carried
                root.attrib.pop(a)
                changed = True
        for qt in list(root.iter(M + "queryTableFields")):
            qt.getparent().remove(qt)
        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True) \
            if changed else self.pkg.data[part]
        self.out.put(part, data, self.types.of(part))

    def _chartsheet(self, s: _Sheet) -> None:
        root = self.pkg.xml(s.part)
        rels = {r.id: r for r in self.pkg.relationships(s.part)}
        new_rels = []
        for el in list(root):
            name = _local(el)
            if name not in _CHARTSHEET_KEEP:
                root.remove(el)
                continue
            if name == "pageSetup":
                el.attrib.pop(R + "id", None)
            if name == "drawing":
                r = rels.get(el.get(R + "id", ""))
                if r is None or r.external or not self._drawing(r.target, s.name):
                    root.remove(el)
                else:
                    new_rels.append((r.id, r.type, r.target, False))
        self.out.put(s.part, etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                            standalone=True), self.types.of(s.part))
        self._rels(s.part, new_rels)

    # ------------------------------------------------------------------ workbook and package
    def _workbook(self, root, all_sheets: list[_Sheet], kept: list[_Sheet], rels) -> list:
        kept_idx = [s.index for s in all_sheets if s in kept]
        renumber = {old: new for new, old in enumerate(kept_idx)}
        offset = 0
        for el in list(root):
            name = _local(el)
            if name not in _WORKBOOK_KEEP or el.tag != M + name:
                root.remove(el)
                if name == "externalReferences":   # each link's part is reported as dropped
                    self.built.links_removed += len(el)
                elif isinstance(el.tag, str) and name not in ("fileSharing", "extLst", "AlternateContent",
                                                                 "revisionPtr"):
                    self.built.add("element", "workbook", f"<{name}> is not carried into a shared copy")
        style_rels: list[tuple[str, str, str, bool]] = []   # first: the stamp needs its style
        for r in rels.values():
            if r.type in (al.REL_STYLES, al.REL_THEME) and not r.external and r.target in self.pkg.data:
                data = self.pkg.data[r.target]
                if r.type == al.REL_STYLES and self.stamp is not None:
                    data = self._stamp_styles(data)
                self.out.put(r.target, data, self.types.of(r.target))
                style_rels.append((r.id, r.type, r.target, False))
            elif r.type.endswith("/calcChain"):
                self.built.rebuilt_by_excel.append(r.target)
        sheets = root.find(M + "sheets")
        keep_ids = {s.rel.id for s in kept}
        for s in list(sheets):
            if s.get(R + "id") not in keep_ids:
                sheets.remove(s)
        stamp_rel = None
        if self.stamp is not None:
            stamp_rel = self._stamp_sheet(sheets)
            offset = 1
        dn = root.find(M + "definedNames")
        if dn is not None:
            by_index = {i: s.name for i, s in enumerate(all_sheets)}
            for d in list(dn):
                local = d.get("localSheetId")
                sheet = by_index.get(int(local)) if local is not None and local.isdigit() else None
                key = f"{sheet}!{d.get('name', '')}" if local is not None else d.get("name", "")
                if key not in self.kept_names:
                    dn.remove(d)
                elif local is not None:
                    pos = [i for i, s in enumerate(all_sheets) if s in kept].index(int(local)) \
                        if int(local) in [i for i, s in enumerate(all_sheets) if s in kept] else None
                    if pos is None:
                        dn.remove(d)
                    else:
                        d.set("localSheetId", str(pos + offset))
            if not len(dn):
                root.remove(dn)
        del renumber
        views = root.find(M + "bookViews")
        for v in views if views is not None else []:
            for a in ("activeTab", "firstSheet"):
                if a in v.attrib:
                    if self.stamp is not None:
                        v.attrib.pop(a)
                    else:
                        old = int(v.get(a, "0")) if v.get(a, "0").isdigit() else 0
                        new = sum(1 for i, s in enumerate(all_sheets) if s in kept and i < old)
                        v.set(a, str(min(new, max(len(kept) - 1, 0))))
        self.out.put(self.wb, etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                             standalone=True), CT_MAIN_XLSX)
        new_rels = [(s.rel.id, s.rel.type, s.rel.target, False) for s in kept]
        if stamp_rel is not None:
            new_rels.append(stamp_rel)
        new_rels += style_rels
        if self.sst_map:
            part = "xl/sharedStrings.xml"
            sst = etree.Element(M + "sst", nsmap={None: NS_MAIN})
            order = sorted(self.sst_map, key=self.sst_map.__getitem__)
            for old in order:
                sst.append(_detached(self.sst_old[old]))   # type: ignore[index]
            sst.set("count", str(len(order)))
            sst.set("uniqueCount", str(len(order)))
            self.out.put(part, etree.tostring(sst, xml_declaration=True, encoding="UTF-8",
                                              standalone=True), CT_SST)
            new_rels.append(("rIdShareStrings", al.REL_SHARED_STRINGS, part, False))
        return new_rels

    def _stamp_sheet(self, sheets: etree._Element):
        text = self.stamp() if self.stamp else ""
        taken = {s.get("name", "").lower() for s in sheets}
        name, n = "Shared copy", 1
        while name.lower() in taken:
            n += 1
            name = f"Shared copy {n}"
        taken_parts = {p.lower() for p in self.pkg.data}
        k = 1
        while f"xl/worksheets/sheet{k}.xml" in taken_parts:
            k += 1
        part = f"xl/worksheets/sheet{k}.xml"
        ids = [int(s.get("sheetId", "0")) for s in sheets if s.get("sheetId", "0").isdigit()]
        el = etree.Element(M + "sheet", nsmap={"r": NS_REL})
        el.set("name", name)
        el.set("sheetId", str(max(ids + [0]) + 1))
        el.set(R + "id", "rIdShareStamp")
        sheets.insert(0, el)
        style = getattr(self, "_stamp_style", None)
        root = etree.Element(M + "worksheet", nsmap={None: NS_MAIN})
        views = etree.SubElement(root, M + "sheetViews")
        etree.SubElement(views, M + "sheetView", tabSelected="1", workbookViewId="0")
        etree.SubElement(root, M + "sheetFormatPr", defaultRowHeight="15")
        cols = etree.SubElement(root, M + "cols")
        etree.SubElement(cols, M + "col", min="1", max="1", width="100", customWidth="1")
        data = etree.SubElement(root, M + "sheetData")
        row = etree.SubElement(data, M + "row", r="1", ht="36", customHeight="1")
        c = etree.SubElement(row, M + "c", r="A1", t="inlineStr")
        if style:
            c.set("s", style)
        t = etree.SubElement(etree.SubElement(c, M + "is"), M + "t")
        t.text = text
        self.stamp_text = text
        self.out.put(part, etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                          standalone=True), CT_WORKSHEET)
        self._other_tabs_unselected = True
        return ("rIdShareStamp", al.REL_WORKSHEET, part, False)

    def _stamp_styles(self, data: bytes) -> bytes:
        """A bold dark-red, wrapped cell format for the stamp."""
        root = ooxml.xmlparse.parse(data, "styles")
        fonts, xfs = root.find(M + "fonts"), root.find(M + "cellXfs")
        if fonts is None or xfs is None:
            return data
        font = etree.SubElement(fonts, M + "font")
        etree.SubElement(font, M + "b")
        etree.SubElement(font, M + "sz", val="11")
        etree.SubElement(font, M + "color", rgb="FFC00000")
        etree.SubElement(font, M + "name", val="Calibri")
        fonts.set("count", str(len(fonts)))
        xf = etree.SubElement(xfs, M + "xf", numFmtId="0", fontId=str(len(fonts) - 1), fillId="0",
                              borderId="0", xfId="0", applyFont="1", applyAlignment="1")
        etree.SubElement(xf, M + "alignment", vertical="top", wrapText="1")
        xfs.set("count", str(len(xfs)))
        self._stamp_style = str(len(xfs) - 1)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _rels(self, source: str | None, rels: list[tuple[str, str, str, bool]]) -> None:
        rp = "_rels/.rels" if source is None else ooxml.rels_part(source)
        if not rels:
            return
        root = etree.Element(f"{{{NS_PKG_REL}}}Relationships", nsmap={None: NS_PKG_REL})
        base = "/" if source is None else "/" + posixpath.dirname(source)
        for rid, typ, target, external in rels:
            r = etree.SubElement(root, f"{{{NS_PKG_REL}}}Relationship", Id=rid, Type=typ)
            if external:
                r.set("Target", target)
                r.set("TargetMode", "External")
            else:
                r.set("Target", posixpath.relpath("/" + target, base))
        self.out.put(rp, etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                        standalone=True), CT_RELS)

    def _package_rels(self) -> None:
        core = etree.Element("{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}coreProperties",
                             nsmap={"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
                                    "dc": "http://purl.org/dc/elements/1.1/"})
        etree.SubElement(core, "{http://purl.org/dc/elements/1.1/}creator").text = al.ANONYMOUS_AUTHOR
        app = etree.Element("{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}Properties",
                            nsmap={None: "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"})
        etree.SubElement(app, "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
                         "Application").text = "Microsoft Excel"
        for part, root, ct in (("docProps/core.xml", core, CT_CORE), ("docProps/app.xml", app, CT_APP)):
            self.out.put(part, etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                              standalone=True), ct)
        self._rels(None, [("rId1", ooxml.REL_OFFICE_DOCUMENT, self.wb, False),
                          ("rId2", al.REL_CORE, "docProps/core.xml", False),
                          ("rId3", al.REL_APP, "docProps/app.xml", False)])

    def _dropped_parts(self) -> None:
        rebuilt_kinds = (".rels", "[Content_Types].xml", "docProps/core.xml", "docProps/app.xml")
        sources = {}
        for name in self.pkg.data:
            if name.endswith(".rels"):
                src = None if name == "_rels/.rels" else posixpath.join(
                    posixpath.dirname(posixpath.dirname(name)), posixpath.basename(name)[:-5])
                try:
                    for r in self.pkg.relationships(src):
                        sources.setdefault(r.target, r.type)
                except ooxml.PackageError:
                    pass
        for name in self.pkg.data:
            if name in self.out.written or name.endswith(rebuilt_kinds) or name in self.built.rebuilt_by_excel:
                continue
            typ = sources.get(name, "")
            if typ.endswith(("/comments", "/vmlDrawing", "/sharedStrings")) and \
                    typ != "http://schemas.microsoft.com/office/2006/relationships/vmlDrawing":
                continue   # written again from what the copy keeps
            kind = "part"
            if "vbaProject" in typ or name.lower().endswith("vbaproject.bin") or "macrosheet" in name.lower():
                kind = "macros"
            elif typ.endswith("/externalLink") or name.startswith("xl/externalLinks/"):
                kind = "external-link"
            elif name.startswith("xl/worksheets/") or name.startswith("xl/chartsheets/"):
                continue   # a sheet left out is reported as the sheet
            what = typ.rsplit("/", 1)[-1] or "not part of the workbook"
            self.built.add(kind, name, f"not carried into a shared copy ({what})")

    def _content_types(self) -> None:
        root = etree.Element(f"{{{NS_CT}}}Types", nsmap={None: NS_CT})
        exts = {"rels": CT_RELS, "xml": "application/xml"}
        for part, ct in self.out.written.items():
            ext = posixpath.splitext(part)[1].lstrip(".").lower()
            if ct is None and ext not in exts:
                exts[ext] = self.types.defaults.get(ext) or self.types.of(part)
        for ext, ct in exts.items():
            etree.SubElement(root, f"{{{NS_CT}}}Default", Extension=ext, ContentType=ct)
        for part, ct in self.out.written.items():
            if ct is not None and ct != CT_RELS:
                etree.SubElement(root, f"{{{NS_CT}}}Override", PartName="/" + part, ContentType=ct)
        self.out.put("[Content_Types].xml", etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", standalone=True), None)


def _literal_list(text: str) -> bool:
    """A data validation's list of choices written out (``"a,b,c"``) is not a formula."""
    return text.startswith('"') and text.endswith('"')


def _xml_text(s: str) -> str:
    return "".join(ch for ch in s if ch in "\t\n\r" or ord(ch) >= 0x20)
