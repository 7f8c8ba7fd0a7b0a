"""The traps a new user falls into, typed into a built workbook and recalculated in
LibreOffice: each row's cells equal core.position's, the figures that matter are checked
by hand, and the risk summary and totals say what they leave out.

Market figures are SYNTHETIC round numbers (BTC 70,000, ETH 2,100), inputs to the rules."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from perphedge.core.holdings import HoldingInput
from perphedge.core.marketdata import DataStatus, MarketRow
from perphedge.core.position import RowCells
from perphedge.template import layout as L
from perphedge.template.build import build_workbook
from perphedge.template.portfolio import RISK_LINES, risk_summary_cells, risk_text_cell
from tests.support.reference import expected_row, on_market_counts, same

pytestmark = pytest.mark.libreoffice

NOW_MS = 1_790_000_000_000
ST = DataStatus("binanceusdm", NOW_MS)
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def _row(symbol: str, price: float) -> MarketRow:
    return MarketRow(symbol, "binanceusdm", price, price, None, 0.0001, 8.0, None, 1.0, 0.001, 0.001,
                     False, 0.0005, 0.004, 0.0, ST)


MARKET = [_row(BTC, 70_000.0), _row(ETH, 2_100.0)]
TEXTS = ("warnings", "w_errors", "w_risks", "w_notes")
INPUTS = ("asset", "qty", "hedge_symbol", "exchange", "strategy", "ratio_in", "leverage", "beta",
          "held", "price_symbol")
#: (what the row shows, its input cells as typed)
TRAPS: list[tuple[str, RowCells]] = [
    ("cross hedge, Price symbol blank", RowCells("ETH", 20.0, BTC, "binanceusdm", "Custom", 0.5, 1.0, 1.2)),
    ("cross hedge, beta blank", RowCells("ETH", 20.0, BTC, "binanceusdm", "Custom", 0.5, 1.0, None, None, ETH)),
    ("negative quantity", RowCells("ETH", -3.0, ETH, "binanceusdm", "Custom", 0.5, 1.0)),
    ("leverage 0", RowCells("ETH", 3.0, ETH, "binanceusdm", "Custom", 0.5, 0.0)),
    ("leverage 0.5", RowCells("ETH", 3.0, ETH, "binanceusdm", "Custom", 0.5, 0.5)),
    ("ratio 150 %", RowCells("ETH", 3.0, ETH, "binanceusdm", "Custom", 1.5, 1.0)),
    ("ratio 50 typed for 50 %", RowCells("ETH", 3.0, ETH, "binanceusdm", "Custom", 50.0, 1.0)),
    ("an asset no Market row prices", RowCells("SOL", 100.0, BTC, "binanceusdm", "Custom", 0.5, 1.0, 1.0)),
    ("below the minimum", RowCells("ETH", 0.001, ETH, "binanceusdm", "Custom", 0.5, 1.0)),
    ("10 of 15 contracts held", RowCells("ETH", 15.0, ETH, "binanceusdm", "Custom", 1.0, 1.0, None, 10.0)),
    ("a sound row", RowCells("BTC", 1.0, BTC, "binanceusdm", "Tactical Defense", None, 2.0)),
]


@pytest.fixture(scope="module")
def book(recalc, tmp_path_factory):
    path = tmp_path_factory.mktemp("traps") / "traps.xlsx"
    placeholder = [HoldingInput("BTC", 1.0, BTC, "binanceusdm", "Custom", 0.5)] * len(TRAPS)
    build_workbook(placeholder, MARKET, {}, path, now_ms=NOW_MS)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.PORTFOLIO]
    for i, (_, cells) in enumerate(TRAPS):
        for key in INPUTS:
            ws[f"{L.pcol(key)}{L.PORTFOLIO_FIRST_ROW + i}"] = getattr(cells, key)
    wb.save(path)
    return recalc(path)


def _now(wb) -> datetime:
    (sheet, ref), = list(wb.defined_names["NowUTC"].destinations)
    return wb[sheet][ref.replace("$", "")].value


def _get(wb, key: str, i: int):
    return wb[L.PORTFOLIO][f"{L.pcol(key)}{L.PORTFOLIO_FIRST_ROW + i}"].value


def _index(name: str) -> int:
    return next(i for i, (what, _) in enumerate(TRAPS) if what == name)


def test_every_trap_row_is_the_row_policy(book):
    now = _now(book)
    problems = []
    counts = on_market_counts([cells for _, cells in TRAPS])
    for i, (what, cells) in enumerate(TRAPS):
        exp = expected_row(cells, MARKET, now, on_market=counts[i])
        for col in L.PORTFOLIO_COLUMNS:
            if col.kind == "input" or col.key.startswith("sc_") or col.key in TEXTS:
                continue
            actual = _get(book, col.key, i)
            if not same(actual, exp[col.key], scale=1e5):
                problems.append((what, col.key, actual, exp[col.key]))
        text = _get(book, "warnings", i) or ""
        pieces = [p for p in text.split("; ") if p]
        leads = sorted(next(lead for lead in exp["warnings"] if p.startswith(lead)) for p in pieces
                       if any(p.startswith(lead) for lead in exp["warnings"]))
        if len(leads) != len(pieces) or leads != sorted(exp["warnings"]):
            problems.append((what, "warnings", text, exp["warnings"]))
    assert not problems, "\n".join(map(str, problems))


def test_the_figures_that_matter_by_hand(book):
    i = _index("cross hedge, Price symbol blank")
    assert _get(book, "spot_value", i) == pytest.approx(20 * 2_100.0)      # not 20 × 70,000
    assert _get(book, "contracts", i) == pytest.approx(0.36)               # 42,000 × 1.2 × 0.5 / 70,000
    assert "cross hedge with no beta: β = 1 assumed" in _get(book, "warnings", _index("cross hedge, beta blank"))
    for what in ("negative quantity", "leverage 0", "leverage 0.5", "ratio 150 %", "ratio 50 typed for 50 %"):
        assert _get(book, "spot_value", _index(what)) == "invalid input", what
        assert _get(book, "notional", _index(what)) in (None, ""), what
    assert "write 0.5 or 50 %" in _get(book, "warnings", _index("ratio 50 typed for 50 %"))
    assert _get(book, "spot_value", _index("an asset no Market row prices")) == "not priced"
    assert _get(book, "contracts", _index("below the minimum")) == "below minimum"
    held = _index("10 of 15 contracts held")
    assert _get(book, "net", held) == pytest.approx(0.0, abs=1e-6)
    assert _get(book, "net_held", held) == pytest.approx(5 * 2_100.0)


def test_totals_and_the_risk_summary_say_what_they_leave_out(book):
    ws = book[L.PORTFOLIO]
    left_out = 6  # five invalid inputs and SOL
    cells = risk_summary_cells()
    assert ws[cells["left_out"]].value == left_out
    assert ws[risk_text_cell(cells["left_out"])].value.startswith(f"{left_out} holding(s) left out of the totals")
    assert ws[cells["f_beta"]].value == 1 and ws[cells["f_unhedged"]].value == 1
    assert ws[cells["headline"]].value >= left_out + 2
    total_row = L.PORTFOLIO_FIRST_ROW + L.portfolio_rows(len(TRAPS))
    note = ws[f"{L.pcol('warnings')}{total_row}"].value
    assert note == f"Totals leave out {left_out} holding(s) with no price or an invalid input"
    priced = [_get(book, "spot_value", i) for i in range(len(TRAPS))]
    assert ws[f"{L.pcol('spot_value')}{total_row}"].value == pytest.approx(
        sum(v for v in priced if isinstance(v, (int, float))))
    assert len(RISK_LINES) == len(cells) - 1
