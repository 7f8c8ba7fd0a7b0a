"""Which batched call serves which datum: one call per (exchange, endpoint), shared where
one answer carries several data (Bybit tickers carry prices and funding)."""

from __future__ import annotations

import pytest

from perphedge.core.errors import DataUnavailable
from perphedge.market.live import endpoints


def test_bybit_one_tickers_call_serves_prices_and_funding():
    names = {endpoints.last_prices("bybit", "linear").name, endpoints.marks("bybit", "linear").name,
             endpoints.funding("bybit", "linear").name}
    assert names == {"tickers:linear"}


def test_binance_premium_index_serves_marks_and_funding():
    assert endpoints.marks("binanceusdm", "linear").name == endpoints.funding("binanceusdm", "linear").name \
        == "premiumIndex:linear"
    assert endpoints.intervals("binanceusdm", "linear").name == "fundingInfo:linear"
    assert endpoints.intervals("bybit", "linear") is None


def test_okx_swap_endpoints_cover_linear_and_inverse_alike():
    assert endpoints.last_prices("okx", "linear").name == endpoints.last_prices("okx", "inverse").name
    assert endpoints.funding("okx", "inverse").name == "fundingRate:ANY"


class _Client:
    def __init__(self, has, api_key=""):
        self.id, self.has, self.apiKey = "someexchange", has, api_key


def test_exchange_without_batched_funding_says_so():
    ep = endpoints.funding("someexchange", "linear")
    with pytest.raises(DataUnavailable, match="no batched funding-rate endpoint"):
        ep.fetch(_Client({}))


def test_tiers_need_a_key_on_binance_and_a_family_call_on_okx():
    with pytest.raises(DataUnavailable, match="not available without API key"):
        endpoints.tiers("binanceusdm", _Client({}), "linear", {"symbol": "BTC/USDT:USDT"})
    assert endpoints.tiers("binanceusdm", _Client({}, "key"), "linear", {}).name == "leverageBracket:linear"
    okx = endpoints.tiers("okx", _Client({}), "linear", {"symbol": "ETH/USDT:USDT", "info": {"instFamily": "ETH-USDT"}})
    assert okx.name == "positionTiers:ETH-USDT" and okx.ttl == endpoints.MARKETS
    with pytest.raises(DataUnavailable, match="does not publish leverage tiers"):
        endpoints.tiers("someexchange", _Client({}), "linear", {"symbol": "X"})
