"""Fill a workbook's Positions sheet with what the exchanges report, in the file.

The table's lines are replaced by the reader's (:func:`perphedge.core.positions.sheet_rows`),
the table, its filter and the sheet's print area follow the new last line, and the status
line says when, from where and what was read. Everything else in the file is copied as it
was; the file is swapped in whole (the in-file refresh's safety: refused while open in
Excel or LibreOffice or read-only, unchanged if another program saved it meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from perphedge import ooxml
from perphedge.atomicfile import atomic_target, write_text_atomic
from perphedge.core.errors import PerphedgeError
from perphedge.core.positions import POSITIONS_TABLE as TABLE
from perphedge.core.positions import READ_NAME, READ_SEPARATOR, SHEET_COLUMNS, STATUS_NAME, PositionRow
from perphedge.files.filesafety import digest, identity, is_read_only, last_written, open_in, record_file
from perphedge.ooxml.sharedformulas import Formula
from perphedge.ooxml.sheetxml import set_cells
from perphedge.ooxml.treeedit import main_ns, parse_part, serialize
from perphedge.refresh.positions import is_unplanned, line_status_formula


class PositionsNotWritten(PerphedgeError):
    """The workbook cannot take the positions: nothing was written."""


def write_positions(path: str | Path, rows: Sequence[PositionRow] | None, status: str,
                    read: Sequence[str] = (),
                    finish: Callable[[ooxml.Package], object] | None = None) -> Path:
    """Write ``rows`` — every position open on the exchanges ``read`` — into the Positions
    table of the workbook at ``path``, and ``read`` into its PositionsRead cell (the Portfolio
    takes a market of an exchange not listed as not read, never as no position); with
    ``rows`` None only the status line (the lines and exchanges read before stay, the status
    says why). ``finish`` is given the package before it is written (the formulas' cached
    values: ``template.recache``)."""
    path = Path(path)
    found = open_in(path)
    if found:
        raise PositionsNotWritten(f"{path.name} is open in {found[1]} ({found[0].name} exists); "
                                  "close it there and run again: nothing written")
    if is_read_only(path):
        raise PositionsNotWritten(f"{path} is read-only: nothing written; make it writable "
                                  "and run again")
    before = identity(path)
    found = path.read_bytes()
    # a file that is exactly the last refresh's output stays so once its Positions are in:
    # the next refresh must not take it for the user's own version and back it up over
    # the one kept before
    ours = digest(found) == last_written(path)
    try:
        pkg = ooxml.Package.read(path, data=found)
        table = pkg.table(TABLE)
    except ooxml.PackageError as e:
        raise PositionsNotWritten(
            f"{path.name}: {e} — a workbook from an older perphedge has no Positions sheet; "
            "build a new one with `perphedge new` (your holdings are in its Portfolio)") from None
    headers = tuple(h for _, h in SHEET_COLUMNS)
    if table.columns != headers or table.header_rows != 1 or table.totals_rows:
        raise PositionsNotWritten(f"{path.name}: the Positions table's columns are not "
                                  f"{', '.join(headers)}: nothing written")
    try:
        _fill(pkg, table, rows, status, read)
        if finish is not None:
            finish(pkg)
    except (ooxml.PackageError, ValueError) as e:
        raise PositionsNotWritten(f"{path.name} could not be updated: {e}") from None

    def unchanged() -> None:
        if identity(path) != before:
            raise PositionsNotWritten(f"{path} changed while writing (saved by another "
                                      "program?): nothing written, run again")

    try:
        with atomic_target(path, before_replace=unchanged) as tmp:
            with open(tmp, "wb") as f:
                pkg.to_bytes_into(f)
            if ours:
                write_text_atomic(record_file(path), digest(tmp.read_bytes()) + "\n",
                                  follow_symlinks=False)
    except OSError as e:   # AtomicWriteError names the file; it is unchanged
        raise PositionsNotWritten(f"{e}: nothing written") from None
    return path


def has_positions_sheet(path: str | Path) -> bool:
    """Whether the workbook has the Positions table (older workbooks do not)."""
    try:
        ooxml.Package.read(Path(path)).table(TABLE)
    except ooxml.PackageError:
        return False
    return True


def _fill(pkg: ooxml.Package, table: ooxml.TableRef, rows: Sequence[PositionRow] | None,
          status: str, read: Sequence[str]) -> None:
    if rows is None:   # the lines stay; only the status line says why they were not read
        sheet_of, status_cell = _named_cell(pkg, STATUS_NAME)
        part = table.sheet.part
        pkg.replace(part, set_cells(pkg.data[part], {status_cell: status}))
        return
    r1, c1, r2, c2 = ooxml.range_bounds(table.ref)
    first = r1 + 1
    last = first + max(len(rows), 1) - 1
    part = table.sheet.part
    existing = {(c.row, c.col): c.style for c in pkg.cells(part)}
    values: dict[tuple[int, int], object] = {}
    styles: dict[tuple[int, int], str] = {}
    status_col = c1 + [f for f, _ in SHEET_COLUMNS].index("status")
    for r in range(first, max(last, r2) + 1):
        line = rows[r - first].values() if r - first < len(rows) else [None] * (c2 - c1 + 1)
        for j, v in enumerate(line):
            values[(r, c1 + j)] = v if r <= last else None
        if r - first < len(rows) and is_unplanned(rows[r - first]):
            # read with no plan given: the line's status follows the workbook's Portfolio
            values[(r, status_col)] = Formula(line_status_formula(r))
            style = existing.get((first, c1 + j))
            if style is not None:   # every line as the first one is formatted
                styles[(r, c1 + j)] = style
    for name, value in ((STATUS_NAME, status), (READ_NAME, READ_SEPARATOR.join(read))):
        if name == READ_NAME and name not in pkg.defined_names():
            continue   # a workbook from before the Portfolio read its held contracts here
        sheet_of, cell = _named_cell(pkg, name)
        if sheet_of != table.sheet.name:
            raise ValueError(f"{name} does not point into the {table.sheet.name} sheet")
        values[cell] = value
    pkg.replace(part, set_cells(pkg.data[part], values, styles, restyle=True))
    new_ref = f"{ooxml.col_letter(c1)}{r1}:{ooxml.col_letter(c2)}{last}"
    root = parse_part(pkg.data[table.part], table.part)
    root.set("ref", new_ref)
    auto = root.find(main_ns(root) + "autoFilter")
    if auto is not None:
        auto.set("ref", new_ref)
    pkg.replace(table.part, serialize(root))
    _move_print_area(pkg, table.sheet.name, f"$A$1:${ooxml.col_letter(c2)}${last}")


def _named_cell(pkg: ooxml.Package, name: str) -> tuple[str, tuple[int, int]]:
    ref = pkg.defined_names().get(name)
    if not ref or "!" not in ref:
        raise ValueError(f"the workbook has no {name} name")
    sheet, cell = ref.rsplit("!", 1)
    return sheet.strip("'").replace("''", "'"), ooxml.split_ref(cell.replace("$", ""))


def _move_print_area(pkg: ooxml.Package, sheet: str, area: str) -> None:
    part = pkg.workbook_part()
    root = parse_part(pkg.data[part], part)
    m = main_ns(root)
    # localSheetId counts the workbook's <sheet> elements in order
    index = next((i for i, s in enumerate(root.iter(m + "sheet")) if s.get("name") == sheet), None)
    quoted = "'" + sheet.replace("'", "''") + "'"
    for dn in root.iter(m + "definedName"):
        if dn.get("name") == "_xlnm.Print_Area" and dn.get("localSheetId") == str(index):
            dn.text = f"{quoted}!{area}"
            pkg.replace(part, serialize(root))
            return
