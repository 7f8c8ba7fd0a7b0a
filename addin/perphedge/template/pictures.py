"""Pictures of the demo workbook as LibreOffice draws it, for the README.

``make_pictures(out_dir)`` builds the demo, prints it to PDF with one page per sheet and
writes ``portfolio.png`` (the Portfolio sheet), ``scenarios.png`` (the Scenarios sheet)
``scenarios_chart.png`` (its chart, cropped around its title and plot) and
``history.png`` (the top of the History sheet: the first market's inputs, yearly table,
charts and first settlements).

``make_print_pictures(out_dir)`` prints the demo and a twelve-holding book as a printer
would (each sheet's own page setup) and writes, under ``print/``, the first page of every
sheet and every page of the Portfolio: what to look at for clipped text and page layout.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl

from perphedge.template import layout as L
from perphedge.template.demo import build_demo
from perphedge.template.history_sheet import HISTORY_SHEET
from perphedge.template.libreoffice import Box, find_text_box, page_sheets, pdf_page_to_png, render_pdf

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


#: Twelve holdings on the recorded snapshot's priced markets (the BTC and ETH USDⓈ-M perps:
#: same-coin and cross hedges, ratios and leverages of each preset), and two on markets the
#: snapshot holds no prices for (their rows say so). Quantities are illustrative inputs.
TWELVE = (
    ("BTC", 1.5, "BTC/USDT:USDT", "binanceusdm", 0.5, 2.0), ("ETH", 20.0, "ETH/USDT:USDT", "binanceusdm", 1.0, 1.0),
    ("BTC", 0.4, "BTC/USDT:USDT", "binanceusdm", 0.8, 1.0), ("ETH", 8.0, "ETH/USDT:USDT", "binanceusdm", 0.6, 3.0),
    ("BTC", 2.0, "BTC/USDT:USDT", "binanceusdm", 1.0, 5.0), ("ETH", 50.0, "BTC/USDT:USDT", "binanceusdm", 0.7, 1.0),
    ("BTC", 0.05, "BTC/USDT:USDT", "binanceusdm", 0.4, 1.0), ("ETH", 3.0, "ETH/USDT:USDT", "binanceusdm", 0.9, 2.0),
    ("BTC", 10.0, "BTC/USDT:USDT", "binanceusdm", 0.45, 1.5), ("ETH", 120.0, "ETH/USDT:USDT", "binanceusdm", 0.3, 1.0),
    ("LTC", 300.0, "LTC/USDT:USDT", "bybit", 0.5, 2.0), ("XRP", 20_000.0, "XRP/USDT:USDT", "okx", 0.6, 1.0),
)


def build_twelve(path: str | Path) -> Path:
    """The twelve-holding book, from the recorded snapshot."""
    from perphedge.core.holdings import HoldingInput
    from perphedge.core.marketdata import recorded_note
    from perphedge.market.snapshot.data import load_snapshot
    from perphedge.market.snapshot.source import SnapshotSource
    from perphedge.template.assemble import gather
    from perphedge.template.build import build_workbook
    from perphedge.template.demo import EXCHANGE

    source = SnapshotSource(load_snapshot())
    holdings = [HoldingInput(a, q, s, x, "Custom", r, lev) for a, q, s, x, r, lev in TWELVE]
    got = gather(holdings, source, EXCHANGE)
    note = recorded_note(got.market_rows) + " Quantities are illustrative inputs."
    return build_workbook(got.holdings, got.market_rows, got.funding_history, path,
                          beta_series=got.beta_series, data_note=note, tier_tables=got.tier_tables).path


def make_print_pictures(out_dir: str | Path, dpi: int = 60) -> list[Path]:
    out = Path(out_dir) / "print"
    out.mkdir(parents=True, exist_ok=True)
    pictures = []
    with tempfile.TemporaryDirectory(prefix="perphedge-print-") as tmp:
        books = {"demo": build_demo(Path(tmp) / "demo.xlsx").path, "twelve": build_twelve(Path(tmp) / "twelve.xlsx")}
        for name, book in books.items():
            pdf = render_pdf(book, Path(tmp) / f"{name}.pdf")
            seen: dict[str, int] = {}
            for page, sheet in enumerate(page_sheets(pdf), start=1):
                seen[sheet] = seen.get(sheet, 0) + 1
                if not sheet or (seen[sheet] > 1 and sheet != L.PORTFOLIO):
                    continue
                target = out / f"{name}-{sheet.lower()}-{seen[sheet]}.png"
                pictures.append(pdf_page_to_png(pdf, page, target, dpi=dpi))
    return pictures
