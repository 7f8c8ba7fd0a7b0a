"""Chart axes read right as LibreOffice draws them: every tick label of a value axis names its
own value (no "$1, $1, $0" on an axis of 0 … 1, no "0%, 0%, 0%" on an axis of small rates),
and date axes count forward in dates.

The labels are read from the printed PDF (``pdftotext -bbox``) inside each chart's frame,
found from its title; each axis's labels are parsed back to numbers or dates and must be
strictly ordered, which two equal labels cannot be.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from perphedge.core.marketdata import FundingPoint, MarketRow, no_data_row
from perphedge.template import layout as L
from perphedge.template.history_sheet import HISTORY_SHEET
from perphedge.template.libreoffice import render_pdf
from tests.conftest import require_libreoffice

pytestmark = pytest.mark.libreoffice

CM = 72 / 2.54
MONEY = re.compile(r"^(-?)\$([\d,]+(?:\.\d+)?)$")
PERCENT = re.compile(r"^(-?[\d.]+)%$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def _words(pdf: Path, page: int) -> list[Word]:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the chart labels")
    out = subprocess.run([tool, "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                       out)
    return [Word(float(a), float(b), float(c), float(d), t.replace("&amp;", "&")) for a, b, c, d, t in found]


def _frame(words: list[Word], title: tuple[str, ...], width_cm: float,
           height_cm: float) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of the chart whose title starts with ``title``: the title
    is centred at the chart's top."""
    texts = [w.text for w in words]
    for i in range(len(texts) - len(title) + 1):
        if tuple(texts[i:i + len(title)]) == title:
            run = words[i:i + len(title)]
            centre = (min(w.x0 for w in run) + max(w.x1 for w in run)) / 2
            top = min(w.y0 for w in run) - 6
            half = width_cm * CM / 2
            return centre - half - 6, top, centre + half + 6, top + height_cm * CM + 12
    raise AssertionError(f"chart titled {' '.join(title)!r} not found on the page")


def _inside(words: list[Word], frame: tuple[float, float, float, float]) -> list[Word]:
    left, top, right, bottom = frame
    return [w for w in words if w.x0 >= left and w.x1 <= right and w.y0 >= top and w.y1 <= bottom]


def _money(text: str) -> float:
    m = MONEY.match(text)
    assert m, text
    return (-1 if m.group(1) else 1) * float(m.group(2).replace(",", ""))


def _value_axis(words: list[Word], pattern: re.Pattern[str]) -> list[Word]:
    """The value axis's labels: the matching words in the leftmost column of such words,
    top to bottom."""
    found = [w for w in words if pattern.match(w.text)]
    assert found, "no value-axis label found"
    left = min(w.x1 for w in found)
    column = [w for w in found if abs(w.x1 - left) < 40]
    return sorted(column, key=lambda w: w.y0)


def _assert_reads(labels: list[str], values: list[float]) -> None:
    assert len(labels) >= 3, labels
    for a, b in zip(labels, labels[1:]):
        assert a != b, f"two adjacent axis labels read the same: {labels}"
    assert all(x > y for x, y in zip(values, values[1:])), f"axis labels out of order: {labels}"


def _date_axis(words: list[Word]) -> list[str]:
    dates = sorted((w for w in words if DAY.match(w.text)), key=lambda w: w.x0)
    labels = [w.text for w in dates]
    assert len(labels) >= 2, labels
    parsed = [date.fromisoformat(t) for t in labels]
    assert all(a < b for a, b in zip(parsed, parsed[1:])), f"date labels not increasing: {labels}"
    return labels


def _pdf(book: Path, tmp: Path) -> tuple[Path, dict[str, int]]:
    require_libreoffice()
    pdf = render_pdf(book, tmp / f"{book.stem}.pdf", one_page_per_sheet=True)
    sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
    return pdf, {name: i + 1 for i, name in enumerate(sheets)}


SCENARIO_TITLE = ("Portfolio", "value:", "hedged", "vs", "unhedged")


def _scenario_money_axis(pdf: Path, page: int) -> list[str]:
    words = _words(pdf, page)
    inside = _inside(words, _frame(words, SCENARIO_TITLE, 19, 10.5))
    labels = [w.text for w in _value_axis(inside, MONEY)]
    _assert_reads(labels, [_money(t) for t in labels])
    return labels


def test_empty_template_scenarios_axis_reads_each_value(template_path, tmp_path):
    """An empty book's values are all 0: the engine's axis runs 0 … 1, and its dollar labels
    must say $0.1 … $1 rather than round to "$1, $1, $0"."""
    pdf, page = _pdf(template_path, tmp_path)
    labels = _scenario_money_axis(pdf, page[L.SCENARIOS])
    assert labels[-1] == "$0" and labels[0] == "$1", labels
    assert any(0 < _money(t) < 1 for t in labels), labels


def test_demo_axes_read_right(demo_path, tmp_path):
    pdf, page = _pdf(demo_path, tmp_path)
    # Scenarios: hundreds of thousands of dollars, whole dollars with separators
    labels = _scenario_money_axis(pdf, page[L.SCENARIOS])
    assert all(re.fullmatch(r"\$\d{1,3}(,\d{3})*", t) for t in labels), labels
    assert _money(labels[0]) >= 100_000, labels
    # Funding: the APR axis and the settlement dates
    words = _words(pdf, page[L.FUNDING])
    inside = _inside(words, _frame(words, ("Funding", "APR", "(+:"), 22, 10))
    apr = [w.text for w in _value_axis(inside, PERCENT)]
    _assert_reads(apr, [float(PERCENT.match(t).group(1)) for t in apr])
    _date_axis(inside)
    # History: both charts of the first block, money axes and date axes
    words = _words(pdf, page[HISTORY_SHEET])
    for title, width in ((("Hedged", "vs", "unhedged", "equity"), 16),
                         (("Cumulative", "funding", "(+"), 11.5)):
        inside = _inside(words, _frame(words, title, width, 5.5))
        money = [w.text for w in _value_axis(inside, MONEY)]
        _assert_reads(money, [_money(t) for t in money])
        _date_axis(inside)


def test_small_funding_rates_keep_their_decimals(tmp_path):
    """Synthetic funding rates of 0.2 % … 1.4 % a year (a quiet market): the APR axis shows
    the tenths a whole-percent axis would round away ("0%, 0%, 1%, 1%")."""
    from perphedge.template.build import build_workbook

    start, step = 1_790_000_000_000, 8 * 3_600_000
    # rate per 8 h from 1.8e-6 (0.20 % APR) rising to 1.28e-5 (1.40 % APR), then back
    rates = [1.8e-6 + 1.1e-5 * (i / 30 if i <= 30 else (60 - i) / 30) for i in range(61)]
    history = {("QUIET/USDT:USDT", "binanceusdm"): tuple(
        FundingPoint(start + i * step, r, None) for i, r in enumerate(rates))}
    row: MarketRow = no_data_row("QUIET/USDT:USDT", "binanceusdm")
    book = build_workbook([], [row], history, tmp_path / "quiet.xlsx",
                          data_note="Synthetic funding rates.", now_ms=start + 61 * step).path
    pdf, page = _pdf(book, tmp_path)
    words = _words(pdf, page[L.FUNDING])
    inside = _inside(words, _frame(words, ("Funding", "APR", "(+:"), 22, 10))
    apr = [w.text for w in _value_axis(inside, PERCENT)]
    values = [float(PERCENT.match(t).group(1)) for t in apr]
    _assert_reads(apr, values)
    assert values[0] >= 1.4 and values[-1] <= 0.2, apr
    assert any(v != round(v) for v in values), apr
