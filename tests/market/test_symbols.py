"""Symbol resolution against recorded market lists (Binance USDⓈ-M, Bybit, OKX)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.errors import InvalidInput, UnknownSymbol
from perphedge.market.symbols import resolve_perp, resolve_spot, spot_symbol

from . import recorded

BINANCE = {s: m for s, m in recorded.markets("binance").items()}
BYBIT = recorded.markets("bybit")
OKX = recorded.markets("okx")
COINS = ["BTC", "ETH", "ADA", "LTC", "XRP", "DOGE", "TRX"]  # the recorded linear swaps


@pytest.mark.parametrize("typed,expected", [
    ("BTC", "BTC/USDT:USDT"), ("eth", "ETH/USDT:USDT"), ("DOGEUSDT", "DOGE/USDT:USDT"),
    ("XRP-PERP", "XRP/USDT:USDT"), ("ltc_usdt", "LTC/USDT:USDT"), ("ADA/USDT", "ADA/USDT:USDT"),
    ("BTC/USD:BTC", "BTC/USD:BTC"), ("BTCUSD", "BTC/USD:BTC"), ("BTCUSD_PERP", "BTC/USD:BTC"),
])
def test_binance_forms(typed, expected):
    assert resolve_perp(BINANCE, typed, "binance") == expected


def test_okx_instrument_ids():
    assert resolve_perp(OKX, "BTC-USDT-SWAP", "okx") == "BTC/USDT:USDT"
    assert resolve_perp(OKX, "BTC-USD-SWAP", "okx") == "BTC/USD:BTC"
    assert resolve_perp(OKX, "sushi", "okx") == "SUSHI/USDT:USDT"


@given(st.sampled_from(COINS), st.sampled_from(["{}", "{}USDT", "{}-PERP", "{}/USDT:USDT", "{}-USDT"]),
       st.booleans())
def test_every_typed_form_of_a_listed_coin_gives_its_linear_perp(coin, form, lower):
    typed = form.format(coin)
    typed = typed.lower() if lower else typed
    for markets in (BINANCE, BYBIT, OKX):
        got = resolve_perp(markets, typed, "x")
        assert got == f"{coin}/USDT:USDT" and markets[got]["swap"] and markets[got]["linear"]


def test_unknown_symbol_suggests_close_ones():
    with pytest.raises(UnknownSymbol) as caught:
        resolve_perp(BYBIT, "DOGGE", "bybit")
    assert caught.value.suggestions[0] == "DOGE/USDT:USDT"
    assert isinstance(caught.value, InvalidInput) and caught.value.argument == "symbol"
    assert str(caught.value).startswith("unknown symbol DOGGE on bybit — did you mean DOGE/USDT:USDT")


def test_unknown_without_anything_close_has_no_suggestion():
    with pytest.raises(UnknownSymbol) as caught:
        resolve_perp(OKX, "QQQQQQQQ", "okx")
    assert caught.value.suggestions == ()


@pytest.mark.parametrize("bad", ["", "   ", None, 3.0])
def test_not_a_symbol(bad):
    with pytest.raises(InvalidInput, match="symbol"):
        resolve_perp(BINANCE, bad, "binance")


def test_spot_for_a_perp_and_spot_typed_directly():
    assert spot_symbol(BINANCE, BINANCE["ETH/USDT:USDT"], "binance") == "ETH/USDT"
    # inverse BTC/USD:BTC: no BTC/USD spot listed, USDT is taken as USD
    assert spot_symbol(OKX, OKX["BTC/USD:BTC"], "okx") == "BTC/USDT"
    assert resolve_spot(OKX, "btc/usdt", "okx") == "BTC/USDT"
    assert resolve_spot(OKX, "BTC", "okx") is None
    with pytest.raises(UnknownSymbol):
        spot_symbol(OKX, OKX["SUSHI/USDT:USDT"], "okx")  # no SUSHI spot recorded


def test_a_coin_not_listed_gets_no_market_of_another_coin_spelt_alike():
    """SOLUSDT is not LTC/USDT:USDT: suggestions are the same coin's markets, or coins whose
    names are close, never a symbol that merely shares letters."""
    with pytest.raises(UnknownSymbol) as caught:
        resolve_perp(BINANCE, "SOLUSDT", "binanceusdm")
    assert not any(s.startswith("LTC/") for s in caught.value.suggestions)
    assert all(s.split("/")[0] == "SOL" for s in caught.value.suggestions)


def test_a_market_the_exchange_lacks_suggests_the_same_coins_markets():
    with pytest.raises(UnknownSymbol) as caught:
        resolve_perp(BINANCE, "BTC/EUR:EUR", "binanceusdm")
    assert caught.value.suggestions and all(s.startswith("BTC/") for s in caught.value.suggestions)
    assert "BTC/USDT:USDT" in caught.value.suggestions
