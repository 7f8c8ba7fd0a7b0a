"""Faults, end to end: ccxt's real HTTP stack against the local exchange on 127.0.0.1
(every request of the exchange sent there through the API-base setting). Each fault ends
in a clear package error or a stale value; the server's request log proves the batching
and the bounded retries by exact counts. Waits are recorded, not slept.
"""

from __future__ import annotations

import pytest

from perphedge.core.errors import DataUnavailable, ExchangeError, GeoBlocked, NetworkError, RateLimited, UnknownSymbol
from perphedge.core.marketdata import DataStatus
from perphedge.market.live import faults
from perphedge.market.live.faults import Unreachable, translate
from tests.market import recorded
from tests.market.fakeexchange import FakeExchange
from tests.market.helpers import Clock, Sleeps, server_service

PREMIUM = "/fapi/v1/premiumIndex"


@pytest.fixture
def fx():
    with FakeExchange(recorded.binance_routes(), lifetime_s=60) as server:
        yield server


def _warm(svc, fx):
    """Markets loaded, BTC funding held; the log restarts from here."""
    first = svc.funding("BTC")
    fx.reset_log()
    return first


# -- retries -------------------------------------------------------------------------------

def test_429_retry_after_is_honoured_then_succeeds(fx, tmp_path):
    clock, sleeps = Clock(), Sleeps()
    svc = server_service(fx, tmp_path, clock, sleeps)
    _warm(svc, fx)
    clock.advance(20)
    fx.fault(PREMIUM, "429", times=1, retry_after="3")
    got = svc.funding("BTC")
    assert not got.status.stale
    assert fx.count(PREMIUM) == 2
    assert sleeps.waits == [3.0]


def test_retry_after_beyond_the_cap_is_neither_waited_for_nor_retried_early(fx, tmp_path):
    clock, sleeps = Clock(), Sleeps()
    svc = server_service(fx, tmp_path, clock, sleeps)
    first = _warm(svc, fx)
    clock.advance(20)
    fx.fault(PREMIUM, "429", times=1, retry_after="120")
    got = svc.funding("BTC")
    assert got.value == first.value and got.status.stale and "rate limit" in got.status.reason
    assert sleeps.waits == [] and fx.count(PREMIUM) == 1  # no retry inside the 120 s asked
    clock.advance(60)  # past the 15 s price TTL, still inside Retry-After
    svc.funding("BTC")
    assert fx.count(PREMIUM) == 1
    clock.advance(61)  # 121 s after the 429
    assert not svc.funding("BTC").status.stale
    assert fx.count(PREMIUM) == 2


def test_418_keeps_limiting_gives_rate_limited_after_two_retries(fx, tmp_path):
    sleeps = Sleeps()
    svc = server_service(fx, tmp_path, sleeps=sleeps)
    svc.contract_spec("BTC")  # markets only
    fx.reset_log()
    fx.fault(PREMIUM, "418", times=5, retry_after="1")
    with pytest.raises(RateLimited, match="rate limit"):
        svc.funding("BTC")
    assert fx.count(PREMIUM) == 3  # one try and two retries, never more
    assert sleeps.waits == [1.0, 1.0]
    assert fx.count() == 3


def test_500_with_a_good_value_held_serves_it_stale(fx, tmp_path):
    clock, sleeps = Clock(), Sleeps()
    svc = server_service(fx, tmp_path, clock, sleeps)
    first = _warm(svc, fx)
    clock.advance(20)
    fx.fault(PREMIUM, "500", times=3)
    got = svc.funding("BTC")
    assert got.value == first.value
    assert got.status == DataStatus("binanceusdm", first.status.as_of_ms, True,
                                    "binanceusdm server error (HTTP 500)")
    assert fx.count(PREMIUM) == 3
    assert sleeps.waits == [0.5, 1.0]  # backoff when the exchange names no wait
    # the failure is remembered for the TTL: a thousand more reads ask nothing
    for _ in range(1000):
        assert svc.funding("BTC").status.stale
    assert fx.count(PREMIUM) == 3
    clock.advance(20)
    assert not svc.funding("BTC").status.stale  # the exchange recovered
    assert fx.count(PREMIUM) == 4


def test_timeout_retried_twice_then_a_clear_error(fx, tmp_path):
    sleeps = Sleeps()
    svc = server_service(fx, tmp_path, sleeps=sleeps, timeout_ms=250)
    svc.contract_spec("BTC")
    fx.reset_log()
    fx.fault(PREMIUM, "timeout", times=3, hold_s=0.6)
    with pytest.raises(NetworkError, match="did not answer in time") as caught:
        svc.funding("BTC")
    assert not isinstance(caught.value, Unreachable)
    assert fx.count(PREMIUM) == 3
    assert len(sleeps.waits) == 2


def test_added_latency_still_one_request_per_endpoint(tmp_path):
    with FakeExchange(recorded.binance_routes(), latency_s=0.05) as fx:
        svc = server_service(fx, tmp_path)
        rows = svc.market_rows([("BTC", None), ("ETH", None)])
        assert [r.mark_price is not None for r in rows] == [True, True]
        assert sorted(fx.paths()) == sorted(["/fapi/v1/exchangeInfo", "/api/v3/exchangeInfo", PREMIUM,
                                             "/fapi/v1/fundingInfo", "/api/v3/ticker/price"])


# -- final faults ----------------------------------------------------------------------------

def test_malformed_json_is_not_retried_and_leaves_the_good_value_stale(fx, tmp_path):
    clock, sleeps = Clock(), Sleeps()
    svc = server_service(fx, tmp_path, clock, sleeps)
    first = _warm(svc, fx)
    clock.advance(20)
    fx.fault(PREMIUM, "malformed", times=1)
    got = svc.funding("BTC")
    assert got.value == first.value and got.status.stale
    assert "malformed" in got.status.reason and "not JSON" in got.status.reason
    assert fx.count(PREMIUM) == 1 and sleeps.waits == []


def test_malformed_json_without_a_good_value_is_an_exchange_error(fx, tmp_path):
    svc = server_service(fx, tmp_path)
    fx.fault("/fapi/v1/exchangeInfo", "malformed", times=1)
    with pytest.raises(ExchangeError, match="malformed"):
        svc.funding("BTC")


def test_451_is_geoblocked_naming_other_exchanges_not_retried(fx, tmp_path):
    svc = server_service(fx, tmp_path)
    fx.fault("/fapi/v1/exchangeInfo", "451", times=1)
    with pytest.raises(GeoBlocked) as caught:
        svc.ticker("BTC")
    assert "HTTP 451" in str(caught.value) and "try exchange bybit or okx" in str(caught.value)
    assert fx.count() == 1


def test_403_on_the_spot_exchange_costs_only_the_spot_figure(fx, tmp_path):
    svc = server_service(fx, tmp_path)
    fx.fault("/api/v3/exchangeInfo", "403", times=1)
    (row,) = svc.market_rows([("BTC", None)])
    assert row.mark_price is not None and row.rate_per_interval is not None
    assert row.spot_price is None
    assert "binance refused this location (HTTP 403); try exchange bybit or okx" in row.status.reason


# -- Bybit's 403: a location refusal, or an IP ban for too many requests --------------------

BYBIT_TICKERS = "/v5/market/tickers"


@pytest.fixture
def bybit_fx():
    with FakeExchange(recorded.bybit_routes(), lifetime_s=60) as server:
        yield server


def test_bybit_403_ip_ban_is_rate_limited_served_stale_and_not_asked_before_the_ban_ends(bybit_fx, tmp_path):
    clock, sleeps = Clock(), Sleeps()
    svc = server_service(bybit_fx, tmp_path, clock, sleeps, exchanges=("bybit",))
    first = svc.funding("BTC", "bybit")
    bybit_fx.reset_log()
    clock.advance(20)  # past the 15 s TTL of the tickers answer
    bybit_fx.fault(BYBIT_TICKERS, "403-ban", times=1)
    got = svc.funding("BTC", "bybit")
    assert got.value == first.value and got.status.stale
    assert got.status.reason == ("bybit banned this IP for too many requests (HTTP 403: access too "
                                 "frequent); not asked again for 10 min")
    assert "refused this location" not in got.status.reason
    assert bybit_fx.count(BYBIT_TICKERS) == 1 and sleeps.waits == []  # not retried
    for step in (20, 280, 290):  # 20 s, 5 min, 9 min 50 s into the documented 10 min ban
        clock.advance(step)
        assert svc.mark_index("BTC", "bybit").status.stale
    assert bybit_fx.count(BYBIT_TICKERS) == 1
    clock.advance(11)  # 10 min 1 s after the 403: the ban has lifted
    assert not svc.funding("BTC", "bybit").status.stale
    assert bybit_fx.count(BYBIT_TICKERS) == 2


def test_bybit_403_ban_with_retry_after_waits_that_long(bybit_fx, tmp_path):
    clock = Clock()
    svc = server_service(bybit_fx, tmp_path, clock, exchanges=("bybit",))
    svc.funding("BTC", "bybit")
    clock.advance(20)
    bybit_fx.fault(BYBIT_TICKERS, "403-ban", times=1, retry_after="1800")
    assert "not asked again for 30 min" in svc.funding("BTC", "bybit").status.reason
    clock.advance(1700)
    svc.funding("BTC", "bybit")
    assert bybit_fx.count(BYBIT_TICKERS) == 2  # the first read and the banned one only


def test_bybit_403_ban_without_a_value_held_raises_rate_limited(bybit_fx, tmp_path):
    svc = server_service(bybit_fx, tmp_path, exchanges=("bybit",))
    bybit_fx.fault("/v5/market/instruments-info", "403-ban", times=5)
    with pytest.raises(RateLimited, match="banned this IP"):
        svc.funding("BTC", "bybit")
    assert bybit_fx.count() == 1


def test_bybit_403_from_cloudfront_is_still_a_location_refusal(bybit_fx, tmp_path):
    svc = server_service(bybit_fx, tmp_path, exchanges=("bybit",))
    bybit_fx.fault("/v5/market/instruments-info", "403-geo", times=1)
    with pytest.raises(GeoBlocked) as caught:
        svc.funding("BTC", "bybit")
    assert "bybit refused this location (HTTP 403); try exchange okx or binanceusdm" in str(caught.value)
    assert bybit_fx.count() == 1


def test_bybit_451_stays_a_location_refusal(bybit_fx, tmp_path):
    svc = server_service(bybit_fx, tmp_path, exchanges=("bybit",))
    bybit_fx.fault("/v5/market/instruments-info", "451", times=1)
    with pytest.raises(GeoBlocked, match="HTTP 451"):
        svc.funding("BTC", "bybit")


def test_unknown_symbol_names_close_matches(fx, tmp_path):
    svc = server_service(fx, tmp_path)
    with pytest.raises(UnknownSymbol, match="did you mean ETH/USDT:USDT"):
        svc.funding("ETHH")
    assert fx.paths() == ["/fapi/v1/exchangeInfo"]


def test_markets_failing_marks_every_row_and_is_not_hammered(fx, tmp_path):
    clock, sleeps = Clock(), Sleeps()
    svc = server_service(fx, tmp_path, clock, sleeps)
    fx.fault("/fapi/v1/exchangeInfo", "500", times=10)
    rows = svc.market_rows([("BTC", None), ("ETH", None)])
    assert all(r.status.stale and "HTTP 500" in r.status.reason and r.mark_price is None for r in rows)
    assert fx.count("/fapi/v1/exchangeInfo") == 3
    svc.market_rows([("BTC", None)])  # within the retry pause: nothing asked
    assert fx.count("/fapi/v1/exchangeInfo") == 3


# -- exchanges in parallel ----------------------------------------------------------------------

def test_exchanges_are_fetched_concurrently(tmp_path):
    routes = {**recorded.binance_routes(), **recorded.bybit_routes()}
    with FakeExchange(routes, latency_s=0.1) as fx:
        svc = server_service(fx, tmp_path, exchanges=("binanceusdm", "binance", "bybit"))
        rows = svc.market_rows([("BTC", None), ("BTC", "bybit")])
        assert rows[0].mark_price is not None and rows[1].mark_price == 68649.90
        binance = [r for r in fx.log if r.path.startswith(("/fapi", "/api/v3"))]
        bybit = [r for r in fx.log if r.path.startswith("/v5")]
        overlap = any(a.started_s < b.ended_s and b.started_s < a.ended_s for a in binance for b in bybit)
        assert overlap, "no Binance request was in flight while a Bybit one was"
        assert sum(r.path == "/v5/market/tickers" for r in bybit) == 2  # linear + spot categories


# -- translation --------------------------------------------------------------------------------

class _Response:
    def __init__(self, status, headers=None, text=""):
        self.status_code = status
        self.headers = headers or {}
        self.text = text


class _HTTPError(Exception):
    def __init__(self, status, headers=None, text=""):
        super().__init__(f"HTTP {status}")
        self.response = _Response(status, headers, text)


def _ccxt_error(name, status=None, headers=None, text=""):
    import ccxt

    try:
        try:
            raise _HTTPError(status, headers, text)
        except _HTTPError as http:
            raise getattr(ccxt, name)("binanceusdm GET https://fapi.binance.com/...") from (http if status else None)
    except Exception as e:
        return e


@pytest.mark.parametrize("name,status,expected", [
    ("RateLimitExceeded", 429, RateLimited),
    ("DDoSProtection", 418, RateLimited),
    ("ExchangeNotAvailable", 503, NetworkError),
    ("ExchangeNotAvailable", 451, GeoBlocked),
    ("ExchangeNotAvailable", 403, GeoBlocked),
    ("ExchangeNotAvailable", 404, ExchangeError),
    ("RequestTimeout", None, NetworkError),
    ("ExchangeNotAvailable", None, Unreachable),
    ("BadResponse", None, ExchangeError),
    ("AuthenticationError", None, DataUnavailable),
    ("NotSupported", None, DataUnavailable),
])
def test_ccxt_errors_map_to_package_errors(name, status, expected):
    got = translate(_ccxt_error(name, status), "binanceusdm")
    assert type(got) is expected
    assert got.exchange == "binanceusdm"


@pytest.mark.parametrize("body", [
    "403, access too frequent",                                          # the v5 rules' words
    '{"retCode":10018,"retMsg":"Too many requests from this IP"}',       # IP limit retCode
    '{"retCode": 10006, "retMsg": "Too many visits!"}',                  # per-UID limit retCode
])
def test_bybit_403_saying_too_many_requests_is_a_rate_limit_ban(body):
    got = translate(_ccxt_error("RateLimitExceeded", 403, text=body), "bybit")
    assert type(got) is RateLimited and got.retry_after_s == 600.0


def test_a_403_ban_is_read_per_exchange_and_other_403s_stay_location_refusals():
    # the same words from an exchange whose 403 means something else are not taken as Bybit's
    assert type(translate(_ccxt_error("ExchangeNotAvailable", 403, text="403, access too frequent"),
                          "okx")) is GeoBlocked
    page = "The Amazon CloudFront distribution is configured to block access from your country."
    assert type(translate(_ccxt_error("RateLimitExceeded", 403, text=page), "bybit")) is GeoBlocked


def test_retry_after_read_from_the_chained_http_error():
    got = translate(_ccxt_error("RateLimitExceeded", 429, {"Retry-After": "7"}), "bybit")
    assert isinstance(got, RateLimited) and got.retry_after_s == 7.0


def test_parser_crash_on_odd_answer_is_a_malformed_answer():
    got = translate(KeyError("result"), "okx")
    assert isinstance(got, ExchangeError) and "malformed answer" in str(got)


@pytest.mark.parametrize("exchange,others", [("binanceusdm", "bybit or okx"), ("bybit", "okx or binanceusdm"),
                                             ("okx", "bybit or binanceusdm"), ("kraken", "bybit or okx")])
def test_geoblock_names_another_exchange(exchange, others):
    got = translate(_ccxt_error("ExchangeNotAvailable", 451), exchange)
    assert f"try exchange {others}" in str(got) and exchange not in others


def test_call_retries_only_retryable_errors():
    attempts = []

    def fails_final():
        attempts.append(1)
        raise _ccxt_error("ExchangeNotAvailable", 451)

    with pytest.raises(GeoBlocked):
        faults.call(fails_final, "binanceusdm", sleep=lambda s: None)
    assert len(attempts) == 1
