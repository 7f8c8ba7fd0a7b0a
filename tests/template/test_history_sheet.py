"""The History sheet's formulas, recalculated by LibreOffice, walk the same path as
core.backtest on the recorded Binance BTC settlements (tests/fixtures, BTspaceC export):
every row's contracts, funding, fees, liquidation price, hedge P&L and equities within 1e-9
relative, no error value, and the yearly table equal to a group-by of the recorded rates."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from perphedge.core.backtest import HedgePolicy, Settlement, backtest
from perphedge.template import history_sheet as H

FULL = Path(__file__).resolve().parents[1] / "fixtures" / "history" / "BTspaceC__crypto-swing-backtest" / "full"


def _ms(day: str) -> int:
    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()) * 1000


def settlements(lo: str, hi: str) -> tuple[Settlement, ...]:
    with (FULL / "BTCUSDT_funding.csv").open(newline="") as f:
        return tuple(Settlement(int(r["fundingTime"]), float(r["fundingRate"]), float(r["markPrice"]))
                     for r in csv.DictReader(f) if _ms(lo) <= int(r["fundingTime"]) < _ms(hi))


# (name, exchange, qty, policy inputs): the leverage and the rules chosen so the path holds a
# liquidation and a re-open (2024: BTC from 42k to over 100k), steps and every venue's rule.
CASES = [
    ("binance 50% 2x", "binanceusdm", 2.0, dict(hedge_ratio=0.5, leverage=2.0, band=0.05, taker_fee=0.0005,
                                                 mmr=0.004, exchange="binanceusdm")),
    ("okx 100% 3x step", "okx", 1.3, dict(hedge_ratio=1.0, leverage=3.0, band=0.05, taker_fee=0.0005, mmr=0.004,
                                           contract_size=0.01, amount_step=1.0, exchange="okx")),
    ("bybit 70% 1x", "bybit", 0.1, dict(hedge_ratio=0.7, leverage=1.0, band=0.02, taker_fee=0.00055, mmr=0.005,
                                        amount_step=0.001, exchange="bybit")),
    ("no hedge", "binanceusdm", 1.0, dict(hedge_ratio=0.0, exchange="binanceusdm")),
]


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    from perphedge.template.libreoffice import recalculate
    from tests.conftest import require_libreoffice

    require_libreoffice()
    path = settlements("2024-01-01", "2025-01-01")
    blocks = [H.HistoryBlock("BTC/USDT:USDT", ex, qty, HedgePolicy(**kw), path) for _, ex, qty, kw in CASES]
    wb = openpyxl.Workbook()
    H.write_history(wb.active, blocks, "synthetic policies over the recorded 2024 BTC settlements")
    d = tmp_path_factory.mktemp("history")
    wb.save(d / "history.xlsx")
    back = recalculate(d / "history.xlsx", d / "lo.xlsx")
    return blocks, openpyxl.load_workbook(back, data_only=True).active


def _close(a, b) -> bool:
    if b is None:
        return a in (None, "")
    return isinstance(a, (int, float)) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.libreoffice
@pytest.mark.parametrize("k", range(len(CASES)), ids=[c[0] for c in CASES])
def test_every_row_matches_core(recalculated, k):
    blocks, ws = recalculated
    block = blocks[k]
    result = backtest(block.policy, block.qty, block.settlements)
    path = result.path
    cells = H.BlockCells(H.block_tops(blocks)[k], len(block.settlements))

    def column(name):
        col = 1 + H.COLUMNS.index(name)
        return [ws.cell(cells.first_row + i, col).value for i in range(len(block.settlements))]

    expected = {"Funding": path.funding, "Fee": path.fees, "Hedge P&L": path.hedge_pnl,
                "Short (base)": path.short_qty, "Liq. price": path.liq_price,
                "Hedged equity": path.hedged_equity, "Unhedged equity": path.unhedged_equity}
    for name, want in expected.items():
        got = column(name)
        bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if not _close(g, w)]
        assert not bad, (name, bad[:3])
    for row in ws.iter_rows(min_row=cells.top, max_row=cells.last_row, max_col=len(H.COLUMNS)):
        assert not any(isinstance(c.value, str) and c.value.startswith("#") for c in row)
    if k == 0:   # the case chosen to hold a liquidation, and the re-open after it
        assert result.liquidations and sum(column("Liquidated")) == len(result.liquidations)
        assert sum(column("Trade")) == result.rebalances + 1     # the first opening is a trade too


@pytest.mark.libreoffice
def test_the_yearly_table_is_a_group_by_of_the_recorded_rates(recalculated):
    blocks, ws = recalculated
    sums: dict[int, float] = defaultdict(float)
    for s in blocks[0].settlements:
        sums[datetime.fromtimestamp(s.time_ms / 1000, UTC).year] += s.rate
    row = H.block_tops(blocks)[0] + 2
    assert ws.cell(row, H.YEARS_COL).value == 2024 and len(sums) == 1
    assert ws.cell(row + 1, H.YEARS_COL).value is None
    assert math.isclose(ws.cell(row, H.YEARS_COL + 2).value, sums[2024], rel_tol=1e-12)
    result = backtest(blocks[0].policy, blocks[0].qty, blocks[0].settlements)
    assert math.isclose(ws.cell(row, H.YEARS_COL + 1).value, result.funding_total, rel_tol=1e-9)
