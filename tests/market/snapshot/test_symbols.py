"""Which recorded market a typed symbol means, and what an unknown one says."""

from __future__ import annotations

import pytest

from perphedge.core.errors import DataUnavailable, InvalidInput, UnknownSymbol
from perphedge.market.snapshot.symbols import NotInSnapshot

# ----------------------------------------------------------------------------- symbols

@pytest.mark.parametrize("typed", ["BTC", "btc", " BTC ", "BTCUSDT", "btcusdt", "BTC-PERP",
                                   "BTC/USDT:USDT", "BTC/USDT", "BTC-USDT", "BTC-USDT-SWAP"])
def test_short_forms_resolve_to_the_linear_usdt_perp(source, typed):
    assert source.resolve(typed) == "BTC/USDT:USDT"
    assert source.resolve(typed, "okx") == "BTC/USDT:USDT"


def test_inverse_and_spot_forms(source):
    assert source.resolve("BTCUSD", "binancecoinm") == "BTC/USD:BTC"
    assert source.resolve("BTCUSD_PERP", "binancecoinm") == "BTC/USD:BTC"
    assert source.resolve("BTC/USD:BTC", "okx") == "BTC/USD:BTC"
    assert source.resolve("BTC-USD-SWAP", "okx") == "BTC/USD:BTC"
    assert source.resolve("BTC/USDT", "binance") == "BTC/USDT"  # a spot market, held as such


def test_unknown_symbol_suggests_close_matches(source):
    with pytest.raises(UnknownSymbol) as err:
        source.resolve("BTX")
    assert "BTC" in err.value.suggestions
    assert "not in the recorded snapshot" in str(err.value) and "BTC" in str(err.value)
    assert isinstance(err.value, InvalidInput) and err.value.exchange == "binanceusdm"


def test_symbol_held_on_another_exchange_says_where(source):
    with pytest.raises(NotInSnapshot, match=r"recorded on bybit \(ZRX/USDT:USDT\)"):
        source.resolve("ZRX")


@pytest.mark.parametrize("bad", ["", "   ", None, 3, 1.5])
def test_symbol_that_is_not_text_is_invalid_input(source, bad):
    with pytest.raises(InvalidInput, match="symbol"):
        source.resolve(bad)


def test_unknown_exchange_lists_the_recorded_ones(source):
    with pytest.raises(DataUnavailable, match="kraken.*binanceusdm, bybit, okx"):
        source.funding("BTC", "kraken")
