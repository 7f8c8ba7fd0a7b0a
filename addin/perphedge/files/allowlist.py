"""What a shared copy may hold, stated once: ``share`` builds the copy from it and
``check`` reports whatever a workbook has outside it.

Parts: worksheets, shared strings (rebuilt), styles, theme, tables, drawings with pictures
and charts, charts whose every series reads this workbook, comments (authors anonymised),
chart sheets, and the document properties (emptied of personal data). Nothing else.

Formulas: every function called is on :data:`perphedge.catalogue.SHAREABLE_BUILTINS` (or
is a defined name that is itself kept, e.g. a LAMBDA), every reference stays in the copy:
a sheet it has, a name it keeps, a table on a kept sheet; no other workbook (``[1]``,
``[name.xlsx]``, paths, UNC), no DDE (``app|topic!item``), HYPERLINK only to a web or mail
address. A formula the tokenizer cannot read is outside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from perphedge.catalogue import SHAREABLE_BUILTINS, function_names
from perphedge.ooxml import (
    NS_PKG_REL,
    NS_REL,
    REL_SHARED_STRINGS,
    REL_TABLE,
    REL_WORKSHEET,
)
from perphedge.ooxml.formulas import FormulaUnreadable, analyse

_PKG = NS_PKG_REL
REL_CHARTSHEET = NS_REL + "/chartsheet"
REL_STYLES = NS_REL + "/styles"
REL_THEME = NS_REL + "/theme"
REL_DRAWING = NS_REL + "/drawing"
REL_IMAGE = NS_REL + "/image"
REL_CHART = NS_REL + "/chart"
REL_COMMENTS = NS_REL + "/comments"
REL_VML = NS_REL + "/vmlDrawing"
REL_HYPERLINK = NS_REL + "/hyperlink"
REL_CORE = _PKG + "/metadata/core-properties"
REL_APP = NS_REL + "/extended-properties"
REL_CHART_STYLE = "http://schemas.microsoft.com/office/2011/relationships/chartStyle"
REL_CHART_COLORS = "http://schemas.microsoft.com/office/2011/relationships/chartColorStyle"

#: From the workbook part: what the copy carries (sharedStrings is rebuilt, not copied).
WORKBOOK_RELS = frozenset({REL_WORKSHEET, REL_CHARTSHEET, REL_STYLES, REL_THEME,
                           REL_SHARED_STRINGS})
#: From a worksheet (comments and their VML drawing are rebuilt from the notes' text).
SHEET_RELS = frozenset({REL_TABLE, REL_DRAWING, REL_COMMENTS, REL_VML, REL_HYPERLINK})
DRAWING_RELS = frozenset({REL_IMAGE, REL_CHART})
CHART_RELS = frozenset({REL_CHART_STYLE, REL_CHART_COLORS})
#: Image types a picture may have (anything else in a drawing is an embedded object).
IMAGE_SUFFIXES = (".png", ".jpeg", ".jpg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf",
                  ".svg")
#: Where a HYPERLINK (cell, formula or hyperlink part) may point.
SAFE_LINK = re.compile(r"^(https?://|mailto:|#)", re.I)
#: Defined names Excel runs as macros when the workbook opens or closes (Excel 4 macros).
AUTO_NAMES = re.compile(r"^(_xlnm\.)?auto_(open|close|activate|deactivate)", re.I)
#: Sheet names (and files beside a workbook) that configure the add-in: the template's
#: PROJECT_NAME "myaddin" and xlwings' own.
CONFIG_NAMES = ("myaddin.conf", "xlwings.conf")
#: Who the comments of a shared copy are by.
ANONYMOUS_AUTHOR = "Author"


def is_config_sheet(name: str) -> bool:
    n = name.strip().lower().lstrip("_")
    return n in CONFIG_NAMES or n.endswith(".py")


def safe_link(target: str) -> bool:
    return bool(SAFE_LINK.match(target.strip()))


@dataclass(frozen=True)
class Scope:
    """What a formula may refer to: the copy's sheets, names and tables (all compared
    case-insensitively, as Excel does)."""

    sheets: frozenset[str]                      # lower case
    names: frozenset[str]                       # workbook-level names, upper case
    local_names: dict[str, frozenset[str]]      # sheet (lower) -> its own names (upper)
    tables: frozenset[str]                      # upper case
    removed: dict[str, str] | None = None       # names left out (upper) -> the kind why


@dataclass(frozen=True)
class Verdict:
    reasons: tuple[str, ...]
    kind: str            # addin-formula, external-link, formula (outside the allow-list)

    @property
    def allowed(self) -> bool:
        return not self.reasons


_ADDIN = function_names()


def judge(formula: str, scope: Scope, sheet: str | None = None) -> Verdict:
    """Is ``formula`` (in a cell of ``sheet``, or a defined name when None) allowed in the
    copy? The reasons say why not."""
    try:
        parts = analyse(formula)
    except FormulaUnreadable as e:
        return Verdict((str(e),), "formula")
    reasons: list[str] = []
    kind = "formula"
    local = scope.local_names.get((sheet or "").lower(), frozenset())
    for fn in parts.functions:
        bare = fn.removeprefix("_XLUDF.")
        if bare in _ADDIN:
            reasons.append(f"calls the add-in function {bare}")
            kind = "addin-formula"
        elif fn in SHAREABLE_BUILTINS or fn in scope.names or fn in local:
            continue
        elif (scope.removed or {}).get(fn):
            reasons.append(f"calls the name {fn}, which is left out")
            kind = scope.removed[fn] if kind == "formula" else kind
        else:
            reasons.append(f"calls {fn}, which is not an allowed Excel built-in")
    for target in parts.hyperlinks:
        if target is None or not safe_link(target):
            reasons.append(f"HYPERLINK to {target!r}, not a web or mail address"
                           if target is not None else "HYPERLINK to a computed address")
    for ref in parts.references:
        if ref.dde:
            reasons.append(f"DDE link {ref.text} (runs another program)")
            kind = "external-link" if kind == "formula" else kind
        elif ref.book is not None:
            reasons.append(f"reads another workbook ({ref.text})")
            kind = "external-link" if kind == "formula" else kind
        else:
            for s in ref.sheets:
                if s.lower() not in scope.sheets:
                    reasons.append(f"refers to sheet {s!r}, which the copy does not have")
            if ref.name is not None and not ref.name.lower().startswith("_xlpm."):
                n = ref.name.upper()
                named_local = scope.local_names.get(ref.sheets[0].lower(), frozenset()) \
                    if ref.sheets else local
                if n not in scope.names and n not in named_local:
                    gone = (scope.removed or {}).get(n)
                    if gone is not None:
                        reasons.append(f"uses the name {ref.name}, which is left out")
                        kind = gone if kind == "formula" else kind
                    else:
                        reasons.append(f"uses the name {ref.name}, which the copy does not have")
            if ref.table and ref.table.upper() not in scope.tables:
                reasons.append(f"refers to table {ref.table}, which the copy does not have")
    return Verdict(tuple(dict.fromkeys(reasons)), kind if reasons else "formula")


@dataclass(frozen=True)
class DefinedName:
    name: str
    sheet: str | None     # the sheet a local name belongs to (None: workbook-level)
    text: str

    @property
    def key(self) -> str:
        return f"{self.sheet}!{self.name}" if self.sheet is not None else self.name


def close_names(names: list[DefinedName], sheets: frozenset[str],
                tables: frozenset[str]) -> tuple[Scope, dict[str, Verdict]]:
    """Keep only names whose formulas are allowed with the names kept (transitively: a
    name using a removed name goes too). Returns the final scope and why each removed
    name went."""
    removed: dict[str, Verdict] = {}
    kept = [n for n in names if not AUTO_NAMES.match(n.name) and
            (n.sheet is None or n.sheet.lower() in sheets)]
    for n in names:
        if n not in kept:
            removed[n.key] = Verdict(("runs a macro when the workbook opens or closes",)
                                     if AUTO_NAMES.match(n.name) else
                                     ("belongs to a sheet the copy does not have",), "formula")
    gone_kinds: dict[str, str] = {}
    while True:
        scope = _scope(kept, sheets, tables, gone_kinds)
        going = []
        for n in kept:
            v = judge(n.text, scope, n.sheet)
            if not v.allowed:
                going.append((n, v))
        if not going:
            return scope, removed
        for n, v in going:
            removed[n.key] = v
            kept.remove(n)
            gone_kinds.setdefault(n.name.upper(), v.kind)


def _scope(kept: list[DefinedName], sheets: frozenset[str], tables: frozenset[str],
           gone: dict[str, str]) -> Scope:
    local: dict[str, set[str]] = {}
    for n in kept:
        if n.sheet is not None:
            local.setdefault(n.sheet.lower(), set()).add(n.name.upper())
    return Scope(sheets, frozenset(n.name.upper() for n in kept if n.sheet is None),
                 {k: frozenset(v) for k, v in local.items()}, tables, dict(gone))
