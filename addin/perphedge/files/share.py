"""Write a copy of a workbook that is safe to send to someone without the add-in.

The copy is built from an allow-list (:mod:`perphedge.files.allowlist`, applied by
:mod:`perphedge.files.copybuild`): worksheets, rebuilt shared strings, styles, theme,
tables, drawings with pictures, charts whose series read this workbook, comments with the
author anonymised, and nothing else. A formula outside the allow-list (an add-in
function, another workbook, WEBSERVICE, a DDE link, ...) becomes its last calculated value
with the formula in the cell's note; defined names are kept only when allowed with the
names kept. Hidden sheets are left out. A front sheet says when the copy was made and how
old its market data is.

Fail closed: the copy is written to a temporary file beside OUT, read back and checked by
the same rules, and only then renamed to OUT; on any failure there is no OUT.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from perphedge import ooxml
from perphedge.atomicfile import AtomicWriteError, atomic_target, remove_leftovers
from perphedge.core.errors import PerphedgeError
from perphedge.files.copybuild import NOTE_AUTHOR, CopyBuilder, Removal
from perphedge.files.table import PackageMarketTable
from perphedge.refresh.table import as_datetime

__all__ = ["NOTE_AUTHOR", "STAMP_PREFIX", "ShareError", "ShareResult", "share_file"]

STAMP_PREFIX = "Shared copy"


class ShareError(PerphedgeError):
    """The copy cannot be made; nothing was written."""


@dataclass(frozen=True)
class ShareResult:
    formulas_replaced: int
    sheets_removed: tuple[str, ...]
    links_removed: int
    stamp: str
    left_out: tuple[Removal, ...] = ()      # everything the copy does not carry, and why
    no_value: tuple[str, ...] = ()          # replaced formulas that had no saved value


def share_file(src: str | Path, dst: str | Path, *, now: datetime | None = None) -> ShareResult:
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise ShareError("IN and OUT must be different files")
    if dst.suffix.lower() != ".xlsx":
        raise ShareError(f"OUT must be an .xlsx file (no macros), got {dst.name}")
    now = now or datetime.now(UTC).replace(tzinfo=None)
    try:
        pkg = ooxml.Package.read(src)
        text = _stamp_text(pkg, now)
    except ooxml.PackageError as e:
        raise ShareError(str(e)) from e
    remove_leftovers(dst)
    try:
        # OUT is a new file: a link or device already there is refused, never written through
        with atomic_target(dst, follow_symlinks=False) as tmp:
            built = _write(pkg, tmp, text)
            _verify(tmp)
    except ooxml.PackageError as e:
        raise ShareError(f"{src} could not be prepared for sharing: {e}") from e
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as e:
        # a part not laid out as Excel lays it out
        raise ShareError(f"{src} could not be prepared for sharing: {e}") from e
    except MemoryError:
        raise ShareError(f"{src} is too large to share in the memory available; "
                         "nothing was written") from None
    except (AtomicWriteError, OSError) as e:
        raise ShareError(str(e)) from e
    return ShareResult(built.formulas_replaced, tuple(built.sheets_removed),
                       built.links_removed, text, tuple(built.removals),
                       tuple(r.where for r in built.removals if r.kind == "no-value"))


def _write(pkg: ooxml.Package, tmp: Path, text: str):
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        return CopyBuilder(pkg, z, stamp=lambda: text).build()


def _verify(tmp: Path) -> None:
    """The written copy, read back, has nothing outside the allow-list."""
    left = CopyBuilder(ooxml.Package.read(tmp), None).build().removals
    if left:
        raise ShareError("the copy still has what a shared copy may not (nothing was "
                         "written): " + "; ".join(f"{r.kind} {r.where}: {r.detail}" for r in left))


def _stamp_text(pkg: ooxml.Package, now: datetime) -> str:
    market = _market_as_of(pkg)
    # what the copy is, exactly: the workbook's own formulas still compute; what reached
    # beyond the file (the add-in, other files, functions outside the allow-list) is now
    # the value it last showed
    return (f"{STAMP_PREFIX} made {now:%Y-%m-%d %H:%M} UTC — {market}. Workbook formulas "
            "kept; add-in functions and links to other files are their last values. No live "
            "prices, no add-in needed.")


# ----------------------------------------------------------------------------- the stamp

def _market_as_of(pkg: ooxml.Package) -> str:
    try:
        table = PackageMarketTable(pkg)
    except ooxml.PackageError:
        return "market data: none"
    headers = [h.strip().lower() for h in table.headers()]
    times = []
    if "as of (utc)" in headers:
        times = [t for t in map(as_datetime, table.column(headers.index("as of (utc)")))
                 if t is not None]
    if not times:
        return "market data: none"
    lo, hi = min(times), max(times)
    if lo == hi:
        return f"market data as of {hi:%Y-%m-%d %H:%M} UTC"
    return f"market data as of {lo:%Y-%m-%d %H:%M} to {hi:%Y-%m-%d %H:%M} UTC"


