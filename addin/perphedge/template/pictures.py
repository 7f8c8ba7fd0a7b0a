"""Pictures of the demo workbook as LibreOffice draws it, for the README.

``make_pictures(out_dir)`` builds the demo, prints it to PDF with one page per sheet and
writes ``portfolio.png`` (the Portfolio sheet), ``scenarios.png`` (the Scenarios sheet)
``scenarios_chart.png`` (its chart, cropped around its title and plot) and
``history.png`` (the top of the History sheet: the first market's inputs, yearly table,
charts and first settlements).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl

from perphedge.template import layout as L
from perphedge.template.demo import build_demo
from perphedge.template.history_sheet import HISTORY_SHEET
from perphedge.template.libreoffice import Box, find_text_box, pdf_page_to_png, render_pdf

CHART_TITLE = ("Portfolio", "value:", "hedged", "vs", "unhedged")
#: The History sheet's last column heading: the picture is cropped at its right edge.
HISTORY_LAST_HEADING = ("Short", "(base)")
#: The History picture's height in points: the title, the first block and its first rows.
HISTORY_HEIGHT_PT = 420
#: The chart's size on the sheet (scenarios_sheet: 19 cm × 10.5 cm) in points.
CHART_W_PT, CHART_H_PT = 19 / 2.54 * 72, 10.5 / 2.54 * 72


def make_pictures(out_dir: str | Path, dpi: int = 110) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="perphedge-pictures-") as tmp:
        book = build_demo(Path(tmp) / "perpetual_hedge_demo.xlsx").path
        pdf = render_pdf(book, Path(tmp) / "demo.pdf", one_page_per_sheet=True)
        sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
        page = {name: i + 1 for i, name in enumerate(sheets)}
        portfolio = pdf_page_to_png(pdf, page[L.PORTFOLIO], out / "portfolio.png", dpi=dpi)
        title = find_text_box(pdf, page[L.SCENARIOS], CHART_TITLE)
        crop = None
        if title is not None:
            centre = title.x + title.width / 2
            crop = Box(centre - CHART_W_PT / 2 - 4, title.y - 12, CHART_W_PT + 8, CHART_H_PT + 8)
        chart = pdf_page_to_png(pdf, page[L.SCENARIOS], out / "scenarios_chart.png", dpi=dpi,
                                crop=crop)
        scenarios = pdf_page_to_png(pdf, page[L.SCENARIOS], out / "scenarios.png", dpi=dpi)
        pictures = [portfolio, scenarios, chart]
        if HISTORY_SHEET in sheets:   # the demo's funding history carries marks
            at = sheets.index(HISTORY_SHEET) + 1
            right = find_text_box(pdf, at, HISTORY_LAST_HEADING)
            width = right.x + right.width + 12 if right is not None else 1700
            pictures.append(pdf_page_to_png(pdf, at, out / "history.png", dpi=dpi,
                                            crop=Box(0, 0, width, HISTORY_HEIGHT_PT)))
    return pictures
