"""A person's look: the demo after ``perphedge refresh --offline`` opened by LibreOffice.

The Market values are first blanked, so what shows was written by the refresh; the
Portfolio figures that show are LibreOffice's own recalculation over them. Rebuild the
committed picture with ``PERPHEDGE_WRITE_RENDER=1 pytest tests/files/test_refresh_render.py``
(it writes ``workbooks/after_refresh.png``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from perphedge.cli import main
from perphedge.files.table import PackageMarketTable
from perphedge.ooxml import Package
from perphedge.template import libreoffice as lo
from perphedge.template.layout import MARKET_HEADERS
from tests.conftest import require_libreoffice

pytestmark = pytest.mark.libreoffice
REPO = Path(__file__).resolve().parents[2]


def test_refreshed_demo_as_libreoffice_shows_it(demo_path, tmp_path):
    require_libreoffice()
    book = shutil.copyfile(demo_path, tmp_path / "demo.xlsx")
    pkg = Package.read(book)
    t = PackageMarketTable(pkg)
    first = MARKET_HEADERS.index("Spot")
    t.write_block(first, [[None] * (len(MARKET_HEADERS) - first)] * t.row_count())
    pkg.save(book)

    assert main(["refresh", str(book), "--offline"]) == 0
    pdf = lo.render_pdf(book, tmp_path / "demo.pdf", one_page_per_sheet=True)
    portfolio, market = (subprocess.run(["pdftotext", "-layout", "-f", str(p), "-l", str(p),
                                         str(pdf), "-"], capture_output=True, text=True,
                                        check=True).stdout for p in (1, 2))
    # BTC mark recorded 2026-10-03 08:00 UTC by Binance USDⓈ-M: 84520.75468841 (embedded
    # snapshot)
    assert "$84,520.75" in market     # shown to 2 or 4 decimals by the price format
    assert "recorded snapshot: perp price and funding recorded 2026-10-03 08:00 UTC" in market
    # 2.5 BTC × 84,520.7547 = 211,301.89 -> the Portfolio's Spot value, recalculated
    assert "$211,302" in portfolio
    png = lo.pdf_page_to_png(pdf, 2, tmp_path / "after_refresh.png", dpi=110)
    assert png.stat().st_size > 5_000
    if os.environ.get("PERPHEDGE_WRITE_RENDER") == "1":
        shutil.copyfile(png, REPO / "workbooks" / "after_refresh.png")
