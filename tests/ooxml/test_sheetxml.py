from datetime import datetime
from xml.etree import ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from perphedge.ooxml.sheetxml import excel_serial, set_cells

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = (f'<?xml version="1.0"?><worksheet xmlns="{NS}" xmlns:mc="m" mc:Ignorable="x14ac" '
         'xmlns:x14ac="a"><sheetData><row r="2" spans="1:3"><c r="B2" s="4"><v>1</v></c>'
         '</row><row r="5"><c r="A5"/></row></sheetData><extLst/></worksheet>').encode()


def cells(xml):
    root = ET.fromstring(xml)
    out = {}
    for c in root.iter(f"{{{NS}}}c"):
        v = c.find(f"{{{NS}}}v")
        t = c.find(f"{{{NS}}}is/{{{NS}}}t")
        out[c.get("r")] = (c.get("t"), (t.text if t is not None else (v.text if v is not None else None)), c.get("s"))
    return out


def test_cells_are_set_in_order_and_everything_else_is_verbatim():
    out = set_cells(SHEET, {(2, 1): "=1+1", (2, 2): 2.5, (3, 3): True, (5, 1): None})
    text = out.decode()
    root, before = etree.fromstring(out), etree.fromstring(SHEET)
    assert root.nsmap == before.nsmap and root.get("{m}Ignorable") == "x14ac"
    assert text.endswith("<extLst/></worksheet>")
    got = cells(out)
    assert got["A2"] == ("inlineStr", "=1+1", None)         # text, not a formula
    assert got["B2"] == (None, "2.5", "4")                   # style kept
    assert got["C3"] == ("b", "1", None)
    assert got["A5"] == (None, None, None)
    assert list(got) == ["A2", "B2", "C3", "A5"]             # document order
    assert "<f>" not in text


def test_excel_serial_matches_the_1900_date_system():
    # Excel shows 1 as 1900-01-01 and 45658 as 2025-01-01
    assert excel_serial(datetime(2025, 1, 1)) == 45658
    assert excel_serial(datetime(1900, 3, 1)) == 61


@given(st.text(max_size=30))
def test_any_text_round_trips_as_text(s):
    out = set_cells(SHEET, {(7, 2): s})
    t, value, _ = cells(out)["B7"]
    # characters XML 1.0 cannot carry are dropped; everything else comes back exactly
    cleaned = "".join(ch for ch in s if ch in "\t\n\r" or (
        ord(ch) >= 0x20 and ch not in "\ufffe\uffff" and not 0xD800 <= ord(ch) <= 0xDFFF))
    assert t == "inlineStr"
    assert (value or "") == cleaned


def _rows(xml):
    root = etree.fromstring(xml)
    return [(row.get("r"), [(c.get("r"), c.findtext(f"{{{NS}}}v")) for c in row])
            for row in root.iter(f"{{{NS}}}row")]


def test_single_quoted_attributes_and_a_prefixed_namespace_are_the_same_rows():
    # legal XML Excel may meet: row numbers in single quotes, the main namespace under a
    # prefix; a writer that matched text would add a second row 2 (which Excel "repairs")
    sheet = (f"<x:worksheet xmlns:x='{NS}'><x:sheetData><x:row r='2'><x:c r='A2'><x:v>1</x:v>"
             "</x:c></x:row><x:row r='4'/></x:sheetData></x:worksheet>").encode()
    out = set_cells(sheet, {(2, 2): 5, (3, 1): 7, (4, 1): 9})
    assert _rows(out) == [("2", [("A2", "1"), ("B2", "5")]), ("3", [("A3", "7")]),
                          ("4", [("A4", "9")])]
    assert b"<x:row" in out and b"<row" not in out       # the part's own prefix kept


def test_rows_and_cells_without_numbers_are_counted_as_excel_counts_them():
    # ECMA-376: a row without r is the previous row + 1, a cell without r the next column
    sheet = (f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c><v>1</v></c><c><v>2</v></c>'
             '</row><row><c r="A2"><v>3</v></c></row></sheetData></worksheet>').encode()
    out = set_cells(sheet, {(1, 2): 20, (2, 1): 30})
    assert _rows(out) == [("1", [(None, "1"), ("B1", "20")]), (None, [("A2", "30")])]


def test_a_sheet_that_is_not_xml_is_a_value_error_naming_it():
    import pytest

    with pytest.raises(ValueError, match="worksheet"):
        set_cells(b"<worksheet><sheetData>", {(1, 1): 1})
