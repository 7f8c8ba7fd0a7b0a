"""``perphedge refresh FILE``: the one refresh routine run on the Market table inside a
workbook file, changing nothing else in it, with the file's safety around it (Excel's lock
file, leftovers of a killed write, a change by another program, a backup, an atomic swap).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from lxml import etree

from perphedge import ooxml
from perphedge.atomicfile import NotARegularFile, atomic_target, remove_leftovers, write_text_atomic
from perphedge.files.filesafety import digest, identity, is_read_only, last_written, open_in, record_file
from perphedge.files.table import PackageMarketTable
from perphedge.market.source import MarketSource
from perphedge.ooxml.treeedit import insert_in_order, main_ns, parse_part, serialize
from perphedge.refresh.routine import RefreshError, RefreshResult, refresh_table


def backup_file(path: Path) -> Path:
    """Where a refresh keeps the user's last version: ``FILE.bak``."""
    return path.with_name(path.name + ".bak")


def default_source(offline: bool) -> MarketSource:
    if offline:
        from perphedge.market.snapshot.source import SnapshotSource

        return SnapshotSource()
    from perphedge.market.live.service import get_service

    return get_service()


def refresh_file(path: str | Path, *, offline: bool = False, source: MarketSource | None = None,
                 backup: bool = True, now_ms: int | None = None,
                 progress: Callable[[str], None] = lambda _m: None,
                 finish: Callable[[ooxml.Package], object] | None = None) -> RefreshResult:
    """Refresh the Market table inside a workbook file, changing nothing else in it but what
    ``finish`` (given the refreshed package before it is written) changes: the formulas'
    cached values (``template.recache``, which this layer does not know).

    The new file is written beside the old one, fsync'd and swapped in with
    ``os.replace``; the file as found is kept as ``FILE.bak`` unless it is exactly what the
    last refresh wrote (then ``FILE.bak`` keeps the user's version from before that one).
    Any error leaves the file as it was.
    """
    path = Path(path)
    if not path.is_file():
        raise RefreshError(f"{path} does not exist")
    _refuse_if_open_elsewhere(path)
    _refuse_if_read_only(path)
    # an earlier refresh killed mid-write left its temp file (the workbook itself is
    # intact); only this file's and its backup's, and only ones too old to be in use
    removed = tuple(p.name for t in (path, backup_file(path), record_file(path))
                    for p in remove_leftovers(t))
    before = identity(path)
    try:
        found = path.read_bytes()
        pkg = ooxml.Package.read(path, data=found)
        table = PackageMarketTable(pkg)
    except ooxml.PackageError as e:
        raise RefreshError(str(e)) from e
    if identity(path) != before:
        raise _changed(path)
    try:
        result = refresh_table(table, source or default_source(offline), now_ms=now_ms,
                               progress=progress)
        _recalc_on_load(pkg)
        if finish is not None:
            finish(pkg)
    except RefreshError:
        raise
    except (ooxml.PackageError, ValueError, AttributeError) as e:
        # a Market sheet or workbook part not laid out as Excel writes it
        raise RefreshError(f"{path.name} could not be updated: {e}") from e

    def unchanged() -> None:
        # another program may have saved the workbook while it was being refreshed: its
        # save wins, ours is dropped (checked last thing before the rename)
        if identity(path) != before:
            raise _changed(path)

    try:
        unchanged()
        if backup and digest(found) != last_written(path):
            with atomic_target(backup_file(path), follow_symlinks=False) as tmp:
                tmp.write_bytes(found)
        with atomic_target(path, before_replace=unchanged) as tmp:
            with open(tmp, "wb") as f:
                pkg.to_bytes_into(f)
            # recorded before the swap: if the swap fails the record names no file on
            # disk, so the next refresh takes a backup (the safe way to be wrong)
            write_text_atomic(record_file(path), digest(tmp.read_bytes()) + "\n",
                              follow_symlinks=False)
    except NotARegularFile as e:
        raise RefreshError(str(e)) from e
    except OSError as e:
        # e.g. Windows refuses to replace a file another program holds open
        raise RefreshError(f"could not write {path}: {e.strerror or e}") from e
    return replace(result, leftovers_removed=removed)


def _refuse_if_open_elsewhere(path: Path) -> None:
    # a refresh would replace the file under the program, whose next save would then
    # overwrite the refreshed values (or the user's edits, the other way round)
    found = open_in(path)
    if found:
        lock, program = found
        instead = ", or use Refresh prices in Excel" if program == "Excel" else ""
        raise RefreshError(f"{path.name} is open in {program} ({lock.name} exists); "
                           f"close it there and run again{instead}")


def _refuse_if_read_only(path: Path) -> None:
    if is_read_only(path):
        raise RefreshError(f"{path} is read-only: nothing written; make it writable "
                           "(or refresh a copy) and run again")


def _changed(path: Path) -> RefreshError:
    return RefreshError(f"{path} changed while refreshing (saved by another program?): "
                        "nothing written, run again")


#: CT_Workbook's children in schema order (ECMA-376 Part 1, 18.2.27): where calcPr goes.
_WORKBOOK_ORDER = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews",
                   "sheets", "functionGroups", "externalReferences", "definedNames", "calcPr",
                   "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr",
                   "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects",
                   "extLst")


def _recalc_on_load(pkg: ooxml.Package) -> None:
    """Ask Excel/LibreOffice to recalculate on open: formulas read the new Market values."""
    part = pkg.workbook_part()
    root = parse_part(pkg.data[part], part)
    m = main_ns(root)
    calc = root.find(m + "calcPr")
    if calc is None:
        calc = etree.Element(m + "calcPr")
        insert_in_order(root, calc, _WORKBOOK_ORDER)
    calc.set("fullCalcOnLoad", "1")
    pkg.replace(part, serialize(root))
