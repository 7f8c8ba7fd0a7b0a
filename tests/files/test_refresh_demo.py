"""Refresh on the real demo workbook, and on a copy a user has modified (their own sheet
with a chart and a note, their own column in the Market table, a header renamed): the
Market values land in the right rows and nothing else in the file changes."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.chart import LineChart, Reference
from openpyxl.comments import Comment
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import TableColumn

from perphedge.files import refresh as rf
from perphedge.ooxml import Package
from perphedge.refresh.routine import WRITTEN
from perphedge.template.layout import MARKET_FIRST_ROW, MARKET_HEADERS
from tests.support.fake import AFTER_SNAPSHOT_MS, FakeSource

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
MARKS = {BTC: 71234.5, ETH: 2345.75}     # synthetic inputs, distinct from the snapshot


def members(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def market_part(path):
    import perphedge.ooxml as ox

    return ox.Package.read(path).sheet("Market").part


def all_values(path, skip=None):
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if skip and skip(ws.title, c):
                    continue
                value = c.value
                if isinstance(value, ArrayFormula):  # compared by its text, not identity
                    value = ("array", value.ref, value.text)
                out[(ws.title, c.coordinate)] = (value, c.number_format, c.style_id)
    names = {k: v.attr_text for k, v in wb.defined_names.items()}
    tables = {(ws.title, t.displayName): (t.ref, [c.name for c in t.tableColumns])
              for ws in wb.worksheets for t in ws.tables.values()}
    charts = {ws.title: len(ws._charts) for ws in wb.worksheets}
    dvs = {ws.title: [(d.sqref, d.formula1) for d in ws.data_validations.dataValidation]
           for ws in wb.worksheets}
    return out, names, tables, charts, dvs


def written(sheet, cell, headers):
    if sheet != "Market" or cell.row < MARKET_FIRST_ROW:
        return False
    return cell.column <= len(headers) and headers[cell.column - 1].lower() in WRITTEN


def check_refresh(book, headers):
    before = members(book)
    cells_before = all_values(book, skip=lambda s, c: written(s, c, headers))
    # answers newer than the demo's recorded figures: a refresh never writes older ones
    res = rf.refresh_file(book, source=FakeSource(MARKS, now_ms=AFTER_SNAPSHOT_MS),
                          now_ms=AFTER_SNAPSHOT_MS)
    assert (res.rows, res.fresh) == (2, 2)
    after = members(book)
    part = market_part(book)
    assert {k for k in before if before[k] != after[k]} <= {part, "xl/workbook.xml"}
    assert set(after) == set(before)
    assert all_values(book, skip=lambda s, c: written(s, c, headers)) == cells_before
    ws = openpyxl.load_workbook(book)["Market"]
    col = {h.lower(): i + 1 for i, h in enumerate(headers)}
    got = {ws.cell(r, col["symbol"]).value: ws.cell(r, col["mark"]).value
           for r in (MARKET_FIRST_ROW, MARKET_FIRST_ROW + 1)}
    assert got == MARKS
    assert ws.cell(MARKET_FIRST_ROW, col["status"]).value == "fresh"


def test_refresh_the_demo_workbook(demo_path, tmp_path):
    book = shutil.copyfile(demo_path, tmp_path / "demo.xlsx")
    check_refresh(book, list(MARKET_HEADERS))


def test_refresh_a_user_modified_demo(demo_path, tmp_path):
    book = shutil.copyfile(demo_path, tmp_path / "mine.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Market"]
    table = ws.tables["Market"]
    headers = list(MARKET_HEADERS) + ["My note"]
    hr = MARKET_FIRST_ROW - 1
    # the user's own column at the table's end, with a formula over the refreshed Mark
    ws.cell(hr, len(headers), "My note")
    ws.cell(MARKET_FIRST_ROW, len(headers), f"=D{MARKET_FIRST_ROW}*2")
    table.ref = f"A{hr}:R{table.ref.split(':')[1][1:]}"
    table.tableColumns.append(TableColumn(id=len(headers), name="My note"))
    # a header renamed in case only: columns are found case-insensitively
    i = headers.index("Status")
    headers[i] = "STATUS"
    ws.cell(hr, i + 1, "STATUS")
    table.tableColumns[i].name = "STATUS"
    mine = wb.create_sheet("My analysis")
    mine["A1"], mine["B1"] = "Mark", "=Market!D5"
    mine["A1"].comment = Comment("my own note", "me")
    chart = LineChart()
    chart.add_data(Reference(wb["Market"], min_col=4, min_row=hr, max_row=hr + 2),
                   titles_from_data=True)
    mine.add_chart(chart, "D2")
    wb.save(book)
    check_refresh(book, headers)
    ws = openpyxl.load_workbook(book)["Market"]
    assert ws.cell(MARKET_FIRST_ROW, len(headers)).value == f"=D{MARKET_FIRST_ROW}*2"


def test_a_picture_openpyxl_would_drop_survives_the_refresh(demo_path, tmp_path):
    """Why the refresh patches the sheet XML instead of re-saving through openpyxl: without
    Pillow, openpyxl silently drops pictures (and rewrites every sheet, chart and style)."""
    from tests.support.books import add_picture, rewrite_parts

    book = shutil.copyfile(demo_path, tmp_path / "pic.xlsx")
    png = (Path(__file__).resolve().parents[2] / "workbooks" / "after_refresh.png").read_bytes()
    guide = Package.read(book).sheet("Guide").part
    rewrite_parts(book, lambda parts: add_picture(parts, guide, png))
    openpyxl.load_workbook(book).save(tmp_path / "resaved.xlsx")
    with zipfile.ZipFile(tmp_path / "resaved.xlsx") as z:
        assert "xl/media/image1.png" not in z.namelist()      # what re-saving would do
    before = members(book)
    rf.refresh_file(book, source=FakeSource(MARKS, now_ms=AFTER_SNAPSHOT_MS), now_ms=AFTER_SNAPSHOT_MS)
    after = members(book)
    assert after["xl/media/image1.png"] == png
    assert {k for k in before if before[k] != after[k]} <= {market_part(book), "xl/workbook.xml"}
