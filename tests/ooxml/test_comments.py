"""Notes added at package level read back as notes (openpyxl, which reads the comments
part) with a hidden VML note shape per cell, placed where the worksheet schema wants it."""

from __future__ import annotations

import re

import openpyxl
from openpyxl.comments import Comment

from perphedge.ooxml import Package
from perphedge.ooxml.comments import add_notes
from tests.support.books import add_picture, build_market_book, rewrite_parts


def notes_of(path, sheet):
    ws = openpyxl.load_workbook(path)[sheet]
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}


def test_notes_on_a_sheet_without_any(tmp_path):
    book = build_market_book(tmp_path / "a.xlsx")
    pkg = Package.read(book)
    add_notes(pkg, "xl/worksheets/sheet1.xml", {"C2": "first <&> \"note\"", "B10": "second"},
              "tester")
    pkg.save(book)
    assert notes_of(book, "Portfolio") == {"C2": 'first <&> "note"', "B10": "second"}
    vml = pkg.data["xl/drawings/vmlDrawing1.vml"].decode()
    # one hidden note shape per cell, rows and columns 0-based
    rows_cols = re.findall(r"<x:Row>(\d+)</x:Row>\s*<x:Column>(\d+)</x:Column>", vml)
    assert sorted(rows_cols) == [("1", "2"), ("9", "1")]
    assert vml.count("visibility:hidden") == 2
    # another sheet's notes use a different shape-id block
    assert 'data="2"' in vml and "_x0000_s2049" in vml


def test_legacy_drawing_goes_before_table_parts_and_after_drawing(tmp_path):
    book = build_market_book(tmp_path / "a.xlsx")
    rewrite_parts(book, lambda parts: None)
    pkg = Package.read(book)
    add_notes(pkg, "xl/worksheets/sheet2.xml", {"A1": "on the Market sheet"}, "tester")
    xml = pkg.data["xl/worksheets/sheet2.xml"].decode()
    assert xml.index("<legacyDrawing") < xml.index("<tableParts")
    pkg.save(book)
    assert notes_of(book, "Market") == {"A1": "on the Market sheet"}

    pic = build_market_book(tmp_path / "b.xlsx", extra=False)
    rewrite_parts(pic, lambda parts: add_picture(parts, "xl/worksheets/sheet1.xml", b"png"))
    pkg = Package.read(pic)
    add_notes(pkg, "xl/worksheets/sheet1.xml", {"A1": "x"}, "tester")
    xml = pkg.data["xl/worksheets/sheet1.xml"].decode()
    assert xml.index("<drawing ") < xml.index("<legacyDrawing")


def test_a_cell_with_a_note_keeps_it_and_gets_the_new_text_after(tmp_path):
    book = build_market_book(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["Notes"]["B2"].comment = Comment("mine", "me")
    wb.save(book)
    pkg = Package.read(book)
    add_notes(pkg, "xl/worksheets/sheet3.xml", {"B2": "added", "C3": "new"}, "tester")
    pkg.save(book)
    notes = notes_of(book, "Notes")
    assert notes["A1"] == "kept as is"
    assert notes["B2"] == "mine\nadded" and notes["C3"] == "new"
    authors = re.findall(r"<author>(.*?)</author>", pkg.data["xl/comments/comment1.xml"].decode())
    assert authors == ["me", "tester"]
