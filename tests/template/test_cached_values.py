"""Every formula cell of a built workbook carries a cached value, and it is the value
LibreOffice computes when it recalculates the file.

The cached values are read with openpyxl (``data_only=True``) from the file as built, before
any recalculation; the recalculated ones from LibreOffice's copy, recalculated in full
(``template.libreoffice`` sets LibreOffice to recalculate on load: by default it keeps a
cached value it finds, and this comparison would only read the cached values back). Tolerance: 1e-9 relative
(1e-9 absolute) for numbers; the cells that depend on the clock (NowUTC = NOW(), data ages
in hours) within the minutes between the build and the recalculation (1.2 h).

Formula cells built without a cached value, and why (the builder leaves no ``<v>`` rather
than a wrong figure; Excel computes them on opening):

- the Warnings texts (Warnings, Errors, Risks, Notes) of a row that has warnings: their
  numbers are formatted by Excel's TEXT and joined by the formula; a row without warnings
  (and every blank row) has its empty text cached;
- NowUTC (=NOW()): what a preview shows is not now, so it shows no time; the data ages
  are cached as of the build (the Market row's age when the file was made);
- on the History sheet, the trade flags, entries, margins, P&L since opening and the target
  count (``core.backtest`` does not report them per settlement); its other columns and the
  yearly table are cached.
"""

from __future__ import annotations

import math
from datetime import datetime

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from perphedge.ooxml.cachedvalues import formula_cells
from perphedge.template import history_sheet as H
from perphedge.template import layout as L
from perphedge.template.build import build_workbook

pytestmark = pytest.mark.libreoffice

NOT_CACHED_SHEETS: set[str] = set()
#: History columns the walk does not report per settlement (and B: the target count input);
#: Liq. price where LibreOffice shows #N/A (margin below maintenance at entry).
HISTORY_UNCACHED = {get_column_letter(1 + H.COLUMNS.index(n)) for n in
                    ("Trade", "Entry", "Margin", "P&L since open", "Liq. price")} | {"B"}
TEXT_COLUMNS = {L.pcol(k) for k in ("warnings", "w_errors", "w_risks", "w_notes")}
CLOCK_COLUMNS = {L.pcol("age"), L.pcol("age_shown")}
NOW_CELL = next(s.cell for s in L.SETTINGS if s.name == "NowUTC")


def _number(x):
    if isinstance(x, datetime):
        return (x - datetime(1899, 12, 30)).total_seconds() / 86400
    return x


def _letters(ref: str) -> str:
    return ref.rstrip("0123456789")


def _row(ref: str) -> int:
    return int(ref[len(_letters(ref)):])


def compare(path, recalc) -> list[tuple]:
    """(sheet, ref, cached, recalculated) of every formula cell whose cached value is not
    the recalculated one, and of every uncached one outside the stated exceptions."""
    cells = formula_cells(path.read_bytes())
    cached = openpyxl.load_workbook(path, data_only=True)
    fresh = recalc(path)
    problems = []
    for sheet, refs in cells.items():
        for ref in refs:
            c, f = cached[sheet][ref].value, fresh[sheet][ref].value
            if sheet in NOT_CACHED_SHEETS or (sheet == L.PORTFOLIO and ref == NOW_CELL):
                assert c is None, (sheet, ref, c)
                continue
            if c is None and (sheet == L.PORTFOLIO and _letters(ref) in TEXT_COLUMNS and f not in (None, "")):
                continue  # a row's warning texts: stated above
            if c is None and sheet == H.HISTORY_SHEET and _letters(ref) in HISTORY_UNCACHED:
                continue  # stated above
            scale = 0.0
            if sheet == L.PORTFOLIO and _letters(ref) in NET_COLUMNS:
                spot = fresh[sheet][f"{L.pcol('spot_value')}{_row(ref)}"].value
                scale = abs(spot) if isinstance(spot, (int, float)) else 0.0
            if not _same(c, f, sheet, ref, scale):
                problems.append((sheet, ref, c, f))
    return problems


#: Differences of two figures of the row's size (spot value × β − hedged notional): compared
#: at 1e-9 of the spot value, not of the small difference, which float cancellation leaves
#: with a larger relative error in any engine.
NET_COLUMNS = {L.pcol("net"), L.pcol("net_held")}


def _same(c, f, sheet: str, ref: str, scale: float = 0.0) -> bool:
    if c in (None, "") or f in (None, ""):
        return c in (None, "") and f in (None, "")
    if isinstance(c, str) or isinstance(f, str):
        return c == f
    c, f = _number(c), _number(f)
    if isinstance(c, bool) or isinstance(f, bool):
        return bool(c) == bool(f)
    if sheet == L.PORTFOLIO and _letters(ref) in CLOCK_COLUMNS and _row(ref) >= L.PORTFOLIO_FIRST_ROW:
        return abs(c - f) < 1.2
    return math.isclose(c, f, rel_tol=1e-9, abs_tol=max(1e-9, 1e-9 * scale))


def test_demo_cached_values_are_the_recalculated_ones(recalc, demo_path):
    problems = compare(demo_path, recalc)
    assert not problems, "\n".join(map(str, problems[:30]))


def test_template_cached_values_are_the_recalculated_ones(recalc, template_path):
    problems = compare(template_path, recalc)
    assert not problems, "\n".join(map(str, problems[:30]))


def test_generated_books_cached_values_are_the_recalculated_ones(recalc, generated, tmp_path):
    """The synthetic portfolios with their edge cases, built at the time of the test (their
    NowUTC is the clock's, so cached ages are LibreOffice's)."""
    for i, (_, holdings, rows, history, tiers) in enumerate(generated):
        from perphedge.template.tiers_sheet import TierTable

        tables = [TierTable(s, x, tuple(t)) for (s, x), t in tiers.items()]
        path = tmp_path / f"book{i}.xlsx"
        build_workbook(holdings, rows, history, path, data_note="Synthetic inputs.", tier_tables=tables)
        problems = compare(path, recalc)
        assert not problems, "\n".join(map(str, problems[:30]))


def test_a_demo_viewer_shows_the_numbers_without_recalculating(demo_path, demo_build):
    """What a preview shows: the Portfolio's spot value, hedge and margin of each holding."""
    ws = openpyxl.load_workbook(demo_path, data_only=True)["Portfolio"]
    for i in range(len(demo_build.holdings)):
        r = L.PORTFOLIO_FIRST_ROW + i
        for key in ("spot_value", "notional", "contracts", "hedged", "margin", "liq_price"):
            assert isinstance(ws[f"{L.pcol(key)}{r}"].value, (int, float)), (key, r)


def test_an_offline_book_with_a_coin_the_snapshot_lacks(recalc, tmp_path):
    """The kept row's cached values are LibreOffice's too, and its Warnings say what to do."""
    from perphedge.cli import main

    csv = tmp_path / "h.csv"
    csv.write_text("asset,qty\nSOL,10\nBTC,1\n")
    path = tmp_path / "sol.xlsx"
    assert main(["--offline", "new", str(path), "--portfolio", str(csv)]) == 0
    problems = compare(path, recalc)
    assert not problems, "\n".join(map(str, problems[:30]))
    ws = recalc(path)["Portfolio"]
    r = L.PORTFOLIO_FIRST_ROW
    assert ws[f"{L.pcol('warnings')}{r}"].value.startswith("no recorded data — refresh to fill")
    assert "Totals leave out 1 holding(s)" in ws[f"{L.pcol('warnings')}{r + L.portfolio_rows(2)}"].value
