"""What in a workbook needs attention before it is used or sent on.

Reads the file part by part (never through Excel, never running anything): formulas that
call the add-in's functions (a colleague without the add-in sees #NAME?), external links,
anything that configures the add-in's interpreter or Python path (a received workbook or
folder must not choose what Python runs), macros, old market data and error cells.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass
from datetime import UTC
from pathlib import Path

from perphedge import ooxml
from perphedge.atomicfile import LEFTOVER_AGE_S, leftover_temps
from perphedge.core.conventions import DEFAULT_MAX_DATA_AGE_HOURS, ERROR_PREFIX, MAX_CLOCK_AHEAD_MS
from perphedge.core.marketdata import ATTENTION_WORDS, status_word
from perphedge.files.table import PackageMarketTable
from perphedge.refresh.table import as_datetime

#: The template's settings sheet/file names (PROJECT_NAME "myaddin") and xlwings' own.
CONFIG_NAMES = ("myaddin.conf", "xlwings.conf")
#: Python beside a workbook that could stand in for ours if the workbook folder is put on
#: sys.path (a workbook settings sheet can switch that on).
SHADOW_NAMES = ("perphedge.py", "perphedge", "xlwings.py", "xlwings")
MACRO_CT = ("macroEnabled", "vbaProject", "macrosheet")
#: Defined names Excel runs as macros when the workbook opens or closes (Excel 4 macros).
AUTO_NAMES = re.compile(r"^(_xlnm\.)?auto_(open|close|activate|deactivate)", re.I)
_STR = re.compile(r'"(?:[^"]|"")*"')


#: Findings about the market data's age and status: a copy carries them (it is what the
#: sender has), so they do not stop ``share``; every other kind does.
MARKET_DATA_KINDS = ("stale-market", "market-status")


@dataclass(frozen=True)
class Finding:
    kind: str        # addin-formula, external-link, config-sheet, config-file, macros,
                     # stale-market, market-status, error-cell, unreadable, leftover-temp
    where: str
    detail: str


def addin_functions() -> frozenset[str]:
    from perphedge.catalogue import function_names

    return function_names()


def calls_addin(formula: str, names: frozenset[str]) -> list[str]:
    """Add-in function names a formula calls (text in quotes ignored)."""
    bare = _STR.sub('""', formula)
    found = []
    for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(", bare):
        name = m.group(1).rsplit("!", 1)[-1].rsplit(".", 1)[-1].upper()
        if name in names and name not in found:
            found.append(name)
    return found


def uses_names(formula: str, defined: frozenset[str] | set[str]) -> list[str]:
    """Defined names (from ``defined``, upper case) a formula refers to, text in quotes
    ignored; ``Name(`` (a function) and ``Table[...]`` do not count."""
    if not defined:
        return []
    bare = _STR.sub('""', formula)
    found = []
    for m in re.finditer(r"(?<![\w.!\[\]'])([A-Za-z_\\][\w.]*)(?![\w.(\[!])", bare):
        name = m.group(1).upper()
        if name in defined and name not in found:
            found.append(name)
    return found


def addin_names(pkg: ooxml.Package, names: frozenset[str]) -> dict[str, list[str]]:
    """Workbook-level defined names whose formula calls the add-in: NAME -> functions."""
    out = {}
    for key, text in pkg.defined_names().items():
        called = calls_addin(text, names)
        if called and "[" not in key:
            out[key.upper()] = called
    return out


def is_config_sheet(name: str) -> bool:
    n = name.strip().lower().lstrip("_")
    return n in CONFIG_NAMES or n.endswith(".py")


def check_file(path: str | Path, *, max_age_hours: float | None = None,
               now_ms: int | None = None) -> list[Finding]:
    path = Path(path)
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    out: list[Finding] = []
    for name in CONFIG_NAMES:
        for cand in (path.parent / name, path.parent / f"_{name}"):
            if cand.exists():
                out.append(Finding("config-file", str(cand),
                                   "a settings file beside the workbook can choose the Python "
                                   "interpreter and path the add-in runs; delete it unless you "
                                   "wrote it"))
    for cand, module in _shadowing_code(path.parent):
        out.append(Finding("config-file", str(cand),
                           f"Python code beside the workbook could be imported in place of "
                           f"{module} if the workbook's folder is put on the Python path"))
    out += _leftovers(path)
    try:
        pkg = ooxml.Package.read(path)
        sheets = pkg.sheets()
    except ooxml.PackageError as e:
        return out + [Finding("unreadable", str(path), str(e))]

    ct = pkg.data.get("[Content_Types].xml", b"").decode("utf-8", "replace")
    vba_parts = [n for n in pkg.data if n.lower().endswith("vbaproject.bin")]
    xlm = [s.name for s in sheets if "macrosheet" in s.part.lower()]
    auto = [k for k in pkg.defined_names() if AUTO_NAMES.match(k)]
    if vba_parts or xlm or auto or path.suffix.lower() in (".xlsm", ".xlam", ".xltm") or \
            any(m in ct for m in MACRO_CT):
        what = ", ".join(vba_parts + [f"macro sheet {n}" for n in xlm] +
                         [f"name {n}" for n in auto]) or path.name
        out.append(Finding("macros", what,
                           "the workbook carries macros (VBA or Excel 4 macro sheets); open "
                           "it only if you trust the sender, share it as .xlsx"))
    for s in sheets:
        if is_config_sheet(s.name):
            out.append(Finding("config-sheet", s.name,
                               "this sheet configures the add-in (interpreter, Python path, "
                               "modules) for whoever opens the workbook"))
    ext = [n for n in pkg.data if n.startswith("xl/externalLinks/") and n.endswith(".xml")]
    for n in ext:
        targets = [r.target for r in pkg.relationships(n) if r.external]
        out.append(Finding("external-link", n,
                           f"links to {', '.join(targets) or 'another workbook'}"))

    names = addin_functions()
    via = addin_names(pkg, names)
    for key, called in via.items():
        out.append(Finding("addin-formula", f"name {key}",
                           f"the defined name calls {', '.join(called)}: shows #NAME? "
                           "without the add-in"))
    try:
        out += _cells(pkg, sheets, names, via)
    except (ooxml.PackageError, ValueError, IndexError) as e:
        return out + [Finding("unreadable", str(path), f"a sheet cannot be read: {e}")]
    out += _market_age(pkg, max_age_hours, now_ms)
    return out


def _cells(pkg: ooxml.Package, sheets, names: frozenset[str],
           via: dict[str, list[str]]) -> list[Finding]:
    out = []
    for s in sheets:
        if "macrosheet" in s.part.lower():
            continue
        groups: dict[str, str] = {}   # shared-formula group -> the formula its first cell holds
        for c in pkg.cells(s.part):
            formula = c.formula
            if c.shared is not None:
                if formula:
                    groups[c.shared] = formula
                else:
                    formula = groups.get(c.shared, "")
            if formula:
                called = calls_addin(formula, names) + [
                    f"{n} (through the name)" for n in uses_names(formula, set(via))]
                if called:
                    out.append(Finding("addin-formula", f"{s.name}!{c.ref}",
                                       f"calls {', '.join(called)}: shows #NAME? without "
                                       f"the add-in (={formula})"))
            if c.type == "e" or (isinstance(c.value, str) and c.value.startswith(ERROR_PREFIX)):
                out.append(Finding("error-cell", f"{s.name}!{c.ref}", str(c.value)))
    return out


def _shadowing_code(folder: Path) -> list[tuple[Path, str]]:
    """Modules (``X.py``, a package folder ``X/``) in ``folder`` named like one the add-in
    or the libraries it loads could import: ours, xlwings', or any installed or standard
    module (looked up without this folder on the path, and without importing anything)."""
    import importlib.machinery
    import sys

    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    here = folder.resolve()
    path = [p for p in sys.path if Path(p or ".").resolve() != here]
    out = []
    for e in entries:
        if e.suffix == ".py" and e.is_file():
            name = e.stem
        elif e.is_dir() and (e / "__init__.py").is_file():
            name = e.name
        elif e.name in SHADOW_NAMES:
            name = e.name.removesuffix(".py")
        else:
            continue
        if not name.isidentifier():
            continue
        if name in ("perphedge", "xlwings"):
            out.append((e, f"the add-in's own package {name}"))
            continue
        found = name in sys.builtin_module_names or \
            importlib.machinery.PathFinder.find_spec(name, path) is not None
        if found:
            out.append((e, f"the module {name} that Python would otherwise load"))
    return out


def _leftovers(path: Path) -> list[Finding]:
    """Temp files of a write of this workbook (or its backup) that never finished."""
    out = []
    for target in (path, path.with_name(path.name + ".bak")):
        for p in leftover_temps(target):
            try:
                st = p.stat()
            except OSError:   # removed meanwhile (the write finished)
                continue
            age_s = time.time() - st.st_mtime
            when = ("the next refresh or share of it removes it" if age_s >= LEFTOVER_AGE_S
                    else "it may belong to a refresh or share still running")
            out.append(Finding("leftover-temp", str(p),
                               f"an unfinished write of {target.name} left this temp file "
                               f"({st.st_size} bytes); {target.name} itself is "
                               f"intact; {when}"))
    return out


def _max_age_from_workbook(pkg: ooxml.Package) -> float | None:
    ref = pkg.defined_names().get("MaxDataAgeHours")
    if not ref or "!" not in ref:
        return None
    sheet, cell = ref.rsplit("!", 1)
    sheet = sheet.strip("'")
    try:
        part = pkg.sheet(sheet).part
        r, c = ooxml.split_ref(cell)
    except ooxml.PackageError:
        return None
    for cl in pkg.cells(part):
        if (cl.row, cl.col) == (r, c) and isinstance(cl.value, float) and cl.value > 0:
            return cl.value
    return None


def _market_age(pkg: ooxml.Package, max_age_hours: float | None, now_ms: int) -> list[Finding]:
    try:
        table = PackageMarketTable(pkg)
    except ooxml.PackageError:
        return []
    headers = [h.strip().lower() for h in table.headers()]
    if "as of (utc)" not in headers or "symbol" not in headers:
        return []
    limit = max_age_hours or _max_age_from_workbook(pkg) or DEFAULT_MAX_DATA_AGE_HOURS
    symbols = table.column(headers.index("symbol"))
    statuses = table.column(headers.index("status")) if "status" in headers else [None] * len(symbols)
    out = []
    for i, (sym, as_of) in enumerate(zip(symbols, table.column(headers.index("as of (utc)")))):
        if not (isinstance(sym, str) and sym.strip()):
            continue
        dt = as_datetime(as_of)
        where = f"{table.ref.sheet.name} row {table.first_row + i} ({sym})"
        status = statuses[i] if i < len(statuses) else None
        if status_word(status) in ATTENTION_WORDS:
            # the refresh's own word for the row: what was missing, kept or refused, and why
            text = str(status).strip()
            out.append(Finding("market-status", where, text if len(text) <= 300 else text[:299] + "…"))
        if dt is None:
            out.append(Finding("stale-market", where, "no market data yet: run Refresh prices"))
            continue

        age_h = (now_ms - dt.replace(tzinfo=UTC).timestamp() * 1000) / 3_600_000
        if age_h * 3_600_000 < -MAX_CLOCK_AHEAD_MS:
            out.append(Finding("stale-market", where,
                               f"market data as of {dt:%Y-%m-%d %H:%M} UTC is dated in the future: its age "
                               "cannot be known (a wrong clock, or a cell typed over)"))
        elif age_h > limit:
            out.append(Finding("stale-market", where,
                               f"market data as of {dt:%Y-%m-%d %H:%M} UTC is {age_h:.1f} h old "
                               f"(limit {limit:g} h)"))
    return out


def as_json(findings: list[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]
