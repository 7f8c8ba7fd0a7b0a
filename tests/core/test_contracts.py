from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.contracts import (
    contracts_for_notional,
    notional_for_contracts,
    qty_for_contracts,
    round_down_to_step,
)
from perphedge.core.errors import BelowMinimum, InvalidInput


def D(x):
    return Decimal(repr(x))


def test_guide_example_eth_contracts_exact():
    # The guide: $100,000 of ETH at $3,000 at a 0.001 step -> 33.333 contracts, exactly.
    n = contracts_for_notional(100_000, 3_000, amount_step=0.001)
    assert n == 33.333
    assert repr(n) == "33.333"


def test_exact_multiples_are_not_lost_to_binary_rounding():
    # 300 / 0.1 is 2999.9999999999995 in binary floats; the exchange-exact answer is 3000.
    assert contracts_for_notional(300, 0.1, amount_step=1) == 3000.0
    assert round_down_to_step(0.3, 0.1) == 0.3


def test_a_float_notional_a_hair_below_a_step_is_the_step_it_stands_for():
    # 0.3 BTC x 70,000 x 70 % is 14,699.999999999998 as a float product (what a cell holding
    # =A2*B2*C2 passes to HEDGE_CONTRACTS); exactly it is $14,700: 147 contracts of $100.
    assert 0.3 * 70_000 * 0.7 == 14_699.999999999998
    assert contracts_for_notional(0.3 * 70_000 * 0.7, 70_000, 100, 1, 0, True) == 147.0
    # Linear, the same: 0.1 BTC x 70 % at 70,000 is 0.07 contracts at a 0.001 step.
    assert contracts_for_notional(0.1 * 70_000 * 0.7, 70_000, 1, 0.001) == 0.07
    # A notional between steps is not pushed up: 14,699.99 stays 146.
    assert contracts_for_notional(14_699.99, 70_000, 100, 1, 0, True) == 146.0
    # Unrounded (no step), the float's own repr is the count: never above it.
    assert contracts_for_notional(14_699.999999999998, 1.0) == 14_699.999999999998


def test_round_down_to_step():
    assert round_down_to_step(100_000 / 3_000, 0.001) == 33.333
    assert round_down_to_step(1.2399, 0.01) == 1.23
    assert round_down_to_step(5.0, 0.5) == 5.0
    assert round_down_to_step(1.2399, 0.0) == 1.2399


def test_linear_contract_size():
    # OKX-style 0.01 BTC per contract: $250,000 at $50,000 is 5 BTC = 500 contracts.
    assert contracts_for_notional(250_000, 50_000, contract_size=0.01, amount_step=1) == 500.0


def test_inverse_counts_usd_contracts():
    # $250,000 in $100 contracts = 2,500 contracts whatever the price.
    assert contracts_for_notional(250_000, 50_000, contract_size=100, amount_step=1, inverse=True) == 2500.0
    assert contracts_for_notional(250_050, 60_000, contract_size=100, amount_step=1, inverse=True) == 2500.0


def test_below_minimum_is_an_error_naming_the_minimum():
    # $20 at $50,000 = 0.0004 BTC, under a 0.001 minimum.
    with pytest.raises(BelowMinimum) as e:
        contracts_for_notional(20, 50_000, amount_step=0.001, min_amount=0.001)
    assert str(e.value) == "contracts must be at least 0.001 (market minimum), got 0.0004"
    assert isinstance(e.value, InvalidInput)


def test_zero_notional():
    assert contracts_for_notional(0, 50_000, amount_step=0.001) == 0.0
    with pytest.raises(BelowMinimum):
        contracts_for_notional(0, 50_000, amount_step=0.001, min_amount=0.001)


def test_notional_and_qty_for_contracts():
    assert notional_for_contracts(33.333, 3_000) == pytest.approx(99_999.0, abs=1e-9)
    assert notional_for_contracts(500, 50_000, contract_size=0.01) == 250_000.0
    assert notional_for_contracts(2500, 50_000, contract_size=100, inverse=True) == 250_000.0
    assert qty_for_contracts(500, 50_000, contract_size=0.01) == 5.0
    assert qty_for_contracts(2500, 50_000, contract_size=100, inverse=True) == 5.0


steps = st.sampled_from([0.0, 0.001, 0.01, 0.1, 1.0, 5.0, 0.0005])
sizes = st.sampled_from([1.0, 0.01, 0.1, 10.0, 100.0, 1000.0])


@given(st.floats(0, 1e9), st.floats(1e-4, 1e6), sizes, steps)
def test_rounded_contracts_never_exceed_notional_and_sit_on_the_step(notional, price, size, step):
    if step and D(notional) / D(price) / D(size) / D(step) >= Decimal(10) ** 15:
        # Beyond 15 significant digits no float holds the count exactly: refused.
        with pytest.raises(InvalidInput, match="amount_step is too fine"):
            contracts_for_notional(notional, price, contract_size=size, amount_step=step)
        return
    n = contracts_for_notional(notional, price, contract_size=size, amount_step=step)
    # Compare in decimal: what the exchange fills is the decimal count. A float notional is
    # read at 15 significant digits (Excel's precision) when those land on a step exactly.
    assert D(n) * D(price) * D(size) <= max(D(notional), Decimal(f"{notional:.15g}"))
    if step:
        assert D(n) % D(step) == 0
        # ...and it is the largest such count.
        assert (D(n) + D(step)) * D(price) * D(size) > D(notional)


@given(st.floats(0, 1e9), st.floats(1e-4, 1e6), st.sampled_from([1.0, 10.0, 100.0]), steps)
def test_inverse_never_exceeds_notional(notional, price, size, step):
    n = contracts_for_notional(notional, price, contract_size=size, amount_step=step, inverse=True)
    assert D(n) * D(size) <= max(D(notional), Decimal(f"{notional:.15g}"))
    if step:
        assert D(n) % D(step) == 0


@given(st.floats(0.001, 1e6), st.floats(1, 1e5), st.floats(0.001, 10))
def test_unrounded_round_trip(qty, price, size):
    notional = notional_for_contracts(qty, price, contract_size=size)
    assert contracts_for_notional(notional, price, contract_size=size) == pytest.approx(qty, rel=1e-12)


# ---- minimum order value (ccxt limits.cost.min) ------------------------------------
# Binance USDⓈ-M ETH/USDT:USDT records limits.cost.min 5 (USDT) in
# tests/fixtures/ccxt/markets/binance.json; prices below are illustrative inputs.

MIN_COST_MESSAGE = "order value must be at least 5.0 (min_cost, the market's minimum order value in quote currency)"


def test_below_min_cost_is_an_error_naming_min_cost():
    # 0.001 ETH at $2,000 = $2: one step and the minimum amount, but under the $5 minimum value.
    with pytest.raises(BelowMinimum) as e:
        contracts_for_notional(2.0, 2_000, amount_step=0.001, min_amount=0.001, min_cost=5)
    assert str(e.value) == MIN_COST_MESSAGE + ", got 2.0"
    assert isinstance(e.value, InvalidInput)
    # Without min_cost (0: none known) the same order is accepted, as before.
    assert contracts_for_notional(2.0, 2_000, amount_step=0.001, min_amount=0.001) == 0.001


def test_min_cost_checks_the_rounded_order_not_the_notional():
    # $5 at $2,000 = 0.0025 ETH, rounded down to 0.002 = $4: below $5 although the notional is not.
    with pytest.raises(BelowMinimum, match=r", got 4\.0$"):
        contracts_for_notional(5.0, 2_000, amount_step=0.001, min_cost=5)
    # $6 -> 0.003 ETH = $6: accepted.
    assert contracts_for_notional(6.0, 2_000, amount_step=0.001, min_cost=5) == 0.003
    # Exactly at the minimum is accepted: $5 at $1,000 = 0.005 ETH = $5.
    assert contracts_for_notional(5.0, 1_000, amount_step=0.001, min_cost=5) == 0.005


def test_min_cost_is_compared_in_decimal():
    # 0.29 contracts at $100 are worth $29 exactly (binary floats: 0.29 * 100 = 28.999999999999996).
    assert 0.29 * 100 < 29
    assert contracts_for_notional(29.0, 100, amount_step=0.01, min_cost=29) == 0.29


def test_min_cost_of_a_linear_contract_size():
    # 0.01 BTC contracts at $50,000 = $500 each: $400 rounds to 0 contracts = $0 < $5.
    with pytest.raises(BelowMinimum, match=r"^order value must be at least 5\.0 .*, got 0\.0$"):
        contracts_for_notional(400.0, 50_000, contract_size=0.01, amount_step=1, min_cost=5)
    # $1,200 -> 2 contracts = 2 x 0.01 x 50,000 = $1,000 >= $5.
    assert contracts_for_notional(1_200.0, 50_000, contract_size=0.01, amount_step=1, min_cost=5) == 2.0


def test_min_cost_of_inverse_usd_contracts():
    # $250 in $100 contracts = 2 contracts = $200, whatever the price: under a $300 minimum.
    with pytest.raises(BelowMinimum, match=r"^order value must be at least 300\.0 .*, got 200\.0$"):
        contracts_for_notional(250.0, 50_000, contract_size=100, amount_step=1, inverse=True, min_cost=300)
    assert contracts_for_notional(250.0, 50_000, contract_size=100, amount_step=1, inverse=True,
                                  min_cost=200) == 2.0


def test_zero_notional_is_below_any_min_cost():
    with pytest.raises(BelowMinimum, match="order value"):
        contracts_for_notional(0, 2_000, amount_step=0.001, min_cost=5)


@given(st.floats(0, 1e6), st.floats(1e-2, 1e5), sizes, st.sampled_from([0.001, 0.01, 1.0]),
       st.floats(0, 1e3), st.booleans())
def test_min_cost_accepts_exactly_the_orders_worth_at_least_it(notional, price, size, step, min_cost, inverse):
    count = contracts_for_notional(notional, price, contract_size=size, amount_step=step, inverse=inverse)
    value = D(count) * D(size) * (1 if inverse else D(price))
    if value >= D(min_cost):
        assert contracts_for_notional(notional, price, contract_size=size, amount_step=step,
                                      inverse=inverse, min_cost=min_cost) == count
    else:
        with pytest.raises(BelowMinimum, match="^order value must be at least"):
            contracts_for_notional(notional, price, contract_size=size, amount_step=step,
                                   inverse=inverse, min_cost=min_cost)
