import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.errors import InvalidInput
from perphedge.core.margin import initial_margin, leverage_warning, maintenance_margin


def test_initial_margin():
    assert initial_margin(250_000, 1) == 250_000.0
    assert initial_margin(250_000, 2) == 125_000.0
    assert initial_margin(100_000, 4) == 25_000.0


@pytest.mark.parametrize("lev", [0, -1, 0.0])
def test_leverage_must_be_positive(lev):
    with pytest.raises(InvalidInput, match=r"leverage must be greater than 0, got"):
        initial_margin(1000, lev)


def test_leverage_warning_above_two():
    assert leverage_warning(1) is False
    assert leverage_warning(2) is False
    assert leverage_warning(2.5) is True
    assert leverage_warning(10) is True


def test_coin_m_maintenance_margin_binance_example():
    # Binance COIN-M FAQ: 100 BTCUSD contracts ($100 each) at a $25,000 mark is
    # 100 * 100 / 25,000 = 0.4 BTC, level 1 (0.4 %, amount 0): MM = 0.0016 BTC.
    notional_btc = 100 * 100 / 25_000
    assert notional_btc == 0.4
    assert maintenance_margin(notional_btc, 0.004, 0.0) == pytest.approx(0.0016, abs=1e-15)


def test_usdm_maintenance_margin_with_amount():
    # Binance USD-M FAQ tier 3 of BTCUSDT: 1 % with a 1,300 USDT maintenance amount;
    # for a 500,000 USDT position: 500,000 * 1 % - 1,300 = 3,700.
    assert maintenance_margin(500_000, 0.01, 1_300) == pytest.approx(3_700.0)


def test_maintenance_amount_from_wrong_tier_is_refused():
    with pytest.raises(InvalidInput, match="maint_amount must not exceed notional"):
        maintenance_margin(1_000, 0.01, 1_300)


@given(st.floats(0, 1e12), st.floats(0.01, 125), st.floats(0.01, 100))
def test_margin_linear_in_notional(notional, lev, k):
    assert initial_margin(notional * k, lev) == pytest.approx(k * initial_margin(notional, lev), rel=1e-12, abs=1e-12)
