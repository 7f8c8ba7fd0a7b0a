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
