import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.errors import InvalidInput
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


# ---- lot steps, inverse and exact decimal counts (hand calculations) ----------------

def test_lot_example_ten_btc_in_thousandth_contracts():
    # 10 BTC at $50,000, target 50 %: 5 BTC short = 5 / 0.001 = 5,000 contracts of 0.001 BTC,
    # on a step of 1 contract. None held (0 %): outside the band, short 5,000.
    assert rebalance_contracts(10, 50_000, 0.5, 0, contract_size=0.001, amount_step=1) == 5000.0
    # 1.2345 BTC: 0.61725 BTC = 617.25 contracts, rounded down to 617.
    assert rebalance_contracts(1.2345, 50_000, 0.5, 0, contract_size=0.001, amount_step=1) == 617.0


def test_inverse_usd_contracts_with_a_step():
    # 0.37 BTC at $61,234.50 = $22,656.765; target 80 % = $18,125.412 = 181.25412 contracts
    # of $100, rounded down to 181. Short 100 ($10,000, 44 %): add 81.
    assert rebalance_contracts(0.37, 61_234.5, 0.8, 100, contract_size=100, inverse=True,
                               amount_step=1) == 81.0
    # Unrounded: 181.25412 - 100 = 81.25412, exactly as the decimal reads.
    unrounded = rebalance_contracts(0.37, 61_234.5, 0.8, 100, contract_size=100, inverse=True)
    assert repr(unrounded) == "81.25412"


def test_counts_are_exact_decimals_not_binary_noise():
    # 70 % of 0.1 BTC in 1 BTC contracts: 0.07 (binary floats: 0.7 * 0.1 = 0.06999999999999999).
    assert 0.7 * 0.1 != 0.07
    result = rebalance_contracts(0.1, 50_000, 0.7, 0)
    assert repr(result) == "0.07"
    # Buy back: 1 BTC, target 30 %, short 0.9 BTC: -0.6 (binary: 0.3 - 0.9 = -0.6000000000000001).
    assert repr(rebalance_contracts(1, 50_000, 0.3, 0.9)) == "-0.6"
    # 0.1 BTC contracts: 30 % of 1 BTC is 3 contracts (binary: 0.3 / 0.1 = 2.9999999999999996),
    # so with a step of 1 the target stays 3, not 2: short 9, buy back 6.
    assert rebalance_contracts(1, 50_000, 0.3, 9, contract_size=0.1, amount_step=1) == -6.0


def test_inside_the_band_is_zero_with_step_and_inverse():
    # 10 BTC, target 50 %, short 5.3 BTC (53 %): inside 5 %, whatever the step.
    assert rebalance_contracts(10, 50_000, 0.5, 5.3, amount_step=0.001) == 0.0
    # 2 BTC at $50,000 ($100,000), short 520 x $100 = 52 %: inside the band of a 50 % target.
    assert rebalance_contracts(2, 50_000, 0.5, 520, contract_size=100, inverse=True,
                               amount_step=1) == 0.0


def test_a_step_too_fine_or_a_count_too_large_is_named():
    # 1,000,000 BTC at a 1e-10 step: 1e16 steps, beyond the 15 digits a float holds exactly.
    with pytest.raises(InvalidInput, match="^amount_step is too fine for this amount"):
        rebalance_contracts(1e6, 50_000, 1.0, 0, amount_step=1e-10)
    # $1e300 x 1e300 in 1e-300 USD contracts: no float holds that count.
    with pytest.raises(InvalidInput, match="^spot_qty needs more contracts than a number can hold"):
        rebalance_contracts(1e300, 1e300, 1.0, 0, contract_size=1e-300, inverse=True)


def _d(x):
    return Decimal(repr(x))


decimals = st.decimals(min_value="0.001", max_value="10000", places=3).map(float)
prices = st.decimals(min_value="0.01", max_value="100000", places=2).map(float)
ratios = st.decimals(min_value="0", max_value="1", places=4).map(float)
linear_sizes = st.sampled_from([0.001, 0.01, 0.1, 1.0])
inverse_sizes = st.sampled_from([10.0, 100.0])
lot_steps = st.sampled_from([0.001, 0.01, 0.1, 1.0])


@given(decimals, prices, ratios, st.integers(0, 10**6), lot_steps, st.booleans(), st.data())
def test_rounded_trade_never_overshoots_and_is_a_multiple_of_the_step(qty, price, target, held_steps,
                                                                     step, inverse, data):
    size = data.draw(inverse_sizes if inverse else linear_sizes)
    held = float(held_steps * _d(step))  # exactly on the step, as a filled position is
    trade = rebalance_contracts(qty, price, target, held, contract_size=size, band=0.0,
                                inverse=inverse, amount_step=step)
    exact = _d(target) * _d(qty) * (_d(price) if inverse else 1) / _d(size)
    if trade == 0.0:
        return  # on the target already (within the band's 1e-12)
    after = _d(held) + _d(trade)
    assert _d(trade) % _d(step) == 0           # an order the exchange accepts
    assert after <= exact                      # never above the target...
    assert after + _d(step) > exact            # ...by less than one step


@given(decimals, prices, ratios, st.decimals(min_value="0", max_value="20000", places=3).map(float),
       st.booleans(), st.data())
def test_unrounded_trade_is_the_exact_decimal_converted_once(qty, price, target, held, inverse, data):
    size = data.draw(inverse_sizes if inverse else linear_sizes)
    trade = rebalance_contracts(qty, price, target, held, contract_size=size, band=0.0,
                                inverse=inverse)
    if trade == 0.0:
        return
    exact = _d(target) * _d(qty) * (_d(price) if inverse else 1) / _d(size) - _d(held)
    # the float nearest the exact trade that does not exceed it
    assert _d(trade) <= exact < _d(math.nextafter(trade, math.inf))
