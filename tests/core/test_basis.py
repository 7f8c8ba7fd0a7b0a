import pytest

from perphedge.core.basis import basis, basis_pct
from perphedge.core.errors import InvalidInput


def test_premium_is_positive():
    assert basis(50_050, 50_000) == 50.0
    assert basis_pct(50_050, 50_000) == pytest.approx(0.001)


def test_discount_is_negative():
    assert basis(49_900, 50_000) == -100.0
    assert basis_pct(49_900, 50_000) == pytest.approx(-0.002)


def test_zero_spot_refused():
    with pytest.raises(InvalidInput, match="spot_price must be greater than 0, got 0"):
        basis_pct(100, 0)
