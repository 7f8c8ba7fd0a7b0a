"""Live functions through the real market service and real ccxt code, over recorded
exchange answers replayed into each ccxt client (no socket, no internet).

Expected figures are read from the recorded fixture files themselves (tests/fixtures),
independently of the market layer that parses them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from perphedge.excel import udfs
from perphedge.market.live.service import reset_service
from tests.market import recorded
from tests.market.helpers import RECORDED_NOW_S, Clock, replay_service
from tests.market.replay import Replay

RECORDED_NOW_MS = int(RECORDED_NOW_S * 1000)
EPOCH = dt.datetime(1970, 1, 1)

# OKX's funding endpoint answered with no rows: nothing about OKX funding was recorded,
# and nothing is made up for it (its cells say so).
OKX_NO_FUNDING = {"code": "0", "msg": "", "data": []}


def _routes():
    routes = {}
    routes.update(recorded.binance_routes())
    routes.update(recorded.bybit_routes())
    routes.update(recorded.okx_routes({"/api/v5/public/funding-rate": lambda q: (200, OKX_NO_FUNDING)}))
    return routes


@pytest.fixture
def replay(tmp_path, monkeypatch):
    rp = Replay(_routes())
    rp.clock = Clock()
    reset_service(replay_service(rp, tmp_path, rp.clock))
    monkeypatch.setattr(udfs, "_now_ms", lambda: int(rp.clock() * 1000))
    yield rp
    reset_service(None)


def _bybit_btc():
    return recorded.response_entry("bybit", "fetchFundingRates")["httpResponse"]["result"]["list"][0]


def _lot_size(exchange_markets, symbol):
    info = recorded.markets(exchange_markets)[symbol]["info"]
    return next(f for f in info["filters"] if f["filterType"] == "LOT_SIZE")


# -- figures ------------------------------------------------------------------------------


def test_binance_prices_and_funding(replay):
    btc_funding = recorded.funding_csv("BTCUSDT")
    spot_rows = recorded.response_entry("binance", "fetchTickers")["httpResponse"]
    btc_spot = next(r for r in spot_rows if r["symbol"] == "BTCUSDT")
    assert udfs.MARK_PRICE("BTC") == float(btc_funding[-2]["markPrice"])
    assert udfs.MARK_PRICE("BTC/USDT:USDT", "binanceusdm") == float(btc_funding[-2]["markPrice"])
    assert udfs.FUNDING_RATE("btc", None) == float(btc_funding[-1]["fundingRate"])
    assert udfs.SPOT_PRICE("BTCUSDT") == float(btc_spot["lastPrice"])
    # Binance's funding-info endpoint lists only adjusted markets (none recorded), so the
    # interval is the 8 h default until history shows otherwise.
    assert udfs.FUNDING_INTERVAL("BTC") == 8.0
    # The recorded premium index carries no index price: said so, never a made-up 0.
    assert udfs.INDEX_PRICE("BTC") == "#HEDGE! no index price for BTC/USDT:USDT on binanceusdm"


def test_bybit_mark_index_and_funding(replay):
    row = _bybit_btc()
    assert udfs.MARK_PRICE("BTC", "bybit") == float(row["markPrice"])
    assert udfs.INDEX_PRICE("BTC", "bybit") == float(row["indexPrice"])
    assert udfs.FUNDING_RATE("BTC", "BYBIT") == float(row["fundingRate"])


def test_contract_spec_rows(replay):
    lot = _lot_size("binance", "BTC/USDT:USDT")
    out = udfs.CONTRACT_SPEC("BTC")
    assert len(out) == 1 and len(out[0]) == 6
    assert out[0][:5] == [1.0, float(lot["stepSize"]), float(lot["minQty"]), "linear", "USDT"]
    assert isinstance(out[0][5], float)
    # OKX's BTC linear swap is 0.01 BTC per contract (recorded market).
    okx = recorded.markets("okx")["BTC/USDT:USDT"]
    assert udfs.CONTRACT_SPEC("BTC", "okx")[0][:5] == [
        float(okx["contractSize"]), float(okx["precision"]["amount"]),
        float(okx["limits"]["amount"]["min"]), "linear", "USDT"]


def test_market_status_row(replay):
    [[source, as_of, status]] = udfs.MARKET_STATUS("BTC", "bybit")
    assert source == "bybit" and status == "fresh"
    assert isinstance(as_of, dt.datetime) and as_of.tzinfo is None
    assert as_of <= EPOCH + dt.timedelta(milliseconds=RECORDED_NOW_MS)
    # A listed market the recorded answers carry no price for: a stale row saying why.
    [[source, _, status]] = udfs.MARKET_STATUS("ADA")
    assert source == "binanceusdm"
    assert status.startswith("stale: ") and "ADA/USDT:USDT" in status and "(age 0s)" in status


def test_funding_history_table_from_the_recorded_export(replay):
    # The recorded Binance export, settlements of the 3 days before the service's clock.
    since = RECORDED_NOW_MS - 3 * 86_400_000
    rows = [r for r in recorded.funding_csv("BTCUSDT") if since <= int(r["fundingTime"]) <= RECORDED_NOW_MS]
    out = udfs.FUNDING_HISTORY("BTC", 3.0)
    assert out[0] == ["time", "rate", "APR"]
    assert len(out) == len(rows) + 1 == 10
    for (when, rate, apr), r in zip(out[1:], rows):
        assert when == EPOCH + dt.timedelta(milliseconds=int(r["fundingTime"]))
        assert rate == float(r["fundingRate"])
        assert apr == pytest.approx(float(r["fundingRate"]) * 3 * 365)  # 8-hourly: 3 a day


# SYNTHETIC settlements (not market data), served in Binance's documented /fapi/v1/fundingRate
# format: 60 settlements 8 h apart, then 60 settlements 4 h apart (the market moved to
# 4-hourly funding), every one at +0.01 %, the last one hour before the service's clock.
H_MS = 3_600_000
LAST_MS = RECORDED_NOW_MS - H_MS
CHANGED_TIMES = [LAST_MS - 60 * 4 * H_MS - (59 - i) * 8 * H_MS for i in range(60)] + [
    LAST_MS - (59 - i) * 4 * H_MS for i in range(60)]


def _synthetic_funding_history(times):
    def answer(q):
        start, end = int(q.get("startTime", 0)), int(q.get("endTime", 2**62))
        limit = min(int(q.get("limit", 100)), 1000)
        rows = [{"symbol": "BTCUSDT", "fundingTime": t, "fundingRate": "0.00010000", "markPrice": "100000.0"}
                for t in times if start <= t <= end]
        return 200, rows[:limit]
    return answer


def test_funding_history_rows_annualised_over_their_own_interval(replay):
    replay.routes["/fapi/v1/fundingRate"] = _synthetic_funding_history(CHANGED_TIMES)
    out = udfs.FUNDING_HISTORY("BTC", 30.0)
    assert out[0] == ["time", "rate", "APR"] and len(out) == 121
    rows = out[1:]
    assert [when for when, _, _ in rows] == [EPOCH + dt.timedelta(milliseconds=t) for t in CHANGED_TIMES]
    # By hand, each row over its own interval: the 8-hourly rows 0.0001 * 3 * 365 = 10.95 %,
    # the 4-hourly rows 0.0001 * 6 * 365 = 21.9 % (the first 4-hourly one comes 4 h after
    # the last 8-hourly one; the first row takes the gap to the next, 8 h).
    assert [apr for _, _, apr in rows[:60]] == pytest.approx([0.1095] * 60)
    assert [apr for _, _, apr in rows[60:]] == pytest.approx([0.219] * 60)
    # Averaged as the Funding sheet does: the rates' sum over the hours the rows cover, each
    # row's hours read from the spilled times (the first row's: the next gap).
    hours = [(b - a).total_seconds() / 3600 for (a, _, _), (b, _, _) in zip(rows, rows[1:])]
    hours = [hours[0]] + hours
    assert sum(hours) == 720.0
    rate_sum = sum(rate for _, rate, _ in rows)
    # 120 * 0.0001 = 0.012 earned over 720 h = 30 days: 0.012 * 365 / 30 = 14.6 %.
    assert rate_sum / sum(hours) * 24 * 365 == pytest.approx(0.146, rel=1e-12)
    # ... which is the rows' APRs weighted by the hours each covers (not their plain mean,
    # (10.95 % + 21.9 %) / 2 = 16.425 %).
    weighted = sum(apr * h for (_, _, apr), h in zip(rows, hours)) / sum(hours)
    assert weighted == pytest.approx(0.146, rel=1e-12)


def test_funding_history_of_one_settlement_uses_the_stated_interval(replay):
    # One SYNTHETIC settlement shows no interval: the exchange's stated one is the fallback.
    # Binance's documented fundingInfo format; its 4 h for BTCUSDT is a synthetic input.
    replay.routes["/fapi/v1/fundingRate"] = _synthetic_funding_history([LAST_MS])
    replay.routes["/fapi/v1/fundingInfo"] = lambda q: (200, [
        {"symbol": "BTCUSDT", "adjustedFundingRateCap": "0.02500000",
         "adjustedFundingRateFloor": "-0.02500000", "fundingIntervalHours": 4, "disclaimer": False}])
    [_, [when, rate, apr]] = udfs.FUNDING_HISTORY("BTC", 1.0)
    assert (when, rate) == (EPOCH + dt.timedelta(milliseconds=LAST_MS), 0.0001)
    assert apr == pytest.approx(0.0001 * 6 * 365)  # per 4 h: 21.9 %


def test_errors_in_cells(replay):
    out = udfs.MARK_PRICE("BTCUSDX")
    assert out.startswith("#HEDGE! unknown symbol BTCUSDX on binanceusdm — did you mean "
                          "BTC/USDT:USDT")
    assert udfs.SPOT_PRICE(None) == "#HEDGE! symbol is empty"
    assert udfs.MARK_PRICE(42.0) == "#HEDGE! symbol must be text, got 42.0"
    assert udfs.FUNDING_HISTORY("BTC", 0.0) == "#HEDGE! days must be at least 1, got 0.0"
    assert udfs.FUNDING_HISTORY("BTC", 2.5) == "#HEDGE! days must be a whole number, got 2.5"
    assert udfs.FUNDING_RATE("BTC", "okx") == "#HEDGE! okx sent no funding rate for BTC/USDT:USDT"


# -- one request per (exchange, endpoint) ---------------------------------------------------

# 20 markets on three exchanges; each gets 10 live cells (200 in all), some typed in
# different spellings, as a sheet would have them.
SHEET_MARKETS = (
    [(s, "binanceusdm") for s in ("BTC", "ETH", "ADA", "LTC", "XRP", "DOGE", "TRX")]
    + [(s, "bybit") for s in ("BTC", "ETH", "ADA", "LTC", "XRP", "DOGE", "TRX", "ZRX")]
    + [(s, "okx") for s in ("BTC", "ETH", "LTC", "XRP", "SUSHI")]
)


def _recalculate() -> list:
    results = []
    for coin, ex in SHEET_MARKETS:
        results += [
            udfs.SPOT_PRICE(coin, ex), udfs.MARK_PRICE(coin, ex), udfs.INDEX_PRICE(coin, ex),
            udfs.FUNDING_RATE(coin, ex), udfs.FUNDING_INTERVAL(coin, ex),
            udfs.CONTRACT_SPEC(coin, ex), udfs.MARKET_STATUS(coin, ex),
            udfs.MARK_PRICE(f"{coin}USDT", ex), udfs.FUNDING_RATE(f"{coin}/USDT:USDT", ex),
            udfs.SPOT_PRICE(coin.lower(), ex.upper()),
        ]
    return results


def _requests(replay) -> Counter:
    return Counter((ex, path, tuple(sorted(q.items()))) for ex, path, q in replay.log)


def test_two_hundred_cells_cost_one_request_per_exchange_and_endpoint(replay):
    results = _recalculate()
    assert len(results) == 200 and len({m for m in SHEET_MARKETS}) == 20
    first = _requests(replay)
    assert max(first.values()) == 1, first          # no request asked twice...
    for (ex, path, query), _ in first.items():      # ...and none asked per symbol
        assert not {"symbol", "instId"} & {k for k, v in query if v != "ANY"}, (ex, path, query)
    exchanges = {ex for ex, _, _ in first}
    assert exchanges == {"binanceusdm", "binance", "bybit", "okx"}
    # Every cell is a figure or a reason: the recorded answers price some markets only.
    assert results[1] == float(recorded.funding_csv("BTCUSDT")[-2]["markPrice"])
    assert all(isinstance(r, (float, list)) or r.startswith("#HEDGE! ") for r in results)
    assert not any(isinstance(r, str) and "internal error" in r for r in results)

    # Recalculating inside the TTL costs nothing.
    assert _recalculate() == results
    assert _requests(replay) == first

    # Past the 15 s price TTL: each price endpoint is asked once more, still once each.
    replay.clock.advance(16)
    _recalculate()
    again = _requests(replay) - first
    assert again and max(again.values()) == 1
    assert {path for _, path, _ in again} <= {
        "/fapi/v1/premiumIndex", "/fapi/v2/ticker/price", "/api/v3/ticker/price",
        "/v5/market/tickers", "/api/v5/market/tickers", "/api/v5/public/mark-price"}


def test_mark_index_and_funding_cells_ask_no_ticker(replay):
    # The 20 markets with only MARK_PRICE, INDEX_PRICE and FUNDING_RATE cells (120 cells).
    results = []
    for coin, ex in SHEET_MARKETS:
        results += [udfs.MARK_PRICE(coin, ex), udfs.INDEX_PRICE(coin, ex), udfs.FUNDING_RATE(coin, ex),
                    udfs.MARK_PRICE(f"{coin}USDT", ex), udfs.INDEX_PRICE(coin.lower(), ex.upper()),
                    udfs.FUNDING_RATE(f"{coin}/USDT:USDT", ex)]
    asked = _requests(replay)
    assert max(asked.values()) == 1, asked
    data = Counter({(ex, path): n for (ex, path, _), n in asked.items()
                    if "exchangeInfo" not in path and "instruments" not in path})
    # What each exchange documents as carrying mark, index and funding for every perp at once:
    # Binance's premium index (plus its funding-info list, for the interval of FUNDING_RATE);
    # Bybit's linear tickers; OKX's funding rates and, as they carry no price, its mark prices.
    assert data == Counter({
        ("binanceusdm", "/fapi/v1/premiumIndex"): 1, ("binanceusdm", "/fapi/v1/fundingInfo"): 1,
        ("bybit", "/v5/market/tickers"): 1,
        ("okx", "/api/v5/public/funding-rate"): 1, ("okx", "/api/v5/public/mark-price"): 1})
    assert not [p for ex, p, _ in asked if ex == "binanceusdm" and "ticker" in p]
    # the cells still show the recorded figures
    bybit_btc = _bybit_btc()
    binance_mark = float(recorded.funding_csv("BTCUSDT")[-2]["markPrice"])
    i = SHEET_MARKETS.index(("BTC", "binanceusdm")) * 6
    assert results[i] == results[i + 3] == binance_mark
    assert results[i + 2] == results[i + 5] == float(recorded.funding_csv("BTCUSDT")[-1]["fundingRate"])
    i = SHEET_MARKETS.index(("BTC", "bybit")) * 6
    assert results[i:i + 5] == [float(bybit_btc["markPrice"]), float(bybit_btc["indexPrice"]),
                                float(bybit_btc["fundingRate"]), float(bybit_btc["markPrice"]),
                                float(bybit_btc["indexPrice"])]
    assert all(isinstance(r, float) or r.startswith("#HEDGE! ") for r in results)

    # Past the 15 s price TTL the premium index is asked once more; still no ticker.
    replay.clock.advance(16)
    for coin, ex in SHEET_MARKETS:
        udfs.MARK_PRICE(coin, ex), udfs.INDEX_PRICE(coin, ex), udfs.FUNDING_RATE(coin, ex)
    again = _requests(replay) - asked
    assert {(ex, p) for ex, p, _ in again} == {
        ("binanceusdm", "/fapi/v1/premiumIndex"), ("bybit", "/v5/market/tickers"),
        ("okx", "/api/v5/public/mark-price")}
    assert max(again.values()) == 1


# -- stale and offline ----------------------------------------------------------------------


def test_stale_value_stays_a_number_and_status_says_why(tmp_path, monkeypatch):
    routes = _routes()
    good = routes["/fapi/v1/premiumIndex"]
    state = {"fail": False}
    # After the first read the exchange answers with an empty list where it listed markets.
    routes["/fapi/v1/premiumIndex"] = lambda q: (200, []) if state["fail"] else good(q)
    rp = Replay(routes)
    clock = Clock()
    reset_service(replay_service(rp, tmp_path, clock))
    monkeypatch.setattr(udfs, "_now_ms", lambda: int(clock() * 1000))
    try:
        mark = float(recorded.funding_csv("BTCUSDT")[-2]["markPrice"])
        assert udfs.MARK_PRICE("BTC") == mark
        state["fail"] = True
        clock.advance(20)  # past the 15 s price TTL: the refresh fails
        assert udfs.MARK_PRICE("BTC") == mark  # the last good value, still a number
        [[source, _, status]] = udfs.MARKET_STATUS("BTC")
        assert source == "binanceusdm"
        assert status.startswith("stale: binanceusdm sent an empty answer")
        assert "(age " in status  # since the figure's own exchange time stamp
    finally:
        reset_service(None)


def test_offline_functions_serve_the_embedded_snapshot_marked_as_recorded():
    import json
    from importlib import resources

    from perphedge.market.config import MarketConfig
    from perphedge.market.live.service import MarketService

    doc = json.loads(resources.files("perphedge").joinpath("data/snapshot.json").read_text())
    btc = next(m for m in doc["markets"]
               if m["exchange"] == "binanceusdm" and m["symbol"] == "BTC/USDT:USDT")
    reset_service(MarketService(MarketConfig(offline=True)))
    try:
        assert udfs.MARK_PRICE("BTC") == btc["figures"]["ticker"]["mark_price"]
        assert udfs.FUNDING_RATE("BTC") == btc["figures"]["funding"]["rate_per_interval"]
        [[source, as_of, status]] = udfs.MARKET_STATUS("BTC")
        assert source == "snapshot"
        assert status.startswith("stale: recorded snapshot: ")
        assert as_of == EPOCH + dt.timedelta(milliseconds=btc["figures"]["ticker"]["as_of_ms"]) \
            or as_of == EPOCH + dt.timedelta(milliseconds=btc["figures"]["funding"]["as_of_ms"])
    finally:
        reset_service(None)
