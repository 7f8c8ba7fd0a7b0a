from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.errors import InvalidInput
from perphedge.core.scenarios import DEFAULT_SHOCKS, ScenarioRow, scenario_table


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
