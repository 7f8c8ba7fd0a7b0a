"""Headless LibreOffice helpers: recalculation, rendering, and clear errors when the
programs are missing."""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl import Workbook

from perphedge.template import libreoffice as lo
from tests.conftest import require_libreoffice


def test_missing_soffice_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH
    assert lo.find_soffice() is None
    src = tmp_path / "a.xlsx"
    Workbook().save(src)
    with pytest.raises(lo.ToolMissing, match="libreoffice-calc-nogui"):
        lo.recalculate(src, tmp_path / "b.xlsx")
    with pytest.raises(lo.ToolMissing, match="poppler-utils"):
        lo.pdf_page_to_png(tmp_path / "x.pdf", 1, tmp_path / "x.png")


def test_missing_input_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        lo.recalculate(tmp_path / "nope.xlsx", tmp_path / "out.xlsx")


@pytest.mark.libreoffice
def test_recalculate_computes_formulas(tmp_path):
    require_libreoffice()
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["A2"] = 3, 4
    ws["A3"] = "=SQRT(A1^2+A2^2)"
    ws["A4"] = '=IF(A1="","",ROUNDDOWN(ROUND(0.3/0.001,9),0)*0.001)'
    src = tmp_path / "in.xlsx"
    wb.save(src)
    out = lo.recalculate(src, tmp_path / "out.xlsx")
    values = openpyxl.load_workbook(out, data_only=True).active
    assert values["A3"].value == 5
    assert values["A4"].value == pytest.approx(0.3, rel=1e-15)


@pytest.mark.libreoffice
def test_render_pdf_one_page_per_sheet(tmp_path):
    require_libreoffice()
    wb = Workbook()
    wb.active["A1"] = "first"
    wb.create_sheet("Second")["A1"] = "second"
    src = tmp_path / "in.xlsx"
    wb.save(src)
    pdf = lo.render_pdf(src, tmp_path / "out.pdf", one_page_per_sheet=True)
    assert pdf.read_bytes().startswith(b"%PDF")
    box = lo.find_text_box(pdf, 2, ("second",))
    assert box is not None and box.width > 0
    png = lo.pdf_page_to_png(pdf, 1, tmp_path / "p.png", dpi=50)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_libreoffice_skips_locally_and_fails_in_ci(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PERPHEDGE_REQUIRE_LIBREOFFICE", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_libreoffice()
    monkeypatch.setenv("PERPHEDGE_REQUIRE_LIBREOFFICE", "1")
    with pytest.raises(pytest.fail.Exception, match="required"):
        require_libreoffice()


def test_recalculate_recomputes_a_formula_whose_cached_value_is_wrong(tmp_path):
    """A recalculation that kept the cached values it found (LibreOffice's default for a
    file that says Excel wrote it) would make every cached = recalculated test pass."""
    from perphedge.ooxml.cachedvalues import write_cached_values

    require_libreoffice()
    wb = Workbook()
    wb.active["A1"] = 2
    wb.active["B1"] = "=A1*21"
    src = tmp_path / "wrong.xlsx"
    wb.save(src)
    write_cached_values(src, {wb.active.title: {"B1": 5.0}})
    assert openpyxl.load_workbook(src, data_only=True).active["B1"].value == 5
    out = lo.recalculate(src, tmp_path / "out.xlsx")
    assert openpyxl.load_workbook(out, data_only=True).active["B1"].value == 42
