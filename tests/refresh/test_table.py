"""The table implementations agree: the same refresh through the in-memory openpyxl
table and through the file (package) table writes the same cells."""

from __future__ import annotations

from datetime import datetime

import openpyxl

from perphedge.files.table import PackageMarketTable
from perphedge.ooxml import Package
from perphedge.refresh.routine import refresh_table
from perphedge.refresh.table import KEEP, as_datetime
from tests.support.books import HEADER_ROW, HEADERS, build_market_book
from tests.support.fake import NOW_MS, FakeSource
from tests.support.openpyxl_table import OpenpyxlMarketTable

MARKS = {"BTC/USDT:USDT": 70000.5, "ETH/USDT:USDT": 2500.25, "SOL/USDT:USDT": 150.75}


def test_openpyxl_and_package_tables_write_the_same_cells(tmp_path):
    a = build_market_book(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(a)
    refresh_table(OpenpyxlMarketTable(wb), FakeSource(MARKS, failing={"bybit"}), now_ms=NOW_MS)
    wb.save(tmp_path / "via_openpyxl.xlsx")

    pkg = Package.read(a)
    refresh_table(PackageMarketTable(pkg), FakeSource(MARKS, failing={"bybit"}), now_ms=NOW_MS)
    pkg.save(tmp_path / "via_package.xlsx")

    def market(p):
        ws = openpyxl.load_workbook(p)["Market"]
        return [[c.value for c in row] for row in ws.iter_rows(min_row=HEADER_ROW)]

    assert market(tmp_path / "via_openpyxl.xlsx") == market(tmp_path / "via_package.xlsx")
    assert market(tmp_path / "via_package.xlsx")[1][HEADERS.index("Mark")] == 70000.5


def test_keep_leaves_cells_and_new_cells_take_the_style_above(tmp_path):
    book = build_market_book(tmp_path / "a.xlsx")
    pkg = Package.read(book)
    t = PackageMarketTable(pkg)
    nf = HEADERS.index("Next funding (UTC)")
    t.write_block(nf, [[datetime(2026, 1, 1, 8)], [KEEP], [None]])
    pkg.save(book)
    ws = openpyxl.load_workbook(book)["Market"]
    c = ws.cell(HEADER_ROW + 1, nf + 1)
    assert c.value == datetime(2026, 1, 1, 8) and c.number_format == "yyyy-mm-dd hh:mm"
    assert ws.cell(HEADER_ROW + 3, nf + 1).value is None


def test_as_datetime_reads_excel_serials():
    # 45658.5 is 2025-01-01 12:00 in Excel's 1900 date system (45658 days after 1899-12-30)
    assert as_datetime(45658.5) == datetime(2025, 1, 1, 12, 0)
    assert as_datetime(None) is None and as_datetime("x") is None and as_datetime(True) is None
