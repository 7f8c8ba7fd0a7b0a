"""Whatever a cell can hand a function, the cell gets a finite number, a table of finite
numbers / text / date-times, or a ``#HEDGE!`` message — and never an internal error.

Live functions run against the embedded recorded snapshot (offline: no network).
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perphedge.catalogue import FUNCTIONS
from perphedge.core.conventions import ERROR_PREFIX
from perphedge.excel import udfs

SYMBOLS = ["BTC", "btc", "ETH", "BTCUSDT", "BTC/USDT:USDT", "ETH/USDT:USDT", "BTC/USD:BTC",
           "LTC", "XRP-PERP", "BTCUSDX", "SOL", "", "  ", "#N/A", "BTC/USDT"]
EXCHANGES = [None, "", "binanceusdm", "BYBIT", "okx", "binancecoinm", "kraken", "nope", "#REF!"]

finite = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10**30, max_value=10**30),
    st.sampled_from([10**400, -10**400]),           # beyond any float
    st.floats(),                                     # NaN and ±inf included
    finite.map(lambda x: x * 1e300), finite.map(lambda x: x * 1e-300),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 1.5, -1.0, 8.0, 30.0, 1e-12, 5e-324, 1.7976931348623157e308]),
    st.text(max_size=8),
    st.sampled_from(["50%", "0.5", "-1e-4", "1e999", "nan", "inf", "TRUE", "#N/A", "#DIV/0!",
                     "#SPILL!"]),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 1, 1)),
)
rows = st.lists(scalars, max_size=6)
blocks = st.lists(st.lists(scalars, max_size=4), max_size=5)   # empty and ragged included
price_like = st.lists(st.one_of(st.none(), st.floats(min_value=1e-6, max_value=1e9)), max_size=8)
excel_value = st.one_of(scalars, scalars, scalars, rows, blocks,
                        price_like, price_like.map(lambda xs: [[x] for x in xs]))


def _arg(name: str):
    if name == "symbol":
        return st.one_of(st.sampled_from(SYMBOLS), excel_value)
    if name == "exchange":
        return st.one_of(st.sampled_from(EXCHANGES), excel_value)
    return excel_value


def _is_cell(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, (str, dt.datetime))


def check_clean_cell(result) -> None:
    if isinstance(result, str) and result.startswith(ERROR_PREFIX):
        assert "internal error" not in result, result
        assert "\n" not in result
        return
    if isinstance(result, list):
        assert result and all(isinstance(r, list) and len(r) == len(result[0]) for r in result)
        assert all(_is_cell(c) for r in result for c in r), result
        return
    assert isinstance(result, float) and math.isfinite(result), result


@pytest.fixture(scope="module")
def offline_service():
    from perphedge.market.config import MarketConfig
    from perphedge.market.live.service import MarketService, reset_service

    reset_service(MarketService(MarketConfig(offline=True)))
    yield
    reset_service(None)


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda f: f.name)
def test_any_excel_input_gives_a_clean_cell(spec, offline_service):
    func = getattr(udfs, spec.name)
    n_required = sum(a.required for a in spec.args)

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def run(data):
        n = data.draw(st.integers(min_value=n_required, max_value=len(spec.args)), label="n")
        args = [data.draw(_arg(a.name), label=a.name) for a in spec.args[:n]]
        check_clean_cell(func(*args))

    run()
