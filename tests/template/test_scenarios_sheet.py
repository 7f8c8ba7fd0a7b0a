"""The Scenarios sheet, recalculated in LibreOffice, is ``core.scenarios.portfolio_scenarios``
of the Portfolio rows' own recalculated figures (spot value, beta used, hedged notional,
margin, distance to liquidation, funding, and the Market row's taker fee and inverse flag),
and a hand-made book gives the figures worked out by hand."""

from __future__ import annotations

import openpyxl
import pytest

from perphedge.core.holdings import HoldingInput
from perphedge.core.marketdata import DataStatus, MarketRow
from perphedge.core.scenarios import AT_ONCE, DEFAULT_SHOCKS, HoldingFigures, portfolio_scenarios
from perphedge.template import layout as L
from perphedge.template.build import build_workbook
from perphedge.template.scenarios_sheet import left_out_cell

pytestmark = pytest.mark.libreoffice

COLUMNS = dict(zip(("spot_pnl", "hedge_pnl", "funding", "fees", "net", "unhedged_value",
                    "hedged_value", "protects", "liquidated"), "BCDEFGHIJ"))


def _num(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def figures_of(wb) -> tuple[list[HoldingFigures], int]:
    """Each priced Portfolio row as core reads it, from the row's recalculated cells (not
    its hidden sc_* helpers), and the count of rows with an asset but no spot value."""
    p, m = wb[L.PORTFOLIO], wb[L.MARKET]
    fee_col, inv_col = L.market_col("Taker fee"), L.market_col("Inverse")
    out, left_out = [], 0
    r = L.PORTFOLIO_FIRST_ROW
    while p[f"A{r}"].value != "Total":
        def cell(key: str, r: int = r):
            return p[f"{L.pcol(key)}{r}"].value
        value = _num(cell("spot_value"))
        if value is None:
            left_out += cell("asset") not in (None, "")
            r += 1
            continue
        hedged = _num(cell("hedged")) or 0.0
        liq: float | None = None
        fee, inverse = 0.0, False
        if hedged > 0:
            liq = _num(cell("liq_distance"))
            if liq is None and cell("liq_price") == "at entry":
                liq = AT_ONCE
            market_row = L.MARKET_FIRST_ROW + int(cell("hedge_row")) - 1
            fee = _num(m[f"{fee_col}{market_row}"].value) or 0.0
            inverse = bool(m[f"{inv_col}{market_row}"].value)
        out.append(HoldingFigures(value, _num(cell("beta_used")), hedged, _num(cell("margin")) or 0.0,
                                  liq, _num(cell("funding")) or 0.0, fee, inverse))
        r += 1
    return out, left_out


def check_grid(wb) -> list[HoldingFigures]:
    ws = wb[L.SCENARIOS]
    holdings, left_out = figures_of(wb)
    expected = portfolio_scenarios(holdings)
    scale = max(1.0, sum(h.spot_value for h in holdings), sum(h.hedged_notional for h in holdings))
    assert ws[left_out_cell()].value == left_out
    for k, row in enumerate(expected):
        r = L.SCENARIO_HEADER_ROW + 1 + k
        assert ws[f"A{r}"].value == pytest.approx(row.shock)
        for field, col in COLUMNS.items():
            # sums of many terms: a tolerance relative to the portfolio's size
            assert abs(ws[f"{col}{r}"].value - getattr(row, field)) <= 1e-9 * scale, (row.shock, field)
    return holdings


def test_demo_scenarios_match_core(recalc, demo_path):
    holdings = check_grid(recalc(demo_path))
    assert any(h.beta != 1.0 for h in holdings)  # the demo's cross hedge is among them


@pytest.mark.parametrize("index", [0, 1, 2])
def test_generated_scenarios_match_core(recalc, generated, index):
    holdings = check_grid(recalc(generated[index][0]))
    if index == 0:
        # the books hold liquidations within ±50 %, at-once ones, inverse shorts and cross hedges
        assert any(h.liq_shock == AT_ONCE for h in holdings)
        assert any(h.liq_shock is not None and 0 < h.liq_shock < 0.5 for h in holdings)
        assert any(h.inverse for h in holdings) and any(h.beta != 1.0 for h in holdings)


# ----------------------------------------------------------------------------- by hand

_ST = DataStatus("synthetic", 0)


def _row(symbol: str, price: float, mmr: float = 0.004) -> MarketRow:
    """A SYNTHETIC Market row: no funding, no fee, one price."""
    return MarketRow(symbol, "binanceusdm", price, price, None, 0.0, 8.0, None, 1.0, 0.001, 0.001,
                     False, 0.0, mmr, 0.0, _ST)


@pytest.fixture(scope="module")
def hand_book(tmp_path_factory):
    """1 BTC at a synthetic $100,000 fully hedged at 5x; 10 ETH at a synthetic $4,000 hedged
    with the BTC perp at β 1.2, ratio 100 %, 1x; and a holding with no Market row."""
    path = tmp_path_factory.mktemp("scenarios") / "hand.xlsx"
    build_workbook([
        HoldingInput("BTC", 1, "BTC/USDT:USDT", "binanceusdm", "Custom", 1.0, 5.0),
        HoldingInput("ETH", 10, "BTC/USDT:USDT", "binanceusdm", "Custom", 1.0, 1.0, beta=1.2,
                     price_symbol="ETH/USDT:USDT"),
        HoldingInput("MISSING", 1, "MISSING/USDT:USDT", "binanceusdm", "Custom", 0.5),
    ], [_row("BTC/USDT:USDT", 100_000.0), _row("ETH/USDT:USDT", 4_000.0)], {}, path)
    return path


def _shock_row(ws, shock: float) -> dict[str, float]:
    r = L.SCENARIO_HEADER_ROW + 1 + DEFAULT_SHOCKS.index(shock)
    return {field: ws[f"{col}{r}"].value for field, col in COLUMNS.items()}


def test_hand_book_liquidation_cross_hedge_and_left_out(recalc, hand_book):
    """By hand. BTC: margin 100,000 / 5 = 20,000; liquidation (20,000 + 100,000) / 1.004
    = 119,522, +19.52 %. ETH: spot value 40,000, hedged 40,000 × 1.2 = 48,000 of the BTC
    perp, 1x: liquidation 2 / 1.004 − 1 = +99.2 %; ETH moves 1.2 × the shock.

    +50 %: BTC spot +50,000, its short liquidated: −20,000 (the margin, not −50,000); ETH
    spot +60 % × 40,000 = +24,000, hedge −48,000 × 50 % = −24,000. Net +30,000, 1 liquidated.
    −50 %: BTC −50,000 / +50,000; ETH −24,000 / +24,000: net 0.
    +15 %: both open: BTC ±15,000, ETH ±7,200: net 0. +20 %: BTC liquidated (20 % ≥ 19.52 %).
    The sheet before this rule (every coin the same %, no liquidation) gave at +50 % spot
    +70,000, hedge −148,000 × 50 % = −74,000, net −4,000; at −50 % net +4,000; and it did
    not count the unpriced holding.
    """
    wb = recalc(hand_book)
    ws = wb[L.SCENARIOS]
    up50 = _shock_row(ws, 0.5)
    assert up50 == pytest.approx(dict(spot_pnl=74_000, hedge_pnl=-44_000, funding=0, fees=0,
                                      net=30_000, unhedged_value=214_000, hedged_value=170_000,
                                      protects=-44_000, liquidated=1))
    down50 = _shock_row(ws, -0.5)
    assert down50 == pytest.approx(dict(spot_pnl=-74_000, hedge_pnl=74_000, funding=0, fees=0,
                                        net=0, unhedged_value=66_000, hedged_value=140_000,
                                        protects=74_000, liquidated=0), abs=1e-6)
    up15 = _shock_row(ws, 0.15)
    assert (up15["spot_pnl"], up15["hedge_pnl"], up15["liquidated"]) == pytest.approx((22_200, -22_200, 0))
    assert _shock_row(ws, 0.2)["liquidated"] == 1
    assert ws[left_out_cell()].value == 1
    check_grid(wb)


def test_hand_book_marks_liquidations_and_left_out(hand_book):
    """The formatting (not recalculated): shock rows with a liquidation in red, the left-out
    count red when above 0; and no IF inside the SUMPRODUCTs (legacy Excel would need CSE)."""
    ws = openpyxl.load_workbook(hand_book)[L.SCENARIOS]
    first = L.SCENARIO_HEADER_ROW + 1
    last = first + len(DEFAULT_SHOCKS) - 1
    rules = {str(cf.sqref): [r.formula for r in cf.rules] for cf in ws.conditional_formatting}
    assert rules[f"A{first}:J{last}"] == [[f"N($J{first})>0"]]
    assert rules[left_out_cell()] == [[f"N({left_out_cell()})>0"]]
    assert ws[f"J{L.SCENARIO_HEADER_ROW}"].value == "Liquidated"
    for r in range(first, last + 1):
        for col in "BCDEFGHIJ":
            formula = ws[f"{col}{r}"].value
            assert formula.startswith("=") and "IF(" not in formula, (r, col)


def test_guide_example_scenario_by_hand(recalc, tmp_path):
    """The guide's example, by hand: 10 BTC at $50,000 hedged 50 % (synthetic Market row,
    no funding, no fees, 1x: liquidation near +99 %): at −10 % spot −$50,000, hedge +$25,000,
    net −$25,000."""
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
    assert ws[f"J{r}"].value == 0
