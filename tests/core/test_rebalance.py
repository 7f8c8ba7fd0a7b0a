import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.rebalance import rebalance_contracts


def test_inside_band_is_zero():
    # 10 BTC, target 50 %, short 5.3 BTC (53 %): inside a 5 % band.
    assert rebalance_contracts(10, 50_000, 0.5, 5.3) == 0.0
    assert rebalance_contracts(10, 50_000, 0.5, 4.7) == 0.0


def test_band_edge_is_inside():
    # 55 % vs 50 % target: exactly on the 5 % band edge (0.55 - 0.5 is 0.05000000000000004 in floats).
    assert rebalance_contracts(10, 50_000, 0.5, 5.5) == 0.0


def test_under_hedged_adds_to_the_short():
    # 10 BTC, target 50 %, short 3 BTC (30 %): add 2 contracts of 1 BTC.
    assert rebalance_contracts(10, 50_000, 0.5, 3) == 2.0


def test_over_hedged_buys_back():
    # 10 BTC, target 50 %, short 8 BTC: buy back 3.
    assert rebalance_contracts(10, 50_000, 0.5, 8) == -3.0


def test_contract_size():
    # OKX-style 0.01 BTC contracts: 10 BTC, target 1.0, short 600 contracts = 6 BTC: add 400.
    assert rebalance_contracts(10, 50_000, 1.0, 600, contract_size=0.01) == pytest.approx(400.0)


def test_inverse():
    # 2 BTC at $50,000 ($100,000), target 100 %, short 500 x $100 = $50,000 (50 %): add 500.
    assert rebalance_contracts(2, 50_000, 1.0, 500, contract_size=100, inverse=True) == 500.0
    # After the price doubles the same 500 contracts hedge 25 %: target 50 % needs +500.
    assert rebalance_contracts(2, 100_000, 0.5, 500, contract_size=100, inverse=True) == 500.0


def test_zero_band_always_trades_to_target():
    assert rebalance_contracts(10, 50_000, 0.5, 4.9, band=0.0) == pytest.approx(0.1)


@given(st.floats(0.01, 1e5), st.floats(0, 1), st.floats(0, 2), st.floats(0, 0.2))
def test_result_reaches_target_or_stays_in_band(qty, target, current_ratio, band):
    held = qty * current_ratio
    delta = rebalance_contracts(qty, 1000, target, held, band=band)
    if delta == 0.0:
        assert abs(current_ratio - target) <= band + 1e-9
    else:
        assert (held + delta) / qty == pytest.approx(target, abs=1e-9)
        assert (delta > 0) == (current_ratio < target)


def test_amount_step_rounds_the_target_position_down():
    # Binance COIN-M BTC/USD:BTC, 100 USD contracts, step 1: 1.234 BTC at $50,000 is $61,700;
    # 50 % is $30,850 = 308.5 contracts, rounded down to 308. Short 100: add 208 (not 208.5).
    assert rebalance_contracts(1.234, 50_000, 0.5, 100, contract_size=100, inverse=True,
                               amount_step=1) == 208.0
    # Linear, step 0.001 BTC: 1.2345 BTC × 50 % = 0.61725 -> 0.617 BTC; none short yet.
    assert rebalance_contracts(1.2345, 50_000, 0.5, 0, amount_step=0.001) == pytest.approx(0.617, abs=1e-12)
    # Over-hedged: 10 BTC, target 33.33 % = 3.333 BTC, on a 0.1 step 3.3; short 8: buy
    # back 4.7 (the short ends at or below the target, never above it).
    assert rebalance_contracts(10, 50_000, 0.3333, 8, amount_step=0.1) == pytest.approx(-4.7, abs=1e-12)
    # 70 % of 0.1 BTC is 0.07 at a 0.01 step (binary floats give 0.06999999999999999).
    assert rebalance_contracts(0.1, 50_000, 0.7, 0, amount_step=0.01) == pytest.approx(0.07, abs=1e-15)


@given(st.floats(0.01, 1e4), st.floats(0, 1), st.integers(0, 100_000), st.sampled_from([0.001, 0.01, 0.1, 1.0]))
def test_stepped_trade_lands_on_the_step_at_or_below_the_target(qty, target, held_steps, step):
    held = held_steps * step
    delta = rebalance_contracts(qty, 1000, target, held, band=0.0, amount_step=step)
    position = held + delta
    steps = position / step
    assert steps == pytest.approx(round(steps), abs=1e-6)
    assert position <= target * qty + 1e-9
    assert position > target * qty - step - 1e-9
