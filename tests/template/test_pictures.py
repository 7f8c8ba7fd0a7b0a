"""Pictures of the demo, as the README shows them."""

from __future__ import annotations

import struct

import pytest

from perphedge.template.pictures import make_pictures
from tests.conftest import require_libreoffice

pytestmark = pytest.mark.libreoffice


def _size(png):
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_pictures_are_rendered(tmp_path):
    require_libreoffice()
    portfolio, scenarios, chart, history = make_pictures(tmp_path, dpi=60)
    w, h = _size(portfolio)
    assert w > 2 * h  # the whole Portfolio sheet, wide
    sw, _ = _size(scenarios)
    assert sw > _size(chart)[0]  # the whole sheet: the table beside the chart
    cw, ch = _size(chart)
    # Cropped to the chart: 19 cm × 10.5 cm at 60 dpi, plus a small margin.
    assert abs(cw - 19 / 2.54 * 60) < 20 and abs(ch - 10.5 / 2.54 * 60) < 20
    hw, hh = _size(history)
    # the top of the History sheet: 420 pt high, as wide as its settlement table
    assert abs(hh - 420 / 72 * 60) < 3 and hw > 2 * hh


def test_printed_pages_of_the_demo_and_a_twelve_holding_book(tmp_path):
    """Printed at their own page setup: page 1 of the Portfolio holds the key columns, the
    band and the risk summary, and none of the supporting columns; every sheet prints."""
    require_libreoffice()
    from perphedge.template.libreoffice import page_sheets, render_pdf
    from perphedge.template.pictures import build_twelve, make_print_pictures

    pictures = make_print_pictures(tmp_path, dpi=40)
    names = {p.name for p in pictures}
    for book in ("demo", "twelve"):
        for sheet in ("portfolio", "market", "tiers", "scenarios", "funding", "beta", "guide"):
            assert f"{book}-{sheet}-1.png" in names, (book, sheet)
    pdf = render_pdf(build_twelve(tmp_path / "twelve.xlsx"), tmp_path / "twelve.pdf")
    import subprocess

    first = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
    for words in ("Spot value", "Hedge notional", "Contracts", "Margin", "Liquidation", "Distance",
                  "Funding over", "Warnings", "Portfolio at a glance", "Risk summary"):
        assert words in first, words
    for words in ("Hedge symbol", "Strategy presets", "Round-trip"):
        assert words not in first, words
    assert page_sheets(pdf)[0] == "Portfolio"
