"""The Beta sheet, recalculated in LibreOffice: SLOPE/CORREL/RSQ of the log returns equal
``core.beta.min_variance_hedge`` on the demo's recorded ETH and BTC mark prices, and the
Portfolio's cross-hedge row uses it."""

from __future__ import annotations

import pytest

from perphedge.template import layout as L
from tests.support.reference import same

pytestmark = pytest.mark.libreoffice


def test_demo_beta_matches_core(recalc, demo_path, demo_build):
    wb = recalc(demo_path)
    ws = wb["Beta"]
    beta = demo_build.beta
    assert same(ws["B7"].value, beta.hedge_ratio)
    assert same(ws["B8"].value, beta.correlation)
    assert same(ws["B9"].value, beta.r_squared)
    assert ws["B10"].value == beta.n_returns == 269
    port = wb["Portfolio"]
    assert same(port[f"{L.pcol('beta')}{L.PORTFOLIO_FIRST_ROW + 2}"].value, beta.hedge_ratio)


def test_template_beta_is_blank_without_prices(recalc, template_path):
    ws = recalc(template_path)["Beta"]
    assert ws["B7"].value in (None, "") and ws["B10"].value == 0


def _slope(asset, hedge):
    """β by another engine than core.beta: statistics' least squares on the log returns."""
    import math
    import statistics

    ra = [math.log(b / a) for a, b in zip(asset, asset[1:])]
    rh = [math.log(b / a) for a, b in zip(hedge, hedge[1:])]
    return statistics.linear_regression(rh, ra).slope, len(ra)


def test_a_cross_hedge_from_a_csv_gets_the_beta_of_its_recorded_prices(recalc, tmp_path):
    """ETH hedged with the BTC perp, beta column blank: the builder fills a Beta block from
    the snapshot's recorded daily closes of both perps and points the row at it; nothing is
    sized at a silent β = 1."""
    from perphedge.cli import main
    from perphedge.market.snapshot.data import load_snapshot
    from perphedge.market.snapshot.source import SnapshotSource

    csv = tmp_path / "h.csv"
    csv.write_text("asset,qty,hedge_symbol,exchange,hedge_ratio\nETH,20,BTC/USDT:USDT,binanceusdm,50%\n")
    out = tmp_path / "h.xlsx"
    assert main(["--offline", "new", "--portfolio", str(csv), str(out)]) == 0
    src = SnapshotSource(load_snapshot())
    eth = {c.time_ms // 86_400_000: c.close for c in src.daily_closes("ETH/USDT:USDT", 90, "binanceusdm").value}
    btc = {c.time_ms // 86_400_000: c.close for c in src.daily_closes("BTC/USDT:USDT", 90, "binanceusdm").value}
    days = sorted(set(eth) & set(btc))
    expected, n = _slope([eth[d] for d in days], [btc[d] for d in days])
    wb = recalc(out)
    assert same(wb["Beta"]["B7"].value, expected, rel=1e-9) and wb["Beta"]["B10"].value == n
    row = L.PORTFOLIO_FIRST_ROW
    port = wb["Portfolio"]
    assert same(port[f"{L.pcol('beta')}{row}"].value, expected)
    assert "no beta" not in (port[f"{L.pcol('warnings')}{row}"].value or "")
    assert 1.1 < expected < 1.4  # ETH moves more than BTC (the demo's 8-hourly β is 1.21)


def test_prices_pasted_below_the_written_rows_count(recalc, tmp_path):
    """A user-built Beta block: 150 price rows pasted into an empty sheet (SYNTHETIC
    prices, a seeded random walk) — all 149 returns count, not the first 59."""
    import random

    import openpyxl

    from perphedge.template.demo import build_template

    path = build_template(tmp_path / "t.xlsx")
    rng = random.Random(7)
    a, h = [100.0], [50.0]
    for _ in range(149):
        move = rng.gauss(0, 0.02)
        h.append(h[-1] * (1 + move))
        a.append(a[-1] * (1 + 1.3 * move + rng.gauss(0, 0.01)))
    wb = openpyxl.load_workbook(path)
    ws = wb["Beta"]
    for i, (x, y) in enumerate(zip(a, h)):
        ws[f"B{L.BETA_HEADER_ROW + 1 + i}"] = x
        ws[f"C{L.BETA_HEADER_ROW + 1 + i}"] = y
    wb.save(path)
    got = recalc(path)["Beta"]
    expected, n = _slope(a, h)
    assert got["B10"].value == n == 149
    assert same(got["B7"].value, expected, rel=1e-9)
