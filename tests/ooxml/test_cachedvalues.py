"""The cached-values post-processor: typed ``<v>`` beside formulas, spilled array cells,
inputs refused, untouched parts copied unchanged, prefixes kept."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from lxml import etree
from openpyxl.worksheet.formula import ArrayFormula

from perphedge.ooxml.cachedvalues import CellError, apply_cached_values, formula_cells, write_cached_values
from perphedge.ooxml.errors import PackageError

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _book() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"] = 2
    ws["B1"] = "=A1*2"
    ws["C1"] = '=IF(A1>1,"big","small")'
    ws["D1"] = "=A1>1"
    ws["E1"] = "=1/0"
    ws["F1"] = ArrayFormula("F1:F3", "=A1:A3*2")
    ws["G1"] = '=""'
    wb.create_sheet("Other")["A1"] = "=1+1"
    raw = io.BytesIO()
    wb.save(raw)
    return raw.getvalue()


def _cell(data: bytes, ref: str, sheet: str = "xl/worksheets/sheet1.xml"):
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(sheet))
    return next(c for c in root.iter(f"{{{M}}}c") if c.get("r") == ref)


def test_each_kind_of_value_is_typed_and_read_back_by_openpyxl(tmp_path):
    data, report = apply_cached_values(_book(), {"Data": {
        "B1": 4, "C1": "big", "D1": True, "E1": CellError("#DIV/0!"), "F1": 4.5, "F2": 0.25, "G1": ""}})
    assert report.written == 7
    path = tmp_path / "b.xlsx"
    path.write_bytes(data)
    ws = openpyxl.load_workbook(path, data_only=True)["Data"]
    assert (ws["B1"].value, ws["C1"].value, ws["D1"].value, ws["E1"].value) == (4, "big", True, "#DIV/0!")
    assert (ws["F1"].value, ws["F2"].value) == (4.5, 0.25)
    assert _cell(data, "C1").get("t") == "str" and _cell(data, "D1").get("t") == "b"
    assert _cell(data, "E1").get("t") == "e" and _cell(data, "B1").get("t") is None
    # the formulas stay as they were, the value follows the formula
    assert [ch.tag.split("}")[1] for ch in _cell(data, "B1")] == ["f", "v"]
    assert openpyxl.load_workbook(path)["Data"]["B1"].value == "=A1*2"
    assert ("Data", "F3") not in report.without_value  # F3 has no element, hence no formula to list
    assert ("Other", "A1") not in report.without_value  # a sheet not edited is not inspected


def test_cells_left_without_a_value_are_listed():
    _, report = apply_cached_values(_book(), {"Data": {"B1": 4}})
    assert ("Data", "C1") in report.without_value and ("Data", "B1") not in report.without_value


def test_a_constant_cell_is_refused_and_an_unknown_sheet_too():
    with pytest.raises(PackageError, match="not a formula cell"):
        apply_cached_values(_book(), {"Data": {"A1": 3}})
    with pytest.raises(PackageError, match="no worksheet named Nope"):
        apply_cached_values(_book(), {"Nope": {"A1": 3}})


def test_a_number_a_cell_cannot_hold_is_refused():
    with pytest.raises(ValueError, match="nan"):
        apply_cached_values(_book(), {"Data": {"B1": float("nan")}})
    with pytest.raises(ValueError):
        CellError("#BOGUS")


def test_untouched_parts_are_copied_unchanged_with_their_metadata():
    src = _book()
    data, _ = apply_cached_values(src, {"Data": {"B1": 4}})
    a, b = zipfile.ZipFile(io.BytesIO(src)), zipfile.ZipFile(io.BytesIO(data))
    assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]
    for x, y in zip(a.infolist(), b.infolist()):
        assert (x.date_time, x.compress_type) == (y.date_time, y.compress_type)
        if x.filename != "xl/worksheets/sheet1.xml":
            assert a.read(x.filename) == b.read(y.filename), x.filename


def test_a_prefixed_worksheet_keeps_its_prefix():
    src = _book()
    z = zipfile.ZipFile(io.BytesIO(src))
    sheet = (b'<x:worksheet xmlns:x="' + M.encode() + b'"><x:sheetData><x:row r="1">'
             b'<x:c r="A1"><x:v>1</x:v></x:c><x:c r="B1"><x:f>A1+1</x:f></x:c></x:row></x:sheetData></x:worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in z.infolist():
            dst.writestr(info, sheet if info.filename == "xl/worksheets/sheet1.xml" else z.read(info.filename))
    data, _ = apply_cached_values(out.getvalue(), {"Data": {"B1": 2}})
    text = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<x:f>A1+1</x:f><x:v>2</x:v>" in text and b"ns0" not in text


def test_write_cached_values_replaces_the_file_and_keeps_it_on_failure(tmp_path):
    path = tmp_path / "b.xlsx"
    path.write_bytes(_book())
    write_cached_values(path, {"Data": {"B1": 4}})
    assert openpyxl.load_workbook(path, data_only=True)["Data"]["B1"].value == 4
    before = path.read_bytes()
    with pytest.raises(PackageError):
        write_cached_values(path, {"Data": {"A1": 1}})
    assert path.read_bytes() == before


def test_formula_cells_lists_every_sheet():
    cells = formula_cells(_book())
    assert cells["Data"] == ["B1", "C1", "D1", "E1", "F1", "G1"] and cells["Other"] == ["A1"]
