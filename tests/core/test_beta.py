import math
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.beta import min_variance_hedge
from perphedge.core.errors import InvalidInput


def prices_from_returns(start, returns):
    out = [start]
    for r in returns:
        out.append(out[-1] * math.exp(r))
    return out


def test_asset_moving_twice_the_hedge():
    # Hand-built: hedge log returns r, asset log returns exactly 2r -> h* = 2, ρ = 1.
    r = [0.01, -0.02, 0.015, 0.003, -0.007, 0.012]
    hedge = prices_from_returns(100.0, r)
    asset = prices_from_returns(50.0, [2 * x for x in r])
    res = min_variance_hedge(asset, hedge)
    assert res.hedge_ratio == pytest.approx(2.0, rel=1e-9)
    assert res.correlation == pytest.approx(1.0, rel=1e-12)
    assert res.r_squared == pytest.approx(1.0, rel=1e-12)
    assert res.n_returns == 6


def test_opposite_moves():
    r = [0.01, -0.02, 0.015, 0.003]
    res = min_variance_hedge(prices_from_returns(10, [-0.5 * x for x in r]), prices_from_returns(10, r))
    assert res.hedge_ratio == pytest.approx(-0.5, rel=1e-9)
    assert res.correlation == pytest.approx(-1.0)


def test_against_numpy_polyfit_on_random_data():
    rng = random.Random(7)
    rh = [rng.gauss(0, 0.02) for _ in range(500)]
    ra = [0.8 * x + rng.gauss(0, 0.01) for x in rh]
    hedge = prices_from_returns(30_000, rh)
    asset = prices_from_returns(2_000, ra)
    res = min_variance_hedge(asset, hedge)
    lh = np.diff(np.log(hedge))
    la = np.diff(np.log(asset))
    slope = np.polyfit(lh, la, 1)[0]
    rho = np.corrcoef(la, lh)[0, 1]
    assert res.hedge_ratio == pytest.approx(slope, rel=1e-9)
    assert res.correlation == pytest.approx(rho, rel=1e-9)
    assert res.r_squared == pytest.approx(rho ** 2, rel=1e-9)
    assert res.n_returns == 500


def test_numpy_array_input():
    r = np.array([0.01, -0.02, 0.015])
    h = np.array(prices_from_returns(100.0, r))
    assert min_variance_hedge(h, h).hedge_ratio == pytest.approx(1.0)


@given(st.lists(st.floats(-0.2, 0.2), min_size=2, max_size=50))
def test_series_against_itself(returns):
    if np.var(returns) < 1e-10:
        return
    p = prices_from_returns(100.0, returns)
    res = min_variance_hedge(p, p)
    assert res.hedge_ratio == pytest.approx(1.0, rel=1e-9)
    assert res.correlation == pytest.approx(1.0, rel=1e-9)
    assert -1.0 <= res.correlation <= 1.0


def test_mismatched_lengths():
    with pytest.raises(InvalidInput, match=r"hedge_prices must have as many prices as asset_prices \(4\), got 3"):
        min_variance_hedge([1, 2, 3, 4], [1, 2, 3])


def test_too_short():
    with pytest.raises(InvalidInput, match="asset_prices must hold at least 3 prices, got 2"):
        min_variance_hedge([1, 2], [1, 2])


@pytest.mark.parametrize("bad,shown", [(0, "0.0"), (-5, "-5.0"), (float("nan"), "nan"), (float("inf"), "inf")])
def test_bad_price_names_index(bad, shown):
    with pytest.raises(InvalidInput, match=rf"asset_prices\[2\] must be a finite price greater than 0, got {shown}"):
        min_variance_hedge([1, 2, bad, 4], [1, 2, 3, 4])


@pytest.mark.parametrize("bad", ["3", True, None])
def test_non_numbers_refused(bad):
    with pytest.raises(InvalidInput, match=r"hedge_prices\[1\] must be a number"):
        min_variance_hedge([1, 2, 3], [1, bad, 3])


def test_constant_hedge_refused():
    with pytest.raises(InvalidInput, match="hedge_prices must vary"):
        min_variance_hedge([1, 2, 3, 5], [2, 2, 2, 2])
    with pytest.raises(InvalidInput, match="hedge_prices must vary"):
        min_variance_hedge([1, 2, 3, 5], [1, 2, 4, 8])  # constant log return


def test_constant_asset_refused():
    with pytest.raises(InvalidInput, match="asset_prices must vary"):
        min_variance_hedge([2, 2, 2, 2], [1, 2, 3, 5])


def test_string_series_refused():
    with pytest.raises(InvalidInput, match="asset_prices must be a list of prices"):
        min_variance_hedge("1,2,3", [1, 2, 3])


def test_numpy_scalars_and_huge_ints():
    r = [0.01, -0.02, 0.015]
    p = [np.float64(x) for x in prices_from_returns(100.0, r)]
    assert min_variance_hedge(p, p).hedge_ratio == pytest.approx(1.0)
    with pytest.raises(InvalidInput, match=r"asset_prices\[1\] must be a finite price greater than 0, got 1000"):
        min_variance_hedge([1, 10 ** 400, 3], [1, 2, 3])
