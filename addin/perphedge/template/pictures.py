"""Pictures of the demo workbook as LibreOffice draws it, for the README.

``make_pictures(out_dir)`` builds the demo, prints it to PDF with one page per sheet and
writes ``portfolio.png`` (the Portfolio sheet), ``scenarios.png`` (the Scenarios sheet)
and ``scenarios_chart.png`` (its chart, cropped around its title and plot).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from perphedge.template import layout as L
from perphedge.template.demo import build_demo
from perphedge.template.libreoffice import Box, find_text_box, pdf_page_to_png, render_pdf

CHART_TITLE = ("Portfolio", "value:", "hedged", "vs", "unhedged")
#: The chart's size on the sheet (scenarios_sheet: 19 cm × 10.5 cm) in points.
CHART_W_PT, CHART_H_PT = 19 / 2.54 * 72, 10.5 / 2.54 * 72


def make_pictures(out_dir: str | Path, dpi: int = 110) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="perphedge-pictures-") as tmp:
        book = build_demo(Path(tmp) / "perpetual_hedge_demo.xlsx").path
        pdf = render_pdf(book, Path(tmp) / "demo.pdf", one_page_per_sheet=True)
        page = {name: i + 1 for i, name in enumerate(L.SHEETS)}
        portfolio = pdf_page_to_png(pdf, page[L.PORTFOLIO], out / "portfolio.png", dpi=dpi)
        title = find_text_box(pdf, page[L.SCENARIOS], CHART_TITLE)
        crop = None
        if title is not None:
            centre = title.x + title.width / 2
            crop = Box(centre - CHART_W_PT / 2 - 4, title.y - 12, CHART_W_PT + 8, CHART_H_PT + 8)
        chart = pdf_page_to_png(pdf, page[L.SCENARIOS], out / "scenarios_chart.png", dpi=dpi,
                                crop=crop)
        scenarios = pdf_page_to_png(pdf, page[L.SCENARIOS], out / "scenarios.png", dpi=dpi)
    return [portfolio, scenarios, chart]
