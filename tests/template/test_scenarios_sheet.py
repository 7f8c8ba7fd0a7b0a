"""The Scenarios sheet, recalculated in LibreOffice, equals the sum over holdings of
``core.scenarios.scenario_table``: the spot leg at the asset's price and the hedge leg as
a fully hedged position of the short actually sized (contracts after rounding)."""

from __future__ import annotations

import pytest

from perphedge.core.scenarios import DEFAULT_SHOCKS, scenario_table
from perphedge.template import layout as L
from tests.support.reference import BLANK, SETTINGS, expected_row, same
from tests.template.test_portfolio import _market_rows_of, _now

pytestmark = pytest.mark.libreoffice


def expected_grid(holdings, rows, now, beta=None):
    totals = {k: [0.0] * len(DEFAULT_SHOCKS) for k in
              ("spot", "hedge", "funding", "fees", "net", "unhedged", "hedged")}
    spot_value = 0.0
    for h in holdings:
        e = expected_row(h, rows, now, beta if h.beta_from_sheet else None)
        if e["spot_value"] == BLANK:
            continue
        spot_value += e["spot_value"]
        spot = scenario_table(h.qty, e["price"], 0.0)
        legs = [(s.spot_pnl, 0.0, 0.0, 0.0) for s in spot]
        if e["hedged"] not in (BLANK, 0.0):
            fee = 0.0
            for r in rows:
                if r.symbol == h.hedge_symbol and r.exchange == h.exchange:
                    fee = r.taker_fee or 0.0
            rate = e["rate"] if e["rate"] != BLANK else 0.0
            hedge = scenario_table(e["hedged"] / e["perp_price"], e["perp_price"], 1.0,
                                   rate_per_interval=rate, days=SETTINGS["HorizonDays"],
                                   interval_hours=e["interval"], fee_rate=fee)
            legs = [(a[0], s.hedge_pnl, s.funding, s.fees) for a, s in zip(legs, hedge)]
        for k, (sp, hp, fu, fe) in enumerate(legs):
            totals["spot"][k] += sp
            totals["hedge"][k] += hp
            totals["funding"][k] += fu
            totals["fees"][k] += fe
    for k, shock in enumerate(DEFAULT_SHOCKS):
        net = totals["spot"][k] + totals["hedge"][k] + totals["funding"][k] - totals["fees"][k]
        totals["net"][k] = net
        totals["unhedged"][k] = spot_value * (1 + shock)
        totals["hedged"][k] = spot_value + net
    return totals


def check_grid(wb, holdings, rows, beta=None):
    ws = wb["Scenarios"]
    exp = expected_grid(holdings, rows, _now(wb), beta)
    cols = dict(zip(("spot", "hedge", "funding", "fees", "net", "unhedged", "hedged"), "BCDEFGH"))
    for k, shock in enumerate(DEFAULT_SHOCKS):
        r = L.SCENARIO_HEADER_ROW + 1 + k
        assert ws[f"A{r}"].value == pytest.approx(shock)
        for key, col in cols.items():
            # Sums of many terms: compare with a tolerance relative to the portfolio's size.
            scale = max(abs(exp["unhedged"][10]), 1.0)
            assert abs(ws[f"{col}{r}"].value - exp[key][k]) <= 1e-9 * scale, (shock, key)
        assert same(ws[f"I{r}"].value, ws[f"H{r}"].value - ws[f"G{r}"].value)


def test_demo_scenarios_match_core(recalc, demo_path, demo_build):
    check_grid(recalc(demo_path), demo_build.holdings, _market_rows_of(demo_build),
               demo_build.beta.hedge_ratio)


@pytest.mark.parametrize("index", [0, 1])
def test_generated_scenarios_match_core(recalc, generated, index):
    path, holdings, rows, _, _ = generated[index]
    check_grid(recalc(path), holdings, rows)


def test_guide_example_scenario_by_hand(recalc, tmp_path):
    """The guide's example, by hand: 10 BTC at $50,000 hedged 50 % (synthetic Market row,
    no funding, no fees): at −10 % spot −$50,000, hedge +$25,000, net −$25,000."""
    from perphedge.core.holdings import HoldingInput
    from perphedge.core.marketdata import DataStatus, MarketRow
    from perphedge.template.build import build_workbook

    row = MarketRow("BTC/USDT:USDT", "binanceusdm", 50_000.0, 50_000.0, None, 0.0, 8.0, None,
                    1.0, 0.001, 0.001, False, 0.0, None, None, DataStatus("synthetic", 0))
    path = tmp_path / "guide.xlsx"
    build_workbook([HoldingInput("BTC", 10, "BTC/USDT:USDT", "binanceusdm", "Tactical Defense")],
                   [row], {}, path)
    ws = recalc(path)["Scenarios"]
    r = L.SCENARIO_HEADER_ROW + 1 + DEFAULT_SHOCKS.index(-0.10)
    assert (ws[f"B{r}"].value, ws[f"C{r}"].value, ws[f"F{r}"].value) == pytest.approx(
        (-50_000, 25_000, -25_000))
    assert ws[f"G{r}"].value == pytest.approx(450_000)
    assert ws[f"H{r}"].value == pytest.approx(475_000)
