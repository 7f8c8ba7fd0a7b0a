import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.pnl import HedgePnl, hedge_pnl


def test_guide_example_ten_percent_drop_half_hedged():
    # The guide: 10 BTC at $50,000, 50 % hedged, price falls 10 % to $45,000:
    # spot -$50,000, hedge +$25,000, net -$25,000.
    r = hedge_pnl(10, 50_000, 45_000, 0.5)
    assert r == HedgePnl(spot_pnl=-50_000.0, hedge_pnl=25_000.0, funding_and_fees=0.0, net=-25_000.0)


def test_funding_and_fees_enter_net():
    # Same move, +$9,000 funding received, $250 fees paid.
    r = hedge_pnl(10, 50_000, 45_000, 0.5, funding_pnl=9_000, fees=250)
    assert r.funding_and_fees == 8_750.0
    assert r.net == -25_000.0 + 8_750.0


def test_negative_funding_is_a_cost():
    assert hedge_pnl(10, 50_000, 50_000, 0.5, funding_pnl=-1_000).net == -1_000.0


def test_rise_is_a_hedge_loss():
    r = hedge_pnl(10, 50_000, 55_000, 0.5)
    assert (r.spot_pnl, r.hedge_pnl, r.net) == (50_000.0, -25_000.0, 25_000.0)


def test_no_negative_zero():
    r = hedge_pnl(10, 50_000, 50_000, 0.5)
    assert str(r.hedge_pnl) == "0.0"


prices = st.floats(0.01, 1e7)


@given(st.floats(0, 1e6), prices, prices)
def test_full_hedge_nets_zero_for_any_move(qty, entry, new):
    r = hedge_pnl(qty, entry, new, 1.0)
    assert r.net == 0.0
    assert r.spot_pnl == -r.hedge_pnl


@given(st.floats(0, 1e6), prices, prices, st.floats(0, 1), st.floats(0.01, 100))
def test_linear_in_quantity(qty, entry, new, ratio, k):
    a = hedge_pnl(qty, entry, new, ratio)
    b = hedge_pnl(qty * k, entry, new, ratio)
    scale = abs(qty * k * (new - entry)) + 1e-9
    assert b.spot_pnl == pytest.approx(k * a.spot_pnl, abs=1e-12 * scale)
    assert b.hedge_pnl == pytest.approx(k * a.hedge_pnl, abs=1e-12 * scale)
    assert b.net == pytest.approx(k * a.net, abs=1e-12 * scale)
    # the hedge offsets exactly `ratio` of the spot move
    assert a.net == pytest.approx((1 - ratio) * a.spot_pnl, abs=1e-12 * scale)
