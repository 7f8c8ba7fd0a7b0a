"""Write a copy of a workbook that is safe to send to someone without the add-in.

Add-in formulas become their last calculated values (the formula kept in the cell's note),
settings sheets and external links go, macros go (the copy is .xlsx), and the Market
data's as-of time is stamped where the reader sees it. The copy is written through
openpyxl: it is a new file, and the original is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from perphedge.atomicfile import atomic_target, remove_leftovers
from perphedge.core.errors import PerphedgeError
from perphedge.workbook.check import addin_functions, calls_addin, is_config_sheet
from perphedge.workbook.table import as_datetime

STAMP_PREFIX = "Shared copy"


class ShareError(PerphedgeError):
    """The copy cannot be made; nothing was written."""


@dataclass(frozen=True)
class ShareResult:
    formulas_replaced: int
    sheets_removed: tuple[str, ...]
    links_removed: int
    stamp: str
    not_carried: tuple[str, ...] = ()   # parts of IN the copy lacks (pictures, ...)


def _formula_text(value) -> str | None:
    if isinstance(value, str) and value.startswith("="):
        return value
    text = getattr(value, "text", None)  # ArrayFormula / DataTableFormula
    return text if isinstance(text, str) else None


def share_file(src: str | Path, dst: str | Path, *, now: datetime | None = None) -> ShareResult:
    import openpyxl
    from openpyxl.comments import Comment

    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise ShareError("IN and OUT must be different files")
    if dst.suffix.lower() != ".xlsx":
        raise ShareError(f"OUT must be an .xlsx file (no macros), got {dst.name}")
    try:
        wb = openpyxl.load_workbook(src)
        cached = openpyxl.load_workbook(src, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a bad file
        raise ShareError(f"{src} is not a readable Excel workbook: {e}") from e
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    names = addin_functions()

    removed = tuple(ws.title for ws in wb.worksheets if is_config_sheet(ws.title))
    for title in removed:
        del wb[title]
    links = len(getattr(wb, "_external_links", []))
    wb._external_links = []
    for key in [k for k, dn in wb.defined_names.items() if "[" in (dn.attr_text or "")]:
        del wb.defined_names[key]

    replaced = 0
    for ws in wb.worksheets:
        values = cached[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                f = _formula_text(cell.value)
                if f is None:
                    continue
                linked = "[" in f and "]" in f
                if not (calls_addin(f, names) or linked):
                    continue
                value = values[cell.coordinate].value
                note = (f"Was {f} — replaced by its last calculated value for sharing "
                        f"({'perphedge add-in function' if not linked else 'external link'}).")
                if value is None:
                    note += " No calculated value was saved with the workbook."
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"
                cell.comment = Comment(note, "perphedge share")
                replaced += 1

    stamp = _stamp(wb, now)
    remove_leftovers(dst)
    try:
        with atomic_target(dst) as tmp:
            wb.save(tmp)
    except OSError as e:
        raise ShareError(str(e)) from e
    return ShareResult(replaced, removed, links, stamp, _not_carried(src, dst))


#: Parts a values-only copy is meant to lose.
_DROPPED_ON_PURPOSE = ("xl/vbaProject.bin", "xl/externalLinks/", "customUI/", "docProps/custom")


def _not_carried(src: Path, dst: Path) -> tuple[str, ...]:
    """Content of IN that openpyxl did not write into OUT (it rewrites every part it
    models; pictures need Pillow, and slicers, pivot caches, controls and embedded
    objects it does not model at all). Said out loud rather than lost silently."""
    import zipfile

    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst) as b:
        kept = {n.rsplit("/", 1)[0] for n in b.namelist()}
        kept_names = set(b.namelist())
        lost = []
        for n in a.namelist():
            if n in kept_names or n.endswith(".rels") or n.startswith(_DROPPED_ON_PURPOSE):
                continue
            if n.startswith(("xl/media/", "xl/embeddings/", "xl/slicer", "xl/pivot",
                             "xl/ctrlProps/", "xl/activeX/", "xl/timeline", "xl/richData/",
                             "xl/model/", "customXml/")) or n.rsplit("/", 1)[0] not in kept:
                lost.append(n)
    return tuple(lost)


def _stamp(wb, now: datetime) -> str:
    """Put "Shared copy made … — market data as of …" above the Market table."""
    from openpyxl.styles import Font

    as_of = None
    market_ws, top = None, 1
    for ws in wb.worksheets:
        for table in ws.tables.values():  # (TableList.items() gives refs, not tables)
            if table.displayName.lower() == "market":
                market_ws = ws
                from openpyxl.utils.cell import range_boundaries

                c1, r1, c2, r2 = range_boundaries(table.ref)
                top = r1
                headers = [str(ws.cell(r1, c).value or "").strip().lower()
                           for c in range(c1, c2 + 1)]
                if "as of (utc)" in headers:
                    col = c1 + headers.index("as of (utc)")
                    times = [as_datetime(ws.cell(r, col).value) for r in range(r1 + 1, r2 + 1)]
                    times = [t for t in times if t is not None]
                    as_of = (min(times), max(times)) if times else None
    if as_of is None:
        market = "market data: none"
    elif as_of[0] == as_of[1]:
        market = f"market data as of {as_of[1]:%Y-%m-%d %H:%M} UTC"
    else:
        market = f"market data as of {as_of[0]:%Y-%m-%d %H:%M} to {as_of[1]:%Y-%m-%d %H:%M} UTC"
    text = (f"{STAMP_PREFIX} made {now:%Y-%m-%d %H:%M} UTC — {market}. Values only: no live "
            "prices, no add-in needed.")
    ws = market_ws or wb.worksheets[0]
    # first free cell in column A above the table; else a sheet of its own at the front
    for r in range(1, top):
        if ws.cell(r, 1).value in (None, ""):
            ws.cell(r, 1, text).font = Font(bold=True, color="C00000")
            return text
    from openpyxl.styles import Alignment

    note = wb.create_sheet("Shared copy", 0)
    note["A1"] = text
    note["A1"].font = Font(bold=True, color="C00000")
    note["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    note.column_dimensions["A"].width = 100
    note.row_dimensions[1].height = 36
    for ws in wb.worksheets:   # one selected tab, or Excel opens the sheets grouped
        ws.sheet_view.tabSelected = ws is note
    wb.active = 0
    return text
