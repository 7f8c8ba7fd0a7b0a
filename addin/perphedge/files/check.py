"""What in a workbook needs attention before it is used or sent on.

Reads the file part by part (never through Excel, never running anything): formulas that
call the add-in's functions (a colleague without the add-in sees #NAME?), external links,
anything that configures the add-in's interpreter or Python path (a received workbook or
folder must not choose what Python runs), macros, old market data and error cells.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC
from pathlib import Path

from perphedge import ooxml
from perphedge.atomicfile import LEFTOVER_AGE_S, leftover_temps
from perphedge.core.conventions import DEFAULT_MAX_DATA_AGE_HOURS, MAX_CLOCK_AHEAD_MS
from perphedge.core.marketdata import ATTENTION_WORDS, status_word
from perphedge.files.allowlist import CONFIG_NAMES
from perphedge.files.copybuild import CopyBuilder
from perphedge.files.table import PackageMarketTable
from perphedge.ooxml.formulas import FormulaUnreadable, analyse
from perphedge.refresh.table import as_datetime

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
    """Add-in function names a formula calls (read by the formula tokenizer: text in
    quotes is text). A formula that cannot be read calls nothing we can name."""
    try:
        called = analyse(formula).functions
    except FormulaUnreadable:
        return []
    return list(dict.fromkeys(n.removeprefix("_XLUDF.") for n in called
                              if n.removeprefix("_XLUDF.") in names))


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
    out += _linked_backup(path)
    out += _leftovers(path)
    try:
        pkg = ooxml.Package.read(path)
        built = CopyBuilder(pkg, None).build()
    except ooxml.PackageError as e:
        return out + [Finding("unreadable", str(path), str(e))]
    except (ValueError, IndexError, KeyError) as e:
        return out + [Finding("unreadable", str(path), f"a part cannot be read: {e}")]
    except MemoryError:
        return out + [Finding("unreadable", str(path), "too large to read in the memory available")]

    if path.suffix.lower() in (".xlsm", ".xlam", ".xltm") and \
            not any(r.kind == "macros" for r in built.removals):
        out.append(Finding("macros", path.name,
                           "the workbook is of a macro-enabled type; open it only if you trust "
                           "the sender, share it as .xlsx"))
    for r in built.removals:
        if r.kind == "no-value":   # said by the formula's own finding
            continue
        detail = r.detail
        if r.kind == "macros":
            detail = (f"{detail}: the workbook carries macros (VBA or Excel 4 macro sheets); "
                      "open it only if you trust the sender, share it as .xlsx")
        elif r.kind == "external-link" and r.where.startswith("xl/externalLinks/"):
            targets = [x.target for x in pkg.relationships(r.where) if x.external]
            detail = f"links to {', '.join(targets) or 'another workbook'}"
        elif r.kind == "addin-formula" and not r.where.startswith("name "):
            detail = f"{detail}: shows #NAME? without the add-in"
        out.append(Finding(r.kind, r.where, detail))
    for where, value in built.error_cells:
        out.append(Finding("error-cell", where, value))
    out += _market_age(pkg, max_age_hours, now_ms)
    return out


def _module_name(entry: Path) -> str | None:
    """The module ``entry`` would be imported as from its folder: ``json.py``,
    ``json.pyc``, ``json.cpython-311-x86_64-linux-gnu.so``, ``json.pyd``, a package or a
    namespace folder ``json/``; None for anything Python does not import."""
    import importlib.machinery

    if entry.is_dir():
        return entry.name if entry.name.isidentifier() else None
    suffixes = sorted(set(importlib.machinery.all_suffixes()) | {".pyc", ".pyd", ".so"},
                      key=len, reverse=True)
    for suffix in suffixes:
        if entry.name.endswith(suffix) and len(entry.name) > len(suffix):
            stem = entry.name[: -len(suffix)]
            # an extension module's tag: json.cpython-311-x86_64-linux-gnu.so -> json
            stem = stem.split(".", 1)[0]
            return stem if stem.isidentifier() else None
    return None


def _shadowing_code(folder: Path) -> list[tuple[Path, str]]:
    """Code in ``folder`` that Python could import in place of a module the add-in or the
    libraries it loads use (ours, xlwings', any installed or standard module, by every
    importable suffix, packages and namespace folders), plus what Python runs by itself
    when the folder is on its path: ``sitecustomize``/``usercustomize`` and ``.pth``
    files. Looked up without this folder on the path, and without importing anything."""
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
        if e.suffix == ".pth" and e.is_file():
            out.append((e, "nothing: Python runs the lines of a .pth file in a site folder "
                           "when it starts"))
            continue
        name = _module_name(e)
        if name is None:
            continue
        if name in ("sitecustomize", "usercustomize"):
            out.append((e, f"nothing: Python runs {name} by itself when it starts"))
        elif name in ("perphedge", "xlwings"):
            out.append((e, f"the add-in's own package {name}"))
        elif name in sys.builtin_module_names or \
                importlib.machinery.PathFinder.find_spec(name, path) is not None:
            out.append((e, f"the module {name} that Python would otherwise load"))
    return out


def _linked_backup(path: Path) -> list[Finding]:
    bak = path.with_name(path.name + ".bak")
    if bak.is_symlink():
        return [Finding("config-file", str(bak),
                        "the workbook's backup is a symbolic link: a refresh refuses to write "
                        f"through it; it points to {bak.readlink()}")]
    return []


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
