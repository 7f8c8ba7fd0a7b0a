from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perphedge.core.errors import InvalidInput
from perphedge.core.margin_rules import rule_for
from perphedge.core.scenarios import (
    AT_ONCE,
    DEFAULT_SHOCKS,
    HoldingFigures,
    PortfolioScenarioRow,
    ScenarioRow,
    holding_outcome,
    portfolio_scenarios,
    scenario_table,
)


def test_default_shocks_are_exact_decimals():
    assert len(DEFAULT_SHOCKS) == 21
    assert DEFAULT_SHOCKS[0] == -0.5 and DEFAULT_SHOCKS[-1] == 0.5 and DEFAULT_SHOCKS[10] == 0.0
    assert [repr(s) for s in DEFAULT_SHOCKS[5:8]] == ["-0.25", "-0.2", "-0.15"]
    for a, b in zip(DEFAULT_SHOCKS, DEFAULT_SHOCKS[1:]):
        assert Decimal(repr(b)) - Decimal(repr(a)) == Decimal("0.05")


def test_guide_full_hedge_of_a_million_moves_zero_on_twenty_percent():
    # The guide: a 100 % hedge of $1,000,000 moves ±$0 on ±20 % before funding and fees.
    rows = scenario_table(20, 50_000, 1.0, shocks=(-0.2, 0.2))
    for row in rows:
        assert row.net == 0.0
        assert row.hedged_value == 1_000_000.0
    down, up = rows
    assert down.spot_pnl == pytest.approx(-200_000) and down.hedge_pnl == pytest.approx(200_000)
    assert down.unhedged_value == pytest.approx(800_000) and up.unhedged_value == pytest.approx(1_200_000)


def test_guide_half_hedge_ten_percent_drop():
    (row,) = scenario_table(10, 50_000, 0.5, shocks=(-0.1,))
    assert row == ScenarioRow(shock=-0.1, price=45_000.0, spot_pnl=-50_000.0, hedge_pnl=25_000.0,
                              funding=0.0, fees=0.0, net=-25_000.0, unhedged_value=450_000.0,
                              hedged_value=475_000.0)


def test_funding_and_fees():
    # 20 BTC at $50,000 fully hedged, +0.01 % per 8 h for 30 days: funding 1,000,000 *
    # 0.0001 * 90 = +9,000. Fees 0.05 % on opening (1,000,000) and closing at -10 %
    # (900,000): 500 + 450 = 950.
    (row,) = scenario_table(20, 50_000, 1.0, shocks=(-0.1,), rate_per_interval=0.0001,
                            days=30, fee_rate=0.0005)
    assert row.funding == pytest.approx(9_000.0)
    assert row.fees == pytest.approx(950.0)
    assert row.net == pytest.approx(9_000 - 950)
    assert row.hedged_value == pytest.approx(1_000_000 + 8_050)


def test_default_table_has_21_rows():
    rows = scenario_table(10, 50_000, 0.5)
    assert [r.shock for r in rows] == list(DEFAULT_SHOCKS)
    assert rows[0].price == 25_000.0 and rows[-1].price == 75_000.0


@pytest.mark.parametrize("shocks,arg", [((-1.0,), "shocks[0]"), ((0.1, float("nan")), "shocks[1]"),
                                         ((), "shocks"), ("0.1", "shocks")])
def test_bad_shocks(shocks, arg):
    with pytest.raises(InvalidInput, match=arg.replace("[", r"\[").replace("]", r"\]")):
        scenario_table(10, 50_000, 0.5, shocks=shocks)


@given(st.floats(0, 1e5), st.floats(0.01, 1e6), st.lists(st.floats(-0.99, 10), min_size=1, max_size=5))
def test_full_hedge_nets_zero_for_any_shock(qty, price, shocks):
    for row in scenario_table(qty, price, 1.0, shocks=shocks):
        assert row.net == 0.0


# ----------------------------------------------------------------------------- liquidation
#
# Every price below is SYNTHETIC (round numbers for hand calculation), not market data.


def test_worked_example_5x_short_loses_its_margin_not_the_move():
    # 1 BTC at a synthetic $100,000, 100 % hedged at 5x, Binance USDⓈ-M rule, MMR 0.4 %:
    # margin 100,000 / 5 = 20,000; liquidation price (20,000 + 100,000) / (1 × 1.004)
    # = 119,521.91, a distance of 19.52 %. At +50 % the short is liquidated: it loses its
    # margin, 20,000 — not 50,000 — and the spot's +50,000 is unhedged from there: net +30,000.
    up15, up50 = scenario_table(1, 100_000, 1.0, shocks=(0.15, 0.5), leverage=5, mmr=0.004)
    assert up50.hedge_pnl == pytest.approx(-20_000) and up50.liquidated
    assert up50.spot_pnl == pytest.approx(50_000) and up50.net == pytest.approx(30_000)
    assert up50.hedged_value == pytest.approx(130_000) and up50.unhedged_value == pytest.approx(150_000)
    # +15 % is below the 19.52 % distance: the short is open and mirrors the spot
    assert up15.hedge_pnl == pytest.approx(-15_000) and not up15.liquidated
    assert up15.net == pytest.approx(0.0, abs=1e-9)


def test_1x_and_5x_differ_where_the_5x_short_is_liquidated():
    # 1x: liquidation at (100,000 + 100,000) / 1.004 = 199,203 (+99.2 %): +50 % keeps it open.
    one = scenario_table(1, 100_000, 1.0, shocks=(-0.5, 0.2, 0.5), leverage=1, mmr=0.004)
    five = scenario_table(1, 100_000, 1.0, shocks=(-0.5, 0.2, 0.5), leverage=5, mmr=0.004)
    assert [r.hedge_pnl for r in one] == pytest.approx([50_000, -20_000, -50_000])
    assert [r.hedge_pnl for r in five] == pytest.approx([50_000, -20_000, -20_000])
    assert [r.liquidated for r in one] == [False, False, False]
    assert [r.liquidated for r in five] == [False, True, True]


def test_liquidated_short_gets_no_funding_and_pays_no_closing_fee():
    # 100,000 short, +0.01 % per 8 h for 30 days: +900 while open; fee 0.05 %: 50 to open,
    # 0.0005 × 110,000 = 55 to close at +10 %; liquidated at +50 %: no funding, fee 50 only.
    down, up = scenario_table(1, 100_000, 1.0, shocks=(0.1, 0.5), rate_per_interval=0.0001,
                              days=30, fee_rate=0.0005, leverage=5, mmr=0.004)
    assert (down.funding, down.fees) == pytest.approx((900.0, 105.0))
    assert (up.funding, up.fees) == pytest.approx((0.0, 50.0))
    assert up.net == pytest.approx(50_000 - 20_000 - 50)


def test_cross_hedge_moves_the_holding_beta_times_the_shock():
    # 25 ETH at a synthetic $4,000 (spot value 100,000) hedged with another coin's perp at
    # β 1.21, ratio 100 %: notional 121,000. At −50 % of the hedge's price ETH moves
    # −60.5 %: spot −60,500, hedge +60,500, net 0 (no fees, no funding).
    down, up = scenario_table(25, 4_000, 1.0, shocks=(-0.5, 0.5), beta=1.21)
    assert down.spot_pnl == pytest.approx(-60_500) and down.hedge_pnl == pytest.approx(60_500)
    assert down.price == pytest.approx(4_000 * (1 - 0.605))
    assert up.spot_pnl == pytest.approx(60_500) and up.hedge_pnl == pytest.approx(-60_500)
    assert down.net == pytest.approx(0.0, abs=1e-9) and up.net == pytest.approx(0.0, abs=1e-9)
    assert down.unhedged_value == pytest.approx(39_500)


def test_holding_move_is_floored_at_minus_100_percent():
    # β 2.5 at −50 %: −125 % would be below zero; the coin loses its whole value, no more.
    (row,) = scenario_table(10, 100, 0.5, shocks=(-0.5,), beta=2.5)
    assert row.spot_pnl == pytest.approx(-1_000) and row.price == 0.0
    assert row.unhedged_value == 0.0
    assert row.hedge_pnl == pytest.approx(1_000 * 2.5 * 0.5 * 0.5)


def test_inverse_short_pnl_and_coin_margin_at_the_shocked_price():
    # Inverse: coin P&L N (1/P1 − 1/P0) valued at P1 is −N × s: 100,000 × (1/120,000 −
    # 1/100,000) = −0.16667 BTC, × 120,000 = −20,000.
    n, p0, p1 = 100_000.0, 100_000.0, 120_000.0
    assert n * (1 / p1 - 1 / p0) * p1 == pytest.approx(-n * (p1 / p0 - 1))
    # 5x, COIN-M rule, MMR 0.4 %: coin margin 0.2 BTC; liquidation at
    # 1 × 100,000 × 0.996 / (1 − 0.2) = 124,500 (+24.5 %). At +50 % the 0.2 BTC are lost,
    # worth 0.2 × 150,000 = 30,000 then. Fees on the USD face: 0.0005 × 100,000 = 50 each way.
    up20, up50 = scenario_table(1, 100_000, 1.0, shocks=(0.2, 0.5), fee_rate=0.0005,
                                leverage=5, mmr=0.004, inverse=True)
    assert up20.hedge_pnl == pytest.approx(-20_000) and not up20.liquidated
    assert up20.fees == pytest.approx(100.0)
    assert up50.hedge_pnl == pytest.approx(-30_000) and up50.liquidated
    assert up50.fees == pytest.approx(50.0)


def test_bybit_short_loses_the_margin_it_posted_with_the_fee_to_close():
    # Bybit USDT, 5x, taker 0.055 %: margin 20,000 + 100,000 × (1 + 1/5) × 0.00055 = 20,066;
    # liquidation at 100,000 × (1 − 0.004) + 20,000 = 119,600 (+19.6 %).
    up19, up50 = scenario_table(1, 100_000, 1.0, shocks=(0.19, 0.5), fee_rate=0.00055,
                                leverage=5, mmr=0.004, exchange="bybit")
    assert not up19.liquidated and up50.liquidated
    assert up50.hedge_pnl == pytest.approx(-20_066)


def test_margin_and_liquidation_price_given():
    # 10,000 of margin, liquidation price 130,000 given: +31 % liquidates, +29 % does not.
    a, b = scenario_table(1, 100_000, 1.0, shocks=(0.29, 0.31), margin=10_000, liq_price=130_000)
    assert not a.liquidated and a.hedge_pnl == pytest.approx(-29_000)
    assert b.liquidated and b.hedge_pnl == pytest.approx(-10_000)
    # a liquidation price at or below entry: liquidated at once, whatever the shock
    (c,) = scenario_table(1, 100_000, 1.0, shocks=(-0.4,), margin=10_000, liq_price=100_000)
    assert c.liquidated and c.hedge_pnl == pytest.approx(-10_000)
    # margin below maintenance at entry (125x with MMR 5 %): liquidated at once too
    (d,) = scenario_table(1, 100_000, 1.0, shocks=(-0.4,), leverage=125, mmr=0.05)
    assert d.liquidated and d.hedge_pnl == pytest.approx(-800)
    with pytest.raises(InvalidInput, match="margin"):
        scenario_table(1, 100_000, 1.0, liq_price=130_000)


def test_1x_inverse_short_is_never_liquidated():
    rows = scenario_table(1, 100_000, 1.0, shocks=(0.5, 3.0), leverage=1, inverse=True)
    assert [r.liquidated for r in rows] == [False, False]
    assert [r.hedge_pnl for r in rows] == pytest.approx([-50_000, -300_000])


def test_portfolio_scenarios_by_hand():
    # The two priced rows of the Scenarios sheet's hand test (synthetic): BTC 100,000 at 5x
    # (margin 20,000, liquidation +19.52 %) and ETH 40,000 at β 1.2 hedged 48,000 at 1x
    # (liquidation +99.2 %); an unpriced holding is not among the figures.
    btc = HoldingFigures(100_000, 1.0, 100_000, 20_000, 120_000 / 1.004 / 100_000 - 1, 0.0, 0.0, False)
    eth = HoldingFigures(40_000, 1.2, 48_000, 48_000, 2 / 1.004 - 1, 0.0, 0.0, False)
    down, up15, up50 = portfolio_scenarios([btc, eth], (-0.5, 0.15, 0.5))
    assert down == PortfolioScenarioRow(-0.5, -74_000, 74_000, 0.0, 0.0, 0.0, 66_000, 140_000, 0)
    assert (up15.spot_pnl, up15.hedge_pnl, up15.liquidated) == pytest.approx((22_200, -22_200, 0))
    assert (up50.spot_pnl, up50.hedge_pnl, up50.net, up50.liquidated) == pytest.approx(
        (74_000, -20_000 - 24_000, 30_000, 1))
    assert up50.hedged_value == pytest.approx(170_000) and up50.protects == pytest.approx(-44_000)


def test_portfolio_scenarios_at_once_and_funding():
    at_once = HoldingFigures(1_000, 1.0, 1_000, 10, AT_ONCE, 5.0, 0.001, False)
    (row,) = portfolio_scenarios([at_once], (-0.3,))
    assert row.liquidated == 1 and row.hedge_pnl == -10 and row.funding == 0.0
    assert row.fees == pytest.approx(1.0)  # the opening fee only


@pytest.mark.parametrize("kwargs,arg", [
    (dict(spot_value=-1), "spot_value"), (dict(spot_value=1, beta=-1), "beta"),
    (dict(spot_value=1, liq_shock=-2), "liq_shock"), (dict(spot_value=1, fee_rate=1.5), "fee_rate"),
    (dict(spot_value=1, inverse="yes"), "inverse"), (dict(spot_value=float("nan")), "spot_value"),
])
def test_holding_figures_validate(kwargs, arg):
    with pytest.raises(InvalidInput, match=arg):
        HoldingFigures(**kwargs)


def test_portfolio_scenarios_refuse_other_items():
    with pytest.raises(InvalidInput, match=r"holdings\[0\]"):
        portfolio_scenarios([{"spot_value": 1}])
    assert [r.shock for r in portfolio_scenarios([])] == list(DEFAULT_SHOCKS)


# The property: an isolated short never loses more than its margin (an inverse short's coin
# margin valued at the shocked price) plus the taker fee it paid to open, which is charged
# at entry, not out of the margin. No venue documents a liquidation fee beyond the margin
# (core.scenarios). Assumptions of the draw: the tier's maintenance amount 0 and a taker fee
# at most the MMR (first tiers: MMR 0.4-0.5 %, taker fees at most 0.06 %).
@settings(max_examples=3000, deadline=None)
@given(leverage=st.floats(1.0, 125.0), shock=st.floats(-0.99, 5.0), inverse=st.booleans(),
       exchange=st.sampled_from([None, "binanceusdm", "bybit", "okx"]),
       mmr=st.floats(0.001, 0.1), fee_share=st.floats(0.0, 1.0), ratio=st.floats(0.01, 1.0),
       price=st.floats(1e-3, 1e6))
def test_short_never_loses_more_than_its_margin(leverage, shock, inverse, exchange, mmr, fee_share,
                                                 ratio, price):
    fee = min(mmr, 0.001) * fee_share
    (row,) = scenario_table(2.0, price, ratio, shocks=(shock,), fee_rate=fee, leverage=leverage,
                            mmr=mmr, inverse=inverse, exchange=exchange)
    notional = 2.0 * price * ratio
    margin = rule_for(exchange, inverse).required_margin(notional, leverage, fee)
    at_shock = margin * (1 + shock) if inverse else margin
    loss = -(row.hedge_pnl - row.fees)
    bound = at_shock + fee * notional
    assert loss <= bound * (1 + 1e-9) + 1e-9
    if row.liquidated:
        assert loss == pytest.approx(bound) and row.funding == 0.0


def test_zero_hedge_has_no_liquidation():
    (row,) = scenario_table(1, 100, 0.0, shocks=(0.5,), leverage=10)
    assert not row.liquidated and row.hedge_pnl == 0.0 and row.net == pytest.approx(50)


def test_holding_outcome_of_no_short():
    o = holding_outcome(HoldingFigures(100.0, 1.5), 0.2)
    assert (o.asset_move, o.spot_pnl, o.hedge_pnl, o.liquidated) == pytest.approx((0.3, 30.0, 0.0, False))
