"""The MarketService facade: symbols, argument checks, status, caches and the process-wide
instance, over recorded Binance answers replayed into the real ccxt parsing."""

from __future__ import annotations

import pytest

from perphedge.core.errors import InvalidInput, UnknownSymbol
from perphedge.core.marketdata import DataStatus
from perphedge.market.live.service import MarketService, get_service, reset_service
from tests.market.exchanges import binance
from tests.market.helpers import replay_service

# -- symbols ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["BTC", "btc", "BTCUSDT", "BTC-PERP", "BTC/USDT:USDT", "BTC/USDT", " btc "])
def test_short_forms_resolve_to_the_linear_usdt_perp(tmp_path, typed):
    assert replay_service(binance(), tmp_path).resolve(typed) == "BTC/USDT:USDT"


def test_unknown_symbol_suggests_close_matches_and_costs_no_data_request(tmp_path):
    replay = binance()
    svc = replay_service(replay, tmp_path)
    with pytest.raises(UnknownSymbol) as caught:
        svc.funding("BTCC")
    assert "BTC/USDT:USDT" in caught.value.suggestions
    assert "did you mean" in str(caught.value)
    assert [p for _, p, _ in replay.log] == ["/fapi/v1/exchangeInfo"]


def test_inverse_on_binanceusdm_is_unknown(tmp_path):
    # USDⓈ-M lists linear markets only; inverse perps are binancecoinm's
    with pytest.raises(UnknownSymbol):
        replay_service(binance(), tmp_path).resolve("BTC/USD:BTC")


def test_bad_arguments_name_themselves(tmp_path):
    svc = replay_service(binance(), tmp_path)
    with pytest.raises(InvalidInput, match="days"):
        svc.funding_history("BTC", days=0)
    with pytest.raises(InvalidInput, match="symbol"):
        svc.ticker("")
    with pytest.raises(InvalidInput, match="exchange"):
        svc.ticker("BTC", "nosuchexchange")


# -- status, caches, the process-wide instance ------------------------------------------------

def test_status_reports_fresh_then_unknown_symbol_raises(tmp_path):
    svc = replay_service(binance(), tmp_path)
    assert svc.status("BTC") == DataStatus("binanceusdm", 1712738639999)
    with pytest.raises(UnknownSymbol):
        svc.status("NOPE")


def test_clear_drops_caches(tmp_path):
    replay = binance()
    svc = replay_service(replay, tmp_path)
    svc.funding("BTC")
    svc.clear()
    svc.funding("BTC")
    assert replay.count("/fapi/v1/premiumIndex") == 2
    assert replay.count("/fapi/v1/exchangeInfo") == 1  # markets came back from the disk cache


def test_get_service_is_process_wide_and_replaceable(tmp_path):
    mine = replay_service(binance(), tmp_path)
    try:
        reset_service(mine)
        assert get_service() is mine
        reset_service()
        fresh = get_service()
        assert isinstance(fresh, MarketService) and fresh is not mine and get_service() is fresh
    finally:
        reset_service()
