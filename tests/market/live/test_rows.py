"""Market rows: one batched pass per table over recorded answers, one request per
(exchange, endpoint), failures confined to their own row or figure."""

from __future__ import annotations

import copy
from contextlib import contextmanager

import pytest

from perphedge.core.marketdata import MarketRow
from perphedge.market.live.service import MarketService
from tests.market import recorded
from tests.market.exchanges import binance, lot_size, okx
from tests.market.helpers import Clock, replay_service

# -- batching, cache, stale -------------------------------------------------------------------

def test_market_rows_one_request_per_endpoint_for_any_number_of_symbols(tmp_path):
    replay = binance()
    svc = replay_service(replay, tmp_path)
    rows = svc.market_rows([(s, None) for s in ("BTC", "ETH", "LTC", "ADA", "XRP", "DOGE", "TRX")])
    assert [r.symbol for r in rows] == ["BTC/USDT:USDT", "ETH/USDT:USDT", "LTC/USDT:USDT", "ADA/USDT:USDT",
                                        "XRP/USDT:USDT", "DOGE/USDT:USDT", "TRX/USDT:USDT"]
    assert sorted(p for _, p, _ in replay.log) == sorted([
        "/fapi/v1/exchangeInfo", "/api/v3/exchangeInfo", "/fapi/v1/premiumIndex",
        "/fapi/v1/fundingInfo", "/api/v3/ticker/price"])
    btc = rows[0]
    assert btc.mark_price == float(recorded.funding_csv("BTCUSDT")[-2]["markPrice"])
    assert btc.spot_price == 118390.44
    assert btc.amount_step == float(lot_size("BTC/USDT:USDT")["stepSize"])
    assert btc.mmr is None and "not available without API key" in btc.status.reason
    # LTC: listed, but the answers carry no price for it: figures absent, row says why
    ltc = rows[2]
    assert ltc.mark_price is None and ltc.spot_price is None and ltc.rate_per_interval is None
    assert ltc.status.stale and "no mark price for LTC/USDT:USDT" in ltc.status.reason
    assert ltc.contract_size == 1.0  # from the markets, which do list it


def test_one_bad_symbol_never_costs_the_others(tmp_path):
    svc = replay_service(binance(), tmp_path)
    rows = svc.market_rows([("BTC", None), ("NOPE", None), ("ETH", "binanceusdm")])
    assert rows[0].mark_price is not None and rows[2].mark_price is not None
    bad = rows[1]
    assert isinstance(bad, MarketRow) and bad.symbol == "NOPE"
    assert bad.status.stale and "unknown symbol NOPE" in bad.status.reason
    assert all(getattr(bad, f) is None for f in ("spot_price", "mark_price", "rate_per_interval", "contract_size"))


def test_a_figure_no_parser_foresaw_marks_only_its_own_row(tmp_path, monkeypatch):
    from perphedge.market.live import parse

    real = parse.contract_spec

    def breaks_on_eth(market, exchange, precision_mode):  # fault injection: one odd market entry
        if market["symbol"] == "ETH/USDT:USDT":
            raise TypeError("unsupported operand type(s)")
        return real(market, exchange, precision_mode)

    monkeypatch.setattr(parse, "contract_spec", breaks_on_eth)
    btc, eth = replay_service(binance(), tmp_path).market_rows([("BTC", None), ("ETH", None)])
    assert btc.contract_size == 1.0 and btc.mark_price is not None and btc.spot_price is not None
    assert eth.contract_size is None and "malformed answer (TypeError" in eth.status.reason
    assert eth.mark_price == float(recorded.funding_csv("ETHUSDT")[-2]["markPrice"])  # its other figures stay


@pytest.mark.network
def test_live_exchanges_answer_a_market_table(tmp_path):
    """Reaches the real exchanges (skipped unless run with -m network)."""
    from perphedge.market.config import MarketConfig

    svc = MarketService(MarketConfig(cache_dir=tmp_path))
    rows = svc.market_rows([("BTC", "binanceusdm"), ("BTC", "bybit"), ("BTC", "okx")])
    for row in rows:
        assert row.symbol == "BTC/USDT:USDT"
        if not row.status.stale:  # a geo-blocked exchange says so instead
            assert row.mark_price and row.mark_price > 0 and row.rate_per_interval is not None


def test_a_bad_exchange_cell_marks_only_its_row(tmp_path):
    rows = replay_service(binance(), tmp_path).market_rows([("BTC", None), ("BTC", 3.0), ("ETH", "nosuchexchange")])
    assert rows[0].mark_price is not None
    assert rows[1].status.stale and "exchange" in rows[1].status.reason and rows[1].mark_price is None
    assert rows[2].status.stale and "must be a ccxt exchange id" in rows[2].status.reason


# -- which batched answer gives a Market row its mark and index ------------------------------

class _GenericClient:
    """An exchange perphedge has no special handling for, answering in ccxt's unified format.

    Its markets and funding answer are Bybit's recorded ones (ccxt's ``parsedResponse`` of
    fetchFundingRates, 2024-11-04), served under another name so that the generic path
    runs; only which calls are made and which figures land where is asserted."""

    id = "genericx"
    has = {"fetchFundingRates": True, "fetchTickers": True}
    apiKey = ""
    precisionMode = 4  # ccxt TICK_SIZE, as bybit

    def __init__(self, funding_answer, tickers_answer):
        self.markets = recorded.markets("bybit")
        self.calls = []
        self._funding, self._tickers = funding_answer, tickers_answer

    def fetch_funding_rates(self, symbols=None, params=None):
        self.calls.append(("fetch_funding_rates", dict(params or {})))
        return self._funding

    def fetch_tickers(self, symbols=None, params=None):
        self.calls.append(("fetch_tickers", dict(params or {})))
        return self._tickers if params.get("type") == "swap" else {}


class _GenericPool:
    def __init__(self, client):
        self._client = client

    def markets(self, exchange_id):
        return self._client.markets

    def client(self, exchange_id):
        return self._client

    @contextmanager
    def use(self, exchange_id):
        yield self._client

    def clear(self):
        pass


def _generic_service(tmp_path, client):
    from perphedge.market.config import MarketConfig

    return MarketService(MarketConfig(cache_dir=tmp_path), clock=Clock(), sleep=lambda s: None,
                         clients=_GenericPool(client))


def _bybit_parsed_funding():
    return copy.deepcopy(recorded.response_entry("bybit", "fetchFundingRates")["parsedResponse"])


def test_market_row_takes_mark_and_index_from_a_funding_answer_that_has_them(tmp_path):
    client = _GenericClient(_bybit_parsed_funding(), tickers_answer={})
    row = _generic_service(tmp_path, client).market_rows([("BTC", "genericx")])[0]
    # recorded: markPrice 68649.90, indexPrice 68650.75, fundingRate 0.0001, interval 8h
    assert (row.mark_price, row.index_price, row.rate_per_interval, row.interval_hours) == \
        (68649.9, 68650.75, 0.0001, 8.0)
    assert [name for name, _ in client.calls if name == "fetch_funding_rates"] == ["fetch_funding_rates"]
    assert ("fetch_tickers", {"type": "swap", "subType": "linear"}) not in client.calls


def test_market_row_asks_tickers_only_when_the_funding_answer_lacks_prices(tmp_path):
    funding = _bybit_parsed_funding()
    btc = funding["BTC/USDT:USDT"]
    # the same recorded figures split the way an exchange without prices in its funding
    # answer sends them: rate in the funding answer, mark and index in the tickers answer
    tickers = {"BTC/USDT:USDT": {"symbol": "BTC/USDT:USDT", "markPrice": btc.pop("markPrice"),
                                 "indexPrice": btc.pop("indexPrice"), "timestamp": btc["timestamp"]}}
    client = _GenericClient(funding, tickers)
    row = _generic_service(tmp_path, client).market_rows([("BTC", "genericx")])[0]
    assert (row.mark_price, row.index_price, row.rate_per_interval) == (68649.9, 68650.75, 0.0001)
    assert client.calls.count(("fetch_tickers", {"type": "swap", "subType": "linear"})) == 1


def test_market_row_with_an_index_but_no_mark_keeps_the_index_and_says_why(tmp_path):
    funding = _bybit_parsed_funding()
    del funding["BTC/USDT:USDT"]["markPrice"]  # recorded answer with its mark taken out
    client = _GenericClient(funding, tickers_answer={})
    row = _generic_service(tmp_path, client).market_rows([("BTC", "genericx")])[0]
    assert (row.mark_price, row.index_price, row.rate_per_interval) == (None, 68650.75, 0.0001)
    assert "genericx sent no mark price for BTC/USDT:USDT" in row.status.reason


def test_okx_market_rows_ask_mark_prices_because_its_funding_answer_has_none(tmp_path):
    replay = okx()
    row = replay_service(replay, tmp_path).market_rows([("LTC", "okx")])[0]
    assert row.mark_price == 101.33  # the recorded LTC-USDT-SWAP markPx
    assert replay.count("/api/v5/public/mark-price") == 1
    assert replay.count("/api/v5/public/funding-rate") == 1
    assert not [q for _, p, q in replay.log if p == "/api/v5/market/tickers" and q.get("instType") == "SWAP"]
