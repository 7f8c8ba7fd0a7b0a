"""``perphedge refresh FILE``: the one refresh routine run on the Market table inside a
workbook file, changing nothing else in it, with the file's safety around it (Excel's lock
file, leftovers of a killed write, a change by another program, a backup, an atomic swap).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from perphedge import ooxml
from perphedge.atomicfile import atomic_target, remove_leftovers
from perphedge.files.table import PackageMarketTable
from perphedge.market.source import MarketSource
from perphedge.refresh.routine import RefreshError, RefreshResult, refresh_table


def lock_file(path: Path) -> Path:
    """Excel's owner file for an open workbook: ``~$`` + the name."""
    return path.with_name("~$" + path.name)


def backup_file(path: Path) -> Path:
    """Where a refresh keeps the previous version: ``FILE.bak``."""
    return path.with_name(path.name + ".bak")


def default_source(offline: bool) -> MarketSource:
    if offline:
        from perphedge.market.snapshot.source import SnapshotSource

        return SnapshotSource()
    from perphedge.market.live.service import get_service

    return get_service()


def refresh_file(path: str | Path, *, offline: bool = False, source: MarketSource | None = None,
                 backup: bool = True, now_ms: int | None = None,
                 progress: Callable[[str], None] = lambda _m: None) -> RefreshResult:
    """Refresh the Market table inside a workbook file, changing nothing else in it.

    The new file is written beside the old one, fsync'd and swapped in with
    ``os.replace``; the previous file is kept as ``FILE.bak``. Any error leaves the file
    as it was.
    """
    path = Path(path)
    if not path.is_file():
        raise RefreshError(f"{path} does not exist")
    if lock_file(path).exists():
        raise RefreshError(f"{path.name} is open in Excel ({lock_file(path).name} exists); "
                           "close it there, or use Refresh prices in Excel")
    # an earlier refresh killed mid-write left its temp file (the workbook itself is
    # intact); only this file's and its backup's, and only ones too old to be in use
    removed = tuple(p.name for t in (path, backup_file(path)) for p in remove_leftovers(t))
    before = path.stat()
    try:
        pkg = ooxml.Package.read(path)
        table = PackageMarketTable(pkg)
    except ooxml.PackageError as e:
        raise RefreshError(str(e)) from e
    try:
        result = refresh_table(table, source or default_source(offline), now_ms=now_ms,
                               progress=progress)
        _recalc_on_load(pkg)
    except RefreshError:
        raise
    except (ooxml.PackageError, ValueError, AttributeError) as e:
        # a Market sheet or workbook part not laid out as Excel writes it
        raise RefreshError(f"{path.name} could not be updated: {e}") from e
    after = path.stat()
    if (after.st_mtime_ns, after.st_size) != (before.st_mtime_ns, before.st_size):
        raise RefreshError(f"{path} changed while refreshing; nothing written, try again")
    try:
        if backup:
            with atomic_target(backup_file(path)) as tmp:
                shutil.copy2(path, tmp)
        pkg.save(path)
    except OSError as e:
        # e.g. Windows refuses to replace a file another program holds open
        raise RefreshError(f"could not write {path}: {e.strerror or e}") from e
    return replace(result, leftovers_removed=removed)


def _recalc_on_load(pkg: ooxml.Package) -> None:
    """Ask Excel/LibreOffice to recalculate on open: formulas read the new Market values."""
    part = pkg.workbook_part()
    xml = pkg.data[part].decode("utf-8")
    m = re.search(r"<(\w+:)?calcPr\b[^>]*?/?>", xml)
    if m:
        tag = m.group(0)
        if "fullCalcOnLoad=" in tag:
            new = re.sub(r'fullCalcOnLoad="[^"]*"', 'fullCalcOnLoad="1"', tag)
        else:
            new = tag.replace("calcPr", 'calcPr fullCalcOnLoad="1"', 1)
        xml = xml[:m.start()] + new + xml[m.end():]
    else:
        p = (re.search(r"<(\w+:)?workbook[\s>]", xml).group(1) or "")
        anchors = [f"</{p}definedNames>", f"</{p}externalReferences>", f"</{p}sheets>"]
        for a in anchors:
            at = xml.find(a)
            if at >= 0:
                at += len(a)
                xml = xml[:at] + f'<{p}calcPr fullCalcOnLoad="1"/>' + xml[at:]
                break
    pkg.replace(part, xml.encode("utf-8"))
