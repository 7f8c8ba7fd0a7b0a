"""After a refresh in the file, the formulas' cached values (what a preview shows without
recalculating) are the new Market values' results: read with openpyxl (``data_only``, no
recalculation), they are the figures the synthetic refresh inputs give by hand, and
LibreOffice recalculating the refreshed file (in full: ``template.libreoffice``) finds the
same in every formula cell. A formula the user edited keeps no value; inputs the formulas
cannot be read from leave every value out and say why."""

from __future__ import annotations

import math
import shutil
import time

import openpyxl
import pytest

from perphedge import ooxml
from perphedge.files import refresh as rf
from perphedge.ooxml.sheetxml import set_cells
from perphedge.template import layout as L
from perphedge.template.recache import CachedValuesPass, recache
from tests.support.fake import AFTER_SNAPSHOT_MS, FakeSource
from tests.template.test_cached_values import compare

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
MARKS = {BTC: 71234.5, ETH: 2345.75}     # synthetic refresh inputs, unlike the snapshot's


@pytest.fixture(scope="module")
def refreshed(demo_path, tmp_path_factory):
    book = tmp_path_factory.mktemp("recache") / "refreshed.xlsx"
    shutil.copyfile(demo_path, book)
    cache = CachedValuesPass()
    rf.refresh_file(book, source=FakeSource(MARKS, now_ms=AFTER_SNAPSHOT_MS), now_ms=AFTER_SNAPSHOT_MS,
                    backup=False, finish=cache)
    return book, cache.report


def _row_of(ws, asset: str) -> int:
    col = L.PORTFOLIO_KEYS.index("asset") + 1
    return next(r for r in range(L.PORTFOLIO_FIRST_ROW, ws.max_row + 1) if ws.cell(r, col).value == asset)


def test_refreshed_values_are_the_new_markets_results_by_hand(refreshed, demo_path):
    book, report = refreshed
    assert report is not None and report.unreadable is None and not report.edited
    inputs = openpyxl.load_workbook(book)["Portfolio"]
    got = openpyxl.load_workbook(book, data_only=True)["Portfolio"]
    old = openpyxl.load_workbook(demo_path, data_only=True)["Portfolio"]
    r = _row_of(inputs, "BTC")

    def at(ws, key):
        return ws[f"{L.pcol(key)}{r}"].value

    qty = inputs[f"{L.pcol('qty')}{r}"].value
    # FakeSource: spot = mark − 1, contract size 1, step 0.001 (tests/support/fake.py)
    assert at(got, "perp_price") == 71234.5 != at(old, "perp_price")
    assert at(got, "price") == 71233.5
    assert math.isclose(at(got, "spot_value"), qty * 71233.5, rel_tol=1e-12)
    contracts = at(got, "contracts")
    assert math.isclose(contracts * 1000, round(contracts * 1000), abs_tol=1e-6)  # on the 0.001 step
    assert math.isclose(at(got, "hedged"), contracts * 71234.5, rel_tol=1e-12)


def test_refreshed_cached_values_are_libreoffices_recalculation(refreshed, recalc):
    book, _ = refreshed
    assert compare(book, recalc) == []


def test_an_edited_formula_keeps_no_value_and_is_counted(demo_path, tmp_path):
    pkg = ooxml.Package.read(demo_path)
    part = pkg.sheet(L.PORTFOLIO).part
    r = L.PORTFOLIO_FIRST_ROW
    ref = f"{L.pcol('notional')}{r}"
    from perphedge.ooxml.sharedformulas import Formula

    pkg.replace(part, set_cells(pkg.data[part], {ooxml.split_ref(ref): Formula("1+1", cached="2")}))
    report = recache(pkg, AFTER_SNAPSHOT_MS)
    assert report.edited == ((L.PORTFOLIO, ref),)
    assert (L.PORTFOLIO, ref) in report.without_value
    assert "1 formula(s) not as built" in report.summary()
    out = tmp_path / "edited.xlsx"
    pkg.save(out)
    got = openpyxl.load_workbook(out, data_only=True)["Portfolio"]
    assert got[ref].value is None
    assert isinstance(got[f"{L.pcol('spot_value')}{r}"].value, float)   # the others stand


def test_unreadable_inputs_leave_no_value_and_say_why(demo_path, tmp_path):
    pkg = ooxml.Package.read(demo_path)
    part = pkg.sheet(L.MARKET).part
    mark = (L.MARKET_FIRST_ROW, L.MARKET_HEADERS.index("Mark") + 1)
    pkg.replace(part, set_cells(pkg.data[part], {mark: "n/a"}))
    report = recache(pkg, AFTER_SNAPSHOT_MS)
    assert report.written == 0
    assert "Market Mark of BTC/USDT:USDT holds 'n/a', not a number" in report.summary()
    out = tmp_path / "text.xlsx"
    pkg.save(out)
    got = openpyxl.load_workbook(out, data_only=True)
    # a Beta input that is a formula (=Beta!…) reads the Beta sheet, which a refresh leaves: it stands
    inputs = {L.pcol(c.key) for c in L.PORTFOLIO_COLUMNS if c.kind == "input"}
    for sheet in (L.PORTFOLIO, L.SCENARIOS):
        formulas = openpyxl.load_workbook(out)[sheet]
        kept = [c.coordinate for row in formulas.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=") and got[sheet][c.coordinate].value is not None
                and not (sheet == L.PORTFOLIO and c.column_letter in inputs)]
        assert kept == [], sheet


def test_recache_of_an_unchanged_build_changes_no_value(demo_path, tmp_path):
    """The build computes from what it writes, the recache from what the file holds: the same."""
    pkg = ooxml.Package.read(demo_path)
    report = recache(pkg, int(time.time() * 1000))   # the build's clock: now, minutes ago
    assert report.unreadable is None and not report.edited and report.written > 1000
    out = tmp_path / "again.xlsx"
    pkg.save(out)
    before = openpyxl.load_workbook(demo_path, data_only=True)
    after = openpyxl.load_workbook(out, data_only=True)
    clock = {L.pcol("age"), L.pcol("age_shown")}
    for sheet in (L.PORTFOLIO, L.SCENARIOS):
        for row in before[sheet].iter_rows():
            for c in row:
                a, b = c.value, after[sheet][c.coordinate].value
                if sheet == L.PORTFOLIO and c.coordinate.rstrip("0123456789") in clock:
                    continue   # data ages: measured at another time
                assert a == b or (isinstance(a, float) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)), \
                    (sheet, c.coordinate, a, b)


def test_refresh_command_says_the_saved_values_were_updated(demo_path, tmp_path, capsys):
    from perphedge.cli import main

    book = tmp_path / "cli.xlsx"
    shutil.copyfile(demo_path, book)
    assert main(["refresh", str(book), "--offline", "--no-backup"]) == 0
    err = capsys.readouterr().err
    assert "saved values: " in err and "formula cells updated" in err
    got = openpyxl.load_workbook(book, data_only=True)
    mark = got[L.MARKET][f"{L.market_col('Mark')}{L.MARKET_FIRST_ROW}"].value
    r = L.PORTFOLIO_FIRST_ROW
    assert got[L.PORTFOLIO][f"{L.pcol('perp_price')}{r}"].value == mark
