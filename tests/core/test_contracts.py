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
    # Compare in decimal: what the exchange fills is the decimal count.
    assert D(n) * D(price) * D(size) <= D(notional)
    if step:
        assert D(n) % D(step) == 0
        # ...and it is the largest such count.
        assert (D(n) + D(step)) * D(price) * D(size) > D(notional)


@given(st.floats(0, 1e9), st.floats(1e-4, 1e6), st.sampled_from([1.0, 10.0, 100.0]), steps)
def test_inverse_never_exceeds_notional(notional, price, size, step):
    n = contracts_for_notional(notional, price, contract_size=size, amount_step=step, inverse=True)
    assert D(n) * D(size) <= D(notional)
    if step:
        assert D(n) % D(step) == 0


@given(st.floats(0.001, 1e6), st.floats(1, 1e5), st.floats(0.001, 10))
def test_unrounded_round_trip(qty, price, size):
    notional = notional_for_contracts(qty, price, contract_size=size)
    assert contracts_for_notional(notional, price, contract_size=size) == pytest.approx(qty, rel=1e-12)
