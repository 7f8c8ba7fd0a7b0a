"""Write a copy of a workbook that is safe to send to someone without the add-in.

Add-in formulas (and formulas reading other workbooks) become their last calculated values,
each keeping its formula in the cell's note; settings sheets, Excel 4 macro sheets,
external links and VBA go (the copy is .xlsx); the Market data's as-of time is stamped
where the reader sees it. The copy is made part by part, like a refresh: every zip member
the copy has no reason to change (pictures, charts, slicers, pivots, controls, styles, other
sheets ...) is carried over byte for byte. The original is never touched.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from perphedge import ooxml
from perphedge.atomicfile import remove_leftovers
from perphedge.core.errors import PerphedgeError
from perphedge.files.check import addin_functions, addin_names, calls_addin, is_config_sheet, uses_names
from perphedge.files.table import PackageMarketTable
from perphedge.ooxml import pkgedit
from perphedge.ooxml.comments import add_notes
from perphedge.ooxml.pkgedit import attr
from perphedge.ooxml.sheetxml import esc, set_cells
from perphedge.refresh.table import as_datetime

STAMP_PREFIX = "Shared copy"
NOTE_AUTHOR = "perphedge share"
CONFIG_SHEET_NOTE = "settings sheet"

_MS = "http://schemas.microsoft.com/office/2006/relationships"
REL_VBA = _MS + "/vbaProject"
REL_MACROSHEETS = (_MS + "/xlMacrosheet", _MS + "/xlIntlMacrosheet")
REL_CALC_CHAIN = ooxml.NS_REL + "/calcChain"
REL_STYLES = ooxml.NS_REL + "/styles"
CT_MAIN_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
#: content types for .bin parts left without a type once the VBA default goes
_BIN_TYPES = {
    ooxml.NS_REL + "/printerSettings":
        "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings",
    ooxml.NS_REL + "/oleObject": "application/vnd.openxmlformats-officedocument.oleObject",
    _MS + "/activeXControlBinary": "application/vnd.ms-office.activeX",
}
#: ``[1]`` of ``[1]Prices!A1`` / ``'[1]Prices'!A1`` / ``[1]!Name``, not ``Table1[1]``
_EXTERNAL_REF = re.compile(r"(?<![A-Za-z0-9_.\]\[])\[\d+\]")
_STR = re.compile(r'"(?:[^"]|"")*"')


class ShareError(PerphedgeError):
    """The copy cannot be made; nothing was written."""


@dataclass(frozen=True)
class ShareResult:
    formulas_replaced: int
    sheets_removed: tuple[str, ...]
    links_removed: int
    stamp: str
    not_carried: tuple[str, ...] = ()   # parts of IN the copy lacks that it should have


def links_elsewhere(formula: str) -> bool:
    """Does a formula read another workbook (an external link ``[n]``)?"""
    return bool(_EXTERNAL_REF.search(_STR.sub('""', formula)))


def share_file(src: str | Path, dst: str | Path, *, now: datetime | None = None) -> ShareResult:
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise ShareError("IN and OUT must be different files")
    if dst.suffix.lower() != ".xlsx":
        raise ShareError(f"OUT must be an .xlsx file (no macros), got {dst.name}")
    now = now or datetime.now(UTC).replace(tzinfo=None)
    try:
        pkg = ooxml.Package.read(src)
        original = set(pkg.data)
        result, dropped = _make_copy(pkg, now)
    except ooxml.PackageError as e:
        raise ShareError(str(e)) from e
    except (ValueError, KeyError, IndexError, AttributeError) as e:
        # a part not laid out as Excel lays it out
        raise ShareError(f"{src} could not be prepared for sharing: {e}") from e
    lost = tuple(sorted(n for n in original - set(pkg.data) - dropped))
    remove_leftovers(dst)
    try:
        # OUT is a new file: a link or device already there is refused, never written through
        pkg.save(dst, follow_symlinks=False)
    except OSError as e:
        raise ShareError(str(e)) from e
    return ShareResult(result[0], result[1], result[2], result[3], lost)


def _make_copy(pkg: ooxml.Package, now: datetime):
    wb = pkg.workbook_part()
    wb_rels = {r.id: r for r in pkg.relationships(wb)}
    names = addin_functions()
    via = set(addin_names(pkg, names))   # defined names that call the add-in
    dropped: set[str] = set()

    # sheets that configure the add-in, and Excel 4 macro sheets, go
    sheet_tags = _elements(_text(pkg, wb), "sheet")
    gone_sheets: list[tuple[int, str, str]] = []     # (index, name, part)
    for i, m in enumerate(sheet_tags):
        rel = wb_rels.get(attr(m.group(0), "r:id") or "")
        name = html.unescape(attr(m.group(0), "name") or "")
        if rel is not None and (is_config_sheet(name) or rel.type in REL_MACROSHEETS):
            gone_sheets.append((i, name, rel.target))
    worksheets = {r.target for r in wb_rels.values() if r.type == ooxml.REL_WORKSHEET}
    kept = [s for s in pkg.sheets() if s.part in worksheets   # not chart or dialog sheets
            and s.part not in {p for _, _, p in gone_sheets}]

    replaced = 0
    for s in kept:
        if s.part not in pkg.data or not s.part.endswith(".xml"):
            continue
        xml, notes = _values_for_formulas(pkg.data[s.part].decode("utf-8"), names, via)
        if notes:
            pkg.replace(s.part, xml.encode("utf-8"))
            add_notes(pkg, s.part, notes, NOTE_AUTHOR)
            replaced += len(notes)

    for s in kept:
        for r in pkg.relationships(s.part):
            if r.type == ooxml.REL_TABLE and r.target in pkg.data:
                _drop_calculated_columns(pkg, r.target, names, via)

    links = [r for r in wb_rels.values() if r.type == ooxml.REL_EXTERNAL_LINK and not r.external]
    vba = [r for r in wb_rels.values() if r.type == REL_VBA and not r.external]
    vba_parts = {n for n in pkg.data if re.search(r"vbaProject(Signature\w*)?\.bin$|vbaData\.xml$",
                                                   n, re.I)}
    ui = [r for r in pkg.relationships(None) if r.type in (ooxml.REL_UI, ooxml.REL_UI_2010)]
    calc = [r for r in wb_rels.values() if r.type == REL_CALC_CHAIN]

    _edit_workbook_xml(pkg, wb, {i for i, _, _ in gone_sheets},
                       {n for _, n, _ in gone_sheets}, drop_links=bool(links),
                       drop_names=via)
    roots = ({p for _, _, p in gone_sheets} | {r.target for r in links + vba} | vba_parts
             | {r.target for r in ui})
    if replaced or gone_sheets:
        roots |= {r.target for r in calc}   # Excel rebuilds it; stale entries need a repair
    dropped |= _detach_and_remove(pkg, roots)
    _plain_xlsx_content_types(pkg, wb)

    stamp = _stamp(pkg, wb, now)
    return (replaced, tuple(n for _, n, _ in gone_sheets), len(links), stamp), dropped


# ----------------------------------------------------------------------------- formulas

def _values_for_formulas(xml: str, names: frozenset[str],
                         via: set[str] = frozenset()) -> tuple[str, dict[str, str]]:
    """Cells whose formula calls the add-in or another workbook get their cached value;
    returns the sheet XML and {cell: note}."""
    p = _prefix(xml, "worksheet")
    cell_re = re.compile(rf"<{p}c\b[^>]*?(?:/>|>.*?</{p}c>)", re.S)
    f_re = re.compile(rf"<{p}f\b([^>]*?)(?:/>|>(.*?)</{p}f>)", re.S)
    masters: dict[str, tuple[str, str]] = {}   # shared group -> (first cell, formula)
    found = []
    for m in cell_re.finditer(xml):
        cell = m.group(0)
        fm = f_re.search(cell)
        if fm is None:
            continue
        ref = attr(cell, "r") or ""
        text = html.unescape(fm.group(2) or "")
        si = attr("<f" + fm.group(1) + ">", "si")
        if attr("<f" + fm.group(1) + ">", "t") == "shared" and si is not None:
            if text:
                masters[si] = (ref, text)
            elif si in masters:
                text = _translate(*masters[si], ref)
        found.append((m, ref, text))
    notes: dict[str, str] = {}
    pieces, pos = [], 0
    for m, ref, text in found:
        called = calls_addin(text, names) or uses_names(text, via)
        linked = links_elsewhere(text)
        if not ref or not (called or linked):
            continue
        cell, had_value = _value_only(m.group(0), p, f_re)
        what = "perphedge add-in function" if called else "external link"
        shown = re.sub(r"_xl(udf|fn|ws)\.", "", text)   # as Excel shows it
        note = (f"Was ={shown} — replaced by its last calculated value for sharing ({what}).")
        if not had_value:
            note += " No calculated value was saved with the workbook."
        notes[ref] = note
        pieces += [xml[pos:m.start()], cell]
        pos = m.end()
    pieces.append(xml[pos:])
    return "".join(pieces), notes


def _drop_calculated_columns(pkg: ooxml.Package, part: str, names: frozenset[str],
                             via: set[str]) -> None:
    """A table column whose formula calls the add-in (or another workbook) stops being a
    calculated column: its cells are values now, and new rows must not get #NAME?."""
    xml = _text(pkg, part)
    new = xml
    for m in reversed(_elements(xml, "calculatedColumnFormula")):
        text = html.unescape(re.sub(r"^<[^>]*>|</[^>]*>$", "", m.group(0)))
        if calls_addin(text, names) or uses_names(text, via) or links_elsewhere(text):
            new = new[:m.start()] + new[m.end():]
    if new != xml:
        pkg.replace(part, new.encode("utf-8"))


def _translate(origin: str, formula: str, ref: str) -> str:
    """The formula a filled-down (shared) cell holds: the first cell's, moved."""
    from openpyxl.formula.translate import Translator

    try:
        return Translator("=" + formula, origin=origin).translate_formula(ref)[1:]
    except Exception:   # openpyxl's tokenizer gives up on odd formulas: keep the original
        return formula


def _value_only(cell: str, p: str, f_re: re.Pattern[str]) -> tuple[str, bool]:
    """The cell with its formula removed and its cached value kept as a constant."""
    end = cell.index(">") + 1
    tag, body = cell[:end], cell[end:-len(f"</{p}c>")]
    body = f_re.sub("", body, count=1)
    tag = re.sub(r'\s(cm|vm)="[^"]*"', "", tag)   # formula/rich-value metadata: no formula now
    t = attr(tag, "t") or "n"
    v = re.search(rf"<{p}v\b[^>]*>(.*?)</{p}v>", body, re.S)
    if v is None or (v.group(1) == "" and t != "str"):
        tag = re.sub(r'\st="[^"]*"', "", tag)
        body = re.sub(rf"<{p}v\b[^>]*?(/>|>.*?</{p}v>)", "", body, flags=re.S)
        return tag + body + f"</{p}c>", False
    if t == "str":   # a formula's text result: as inline text (text stays text)
        tag = re.sub(r'\st="str"', ' t="inlineStr"', tag)
        body = (body[:v.start()] + f'<{p}is><{p}t xml:space="preserve">{v.group(1)}</{p}t>'
                f"</{p}is>" + body[v.end():])
    return tag + body + f"</{p}c>", True


# ----------------------------------------------------------------------------- workbook.xml

def _text(pkg: ooxml.Package, part: str) -> str:
    return pkg.data[part].decode("utf-8")


def _prefix(xml: str, root: str) -> str:
    m = re.search(rf"<(\w+:)?{root}[\s>/]", xml)
    if not m:
        raise ValueError(f"no {root} element")
    return m.group(1) or ""


def _elements(xml: str, tag: str) -> list[re.Match[str]]:
    return pkgedit._elements(xml, tag)


def _names_sheet(text: str, sheet_names: set[str]) -> bool:
    low = text.lower()
    for n in sheet_names:
        quoted = "'" + n.replace("'", "''").lower() + "'!"
        if quoted in low or re.search(rf"(?<![\w.']){re.escape(n.lower())}!", low):
            return True
    return False


def _edit_workbook_xml(pkg: ooxml.Package, wb: str, gone: set[int], gone_names: set[str],
                       *, drop_links: bool, drop_names: set[str] = frozenset()) -> None:
    xml = _text(pkg, wb)
    for i, m in reversed(list(enumerate(_elements(xml, "sheet")))):
        if i in gone:
            xml = xml[:m.start()] + xml[m.end():]
    if drop_links:
        xml = re.sub(r"<(\w+:)?externalReferences\b.*?</(\w+:)?externalReferences\s*>|"
                     r"<(\w+:)?externalReferences\s*/>", "", xml, flags=re.S)

    def keep_name(m: re.Match[str]) -> str:
        el = m.group(0)
        local = attr(el, "localSheetId")
        body = re.sub(r"^<[^>]*>|</[^>]*>$", "", el) if not el.endswith("/>") else ""
        text = html.unescape(body)
        if (local is None and (attr(el, "name") or "").upper() in drop_names) or \
                (local is not None and local.isdigit() and int(local) in gone) or \
                _names_sheet(text, gone_names) or (drop_links and links_elsewhere(text)):
            return ""
        if local is not None and local.isdigit() and gone:
            new = int(local) - sum(1 for g in gone if g < int(local))
            el = re.sub(r'(\slocalSheetId=")\d+"', rf'\g<1>{new}"', el, count=1)
        return el
    for m in reversed(_elements(xml, "definedName")):
        xml = xml[:m.start()] + keep_name(m) + xml[m.end():]
    xml = re.sub(r"<(\w+:)?definedNames\b[^>]*>\s*</(\w+:)?definedNames\s*>", "", xml)
    if gone:
        def view(m: re.Match[str]) -> str:
            el = m.group(0)
            for a in ("activeTab", "firstSheet"):
                v = attr(el, a)
                if v is not None and v.isdigit():
                    new = max(0, int(v) - sum(1 for g in gone if g < int(v)))
                    el = re.sub(rf'(\s{a}=")\d+"', rf'\g<1>{new}"', el, count=1)
            return el
        xml = re.sub(r"<(\w+:)?workbookView\b[^>]*>", view, xml)
    pkg.replace(wb, xml.encode("utf-8"))


def _detach_and_remove(pkg: ooxml.Package, roots: set[str]) -> set[str]:
    """Remove parts and every relationship naming them."""
    roots = {r for r in roots if r in pkg.data}
    if not roots:
        return set()
    for name in [n for n in pkg.data if n.endswith(".rels")]:
        src = pkgedit.source_of(name)
        if src in roots:
            continue
        ids = {r.id for r in pkg.relationships(src) if not r.external and r.target in roots}
        pkgedit.remove_relationships(pkg, src, ids)
    gone = pkgedit.remove_parts(pkg, roots)
    return gone | {ooxml.rels_part(p) for p in gone}


def _plain_xlsx_content_types(pkg: ooxml.Package, wb: str) -> None:
    """The workbook as an ordinary .xlsx: no macro-enabled, template or add-in type, and
    no VBA default for .bin parts (those that remain get their own type)."""
    main = pkgedit.content_type(pkg, wb) or ""
    if main != CT_MAIN_XLSX:
        pkgedit.set_override(pkg, wb, CT_MAIN_XLSX)
    if "vbaproject" not in pkgedit.defaults(pkg).get("bin", "").lower():
        return
    pkgedit.remove_default(pkg, "bin")
    overrides = pkgedit.overrides(pkg)
    types = {}
    for name in pkg.data:
        if name.endswith(".rels"):
            for r in pkg.relationships(pkgedit.source_of(name)):
                types.setdefault(r.target, r.type)
    for name in pkg.data:
        if name.lower().endswith(".bin") and name.lower() not in overrides:
            pkgedit.set_override(pkg, name, _BIN_TYPES.get(types.get(name, ""),
                                                           "application/octet-stream"))


# ----------------------------------------------------------------------------- the stamp

def _market_as_of(pkg: ooxml.Package) -> tuple[PackageMarketTable | None, str]:
    try:
        table = PackageMarketTable(pkg)
    except ooxml.PackageError:
        return None, "market data: none"
    headers = [h.strip().lower() for h in table.headers()]
    times = []
    if "as of (utc)" in headers:
        times = [t for t in map(as_datetime, table.column(headers.index("as of (utc)")))
                 if t is not None]
    if not times:
        return table, "market data: none"
    lo, hi = min(times), max(times)
    if lo == hi:
        return table, f"market data as of {hi:%Y-%m-%d %H:%M} UTC"
    return table, f"market data as of {lo:%Y-%m-%d %H:%M} to {hi:%Y-%m-%d %H:%M} UTC"


def _stamp(pkg: ooxml.Package, wb: str, now: datetime) -> str:
    """Put "Shared copy made … — market data as of …" above the Market table, or on a
    sheet of its own at the front when the rows above the table are all in use."""
    table, market = _market_as_of(pkg)
    text = (f"{STAMP_PREFIX} made {now:%Y-%m-%d %H:%M} UTC — {market}. Values only: no live "
            "prices, no add-in needed.")
    plain, wrapped = _stamp_styles(pkg, wb)
    if table is not None:
        part = table.ref.sheet.part
        top = ooxml.range_bounds(table.ref.ref)[0]
        used = {c.row for c in pkg.cells(part)
                if c.col == 1 and (c.formula is not None or c.value not in (None, ""))}
        free = next((r for r in range(1, top) if r not in used), None)
        if free is not None:
            styles = {(free, 1): plain} if plain else {}
            pkg.replace(part, set_cells(pkg.data[part], {(free, 1): text}, styles,
                                        restyle=True))
            return text
    _stamp_sheet(pkg, wb, text, wrapped)
    return text


def _stamp_styles(pkg: ooxml.Package, wb: str) -> tuple[str | None, str | None]:
    """Add bold dark-red cell formats (plain, and wrapped at the top) to the styles part;
    (None, None) when the workbook has no styles laid out as usual."""
    part = next((r.target for r in pkg.relationships(wb)
                 if r.type == REL_STYLES and r.target in pkg.data), None)
    if part is None:
        return None, None
    xml = _text(pkg, part)
    p = _prefix(xml, "styleSheet")
    fonts = re.search(rf"<{p}fonts\b[^>]*>.*?</{p}fonts>", xml, re.S)
    xfs = re.search(rf"<{p}cellXfs\b[^>]*>.*?</{p}cellXfs>", xml, re.S)
    if not (fonts and xfs):
        return None, None
    font_id = len(re.findall(rf"<{p}font\b", fonts.group(0)))
    xf_id = len(re.findall(rf"<{p}xf\b", xfs.group(0)))
    font = (f'<{p}font><{p}b/><{p}sz val="11"/><{p}color rgb="FFC00000"/>'
            f'<{p}name val="Calibri"/><{p}family val="2"/></{p}font>')
    xf = f'<{p}xf numFmtId="0" fontId="{font_id}" fillId="0" borderId="0" xfId="0" applyFont="1"'
    new_xfs = (xf + "/>" + xf + f' applyAlignment="1"><{p}alignment vertical="top" '
               f'wrapText="1"/></{p}xf>')

    def grow(block: str, close: str, add: str, count: int) -> str:
        block = block[: block.rindex(close)] + add + close
        return re.sub(r'(^<[^>]*?\scount=")\d+"', rf'\g<1>{count}"', block, count=1)
    new_fonts = grow(fonts.group(0), f"</{p}fonts>", font, font_id + 1)
    new_xf_block = grow(xfs.group(0), f"</{p}cellXfs>", new_xfs, xf_id + 2)
    # cellXfs comes after fonts: replace the later block first
    xml = xml[:xfs.start()] + new_xf_block + xml[xfs.end():]
    xml = xml[:fonts.start()] + new_fonts + xml[fonts.end():]
    pkg.replace(part, xml.encode("utf-8"))
    return str(xf_id), str(xf_id + 1)


def _stamp_sheet(pkg: ooxml.Package, wb: str, text: str, style: str | None) -> None:
    """A first sheet holding only the stamp, opened first and the only selected tab."""
    xml = _text(pkg, wb)
    existing = {html.unescape(attr(m.group(0), "name") or "").lower()
                for m in _elements(xml, "sheet")}
    name, n = STAMP_PREFIX, 1
    while name.lower() in existing:
        n += 1
        name = f"{STAMP_PREFIX} {n}"
    part = pkgedit.unique_part(pkg, "xl/worksheets/sheet{}.xml")
    s = f' s="{style}"' if style else ""
    pkg.replace(part, (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{ooxml.NS_MAIN}"><sheetViews><sheetView tabSelected="1" '
        'workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols><col '
        'min="1" max="1" width="100" customWidth="1"/></cols><sheetData><row r="1" ht="36" '
        f'customHeight="1"><c r="A1"{s} t="inlineStr"><is><t xml:space="preserve">{esc(text)}'
        '</t></is></c></row></sheetData><pageMargins left="0.7" right="0.7" top="0.75" '
        'bottom="0.75" header="0.3" footer="0.3"/></worksheet>').encode())
    pkgedit.set_override(pkg, part, CT_WORKSHEET)
    rid = pkgedit.add_relationship(pkg, wb, ooxml.REL_WORKSHEET, part)

    sheets = _elements(xml, "sheet")
    ids = [int(attr(m.group(0), "sheetId") or 0) for m in sheets]
    p = _prefix(xml, "workbook")
    # declared on the element itself: a root without xmlns:r must not make it unbound
    r_attr = f'xmlns:r="{ooxml.NS_REL}" r:id="{rid}"'
    el = f'<{p}sheet name="{esc(name)}" sheetId="{max(ids + [0]) + 1}" {r_attr}/>'
    at = re.search(rf"<{p}sheets\b[^>]*>", xml).end()
    xml = xml[:at] + el + xml[at:]
    xml = re.sub(r'(\slocalSheetId=")(\d+)"', lambda m: f'{m.group(1)}{int(m.group(2)) + 1}"', xml)
    xml = re.sub(r"<(\w+:)?workbookView\b[^>]*>",
                 lambda m: re.sub(r'\s(activeTab|firstSheet)="\d+"', "", m.group(0)), xml)
    pkg.replace(wb, xml.encode("utf-8"))
    for sheet in pkg.sheets():
        if sheet.part == part or sheet.part not in pkg.data:
            continue
        sx = _text(pkg, sheet.part)
        new = re.sub(r"<(\w+:)?sheetView\b[^>]*>",
                     lambda m: re.sub(r'\stabSelected="(1|true)"', "", m.group(0)), sx)
        if new != sx:
            pkg.replace(sheet.part, new.encode("utf-8"))
