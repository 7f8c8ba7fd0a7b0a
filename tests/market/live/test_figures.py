"""Each figure of the market service over recorded exchange answers, replayed into the
real ccxt parsing (Binance USDⓈ-M + spot, Bybit, OKX): which batched answer gives it, the
TTL cache in front of it, and the last good value served stale.

Expected figures are read from the fixture files by the tests themselves (the CSV module,
ccxt's recorded bodies and ``parsedResponse``, Binance's raw ``LOT_SIZE`` filter) or
written by hand from them. Bodies whose figures were not recorded are built in the
exchange's documented format and labelled synthetic; on those only parsing and selection
are asserted.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from perphedge.core.errors import DataUnavailable
from perphedge.core.marketdata import DataStatus
from tests.market import recorded
from tests.market.exchanges import binance, bybit, lot_size, okx
from tests.market.helpers import RECORDED_NOW_S, Clock, replay_service
from tests.market.replay import Replay

DAY_MS = 86_400_000


# -- Binance USDⓈ-M ---------------------------------------------------------------------------

def test_binance_ticker_combines_last_price_and_premium_index(tmp_path):
    svc = replay_service(binance(), tmp_path)
    got = svc.ticker("BTC")
    bar = recorded.response_entry("binance", "fetchOHLCV", "swap ohlcv")["httpResponse"][-1]
    mark_row = recorded.funding_csv("BTCUSDT")[-2]
    assert got.value.symbol == "BTC/USDT:USDT"
    assert got.value.last_price == 70459.40 == float(bar[4])
    assert got.value.mark_price == float(mark_row["markPrice"])
    assert got.value.index_price is None  # not recorded, so not invented
    assert got.status == DataStatus("binanceusdm", 1712738639999)


def test_binance_mark_index_comes_from_the_premium_index_funding_reads(tmp_path):
    replay = binance()
    svc = replay_service(replay, tmp_path)
    mark_row, next_row = recorded.funding_csv("BTCUSDT")[-2:]
    for sym in ("BTC", "ETH") * 50:  # as many mark, index and funding cells as a sheet has
        got = svc.mark_index(sym)
        svc.funding(sym)
    assert got.value.symbol == "ETH/USDT:USDT"
    btc = svc.mark_index("BTC")
    assert btc.value.mark_price == float(mark_row["markPrice"]) and btc.value.last_price is None
    assert btc.value.index_price is None  # not recorded, so not invented
    assert btc.status == DataStatus("binanceusdm", int(mark_row["fundingTime"]))
    assert svc.funding("BTC").value.rate_per_interval == float(next_row["fundingRate"])
    assert replay.count("/fapi/v1/premiumIndex") == 1
    assert replay.count("/fapi/v2/ticker/price") == 0  # no last price asked for


def test_mark_index_of_a_listed_market_the_answer_lacks_says_so(tmp_path):
    with pytest.raises(DataUnavailable, match="binanceusdm sent no mark price for ADA/USDT:USDT"):
        replay_service(binance(), tmp_path).mark_index("ADA")


def test_binance_funding_rate_next_time_and_assumed_interval(tmp_path):
    svc = replay_service(binance(), tmp_path)
    rate = svc.funding("btc").value
    last = recorded.funding_csv("BTCUSDT")[-1]
    assert rate.rate_per_interval == float(last["fundingRate"])
    assert rate.next_funding_ms == int(last["fundingTime"])
    # Binance's funding-info lists only adjusted symbols and none was recorded: no interval
    # from the exchange and no history held yet, so 8 h, flagged
    assert (rate.interval_hours, rate.interval_source) == (8.0, "assumed")


def test_binance_interval_inferred_from_history_once_held(tmp_path):
    svc = replay_service(binance(), tmp_path)
    svc.funding_history("BTC", days=3)
    rate = svc.funding("BTC").value
    assert (rate.interval_hours, rate.interval_source) == (8.0, "history")


def test_interval_inferred_from_history_expires_after_a_day(tmp_path):
    clock = Clock()
    svc = replay_service(binance(), tmp_path, clock)
    svc.funding_history("BTC", days=3)
    clock.advance(86_400 - 60)
    assert svc.funding("BTC").value.interval_source == "history"
    clock.advance(120)  # the history behind the inference is now over a day old
    rate = svc.funding("BTC").value
    assert (rate.interval_hours, rate.interval_source) == (8.0, "assumed")


def test_history_interval_is_inferred_once_per_fetch_not_per_read(tmp_path, monkeypatch):
    from perphedge.core import funding

    inferred = []
    real = funding.infer_interval_hours
    monkeypatch.setattr(funding, "infer_interval_hours", lambda times: inferred.append(len(times)) or real(times))
    replay = binance()
    clock = Clock()
    svc = replay_service(replay, tmp_path, clock)
    for _ in range(50):
        assert len(svc.funding_history("BTC", days=3).value) == 9  # 3 days of 8-hourly settlements
    assert inferred == [9] and replay.count("/fapi/v1/fundingRate") == 1
    assert svc.funding("BTC").value.interval_hours == 8.0
    clock.advance(301)  # past the 5 min funding TTL: fetched again, inferred again
    svc.funding_history("BTC", days=3)
    assert inferred == [9, 9] and replay.count("/fapi/v1/fundingRate") == 2


def test_binance_interval_from_funding_info_when_listed(tmp_path):
    # Binance's documented fundingInfo format; the 4 h is a synthetic input (no recorded
    # adjusted symbol): only that the listed interval wins is checked.
    routes = recorded.binance_routes()
    routes["/fapi/v1/fundingInfo"] = lambda q: (200, [
        {"symbol": "BTCUSDT", "adjustedFundingRateCap": "0.02500000",
         "adjustedFundingRateFloor": "-0.02500000", "fundingIntervalHours": 4, "disclaimer": False}])
    rate = replay_service(Replay(routes), tmp_path).funding("BTC").value
    assert (rate.interval_hours, rate.interval_source) == (4.0, "exchange")


def test_binance_spot_price_from_binance_spot(tmp_path):
    replay = binance()
    got = replay_service(replay, tmp_path).spot_price("BTC")
    assert got.value == 118390.44  # recorded BTCUSDT spot lastPrice, 2025-07-29
    assert got.status.source == "binance"
    assert ("binance", "/api/v3/ticker/price", {}) in replay.log  # all spot prices, one call


def test_binance_contract_spec_from_recorded_exchange_info(tmp_path):
    spec = replay_service(binance(), tmp_path).contract_spec("ETHUSDT").value
    lot = lot_size("ETH/USDT:USDT")
    assert spec.symbol == "ETH/USDT:USDT"
    assert spec.contract_size == 1.0
    assert spec.amount_step == float(lot["stepSize"])
    assert spec.min_amount == float(lot["minQty"])
    assert (spec.inverse, spec.settle) == (False, "USDT")
    assert spec.taker_fee is not None and 0 < spec.taker_fee < 0.01


def test_binance_leverage_tiers_need_an_api_key(tmp_path):
    replay = binance()
    with pytest.raises(DataUnavailable, match="not available without API key"):
        replay_service(replay, tmp_path).leverage_tiers("BTC")
    assert not any("leverageBracket" in p for _, p, _ in replay.log)


def test_binance_funding_history_paginates_the_recorded_window(tmp_path):
    replay = binance()
    svc = replay_service(replay, tmp_path)
    points = svc.funding_history("BTC", days=30).value
    since = int(RECORDED_NOW_S * 1000) - 30 * DAY_MS
    expected = [(int(r["fundingTime"]), float(r["fundingRate"])) for r in recorded.funding_csv("BTCUSDT")
                if int(r["fundingTime"]) >= since]
    assert [(p.time_ms, p.rate_per_interval) for p in points] == expected
    assert len(expected) == 90  # 30 days of 8-hourly settlements
    assert replay.count("/fapi/v1/fundingRate") == 1  # 90 rows fit one 1000-row page


def test_binance_daily_closes_are_completed_days(tmp_path):
    got = replay_service(binance(), tmp_path).daily_closes("BTC", days=90).value
    start = datetime(2025, 12, 20, tzinfo=UTC).timestamp() * 1000
    rows = [r for r in recorded.daily_csv("BTCUSDT") if int(r["timestamp"]) >= start]
    assert [(c.time_ms, c.close) for c in got] == [(int(r["timestamp"]), float(r["close"])) for r in rows]
    assert len(got) == 90 and got[-1].time_ms == datetime(2026, 3, 19, tzinfo=UTC).timestamp() * 1000


# -- Bybit ------------------------------------------------------------------------------------

def test_bybit_ticker_and_funding_match_ccxts_recorded_parse(tmp_path):
    replay = bybit()
    svc = replay_service(replay, tmp_path)
    parsed = recorded.response_entry("bybit", "fetchFundingRates")["parsedResponse"]["BTC/USDT:USDT"]
    tick = svc.ticker("BTCUSDT", "bybit").value
    assert (tick.last_price, tick.mark_price, tick.index_price) == (68641.30, 68649.90, 68650.75)
    rate = svc.funding("BTC", "bybit").value
    assert rate.rate_per_interval == parsed["fundingRate"] == 0.0001
    assert rate.next_funding_ms == parsed["fundingTimestamp"] == 1730736000000
    assert rate.timestamp_ms == parsed["timestamp"]
    assert (rate.interval_hours, rate.interval_source) == (8.0, "exchange")  # fundingInterval 480 min
    assert parsed["interval"] == "8h"
    # one tickers call served both the ticker and the funding rate
    assert replay.count("/v5/market/tickers") == 1


def test_bybit_mark_index_from_the_tickers_funding_reads(tmp_path):
    replay = bybit()
    svc = replay_service(replay, tmp_path)
    row = recorded.response_entry("bybit", "fetchFundingRates")["httpResponse"]["result"]["list"][0]
    got = svc.mark_index("BTC", "bybit").value
    svc.funding("BTC", "bybit")
    assert (got.mark_price, got.index_price) == (float(row["markPrice"]), float(row["indexPrice"]))
    assert got.last_price is None
    assert replay.count("/v5/market/tickers") == 1


def test_bybit_contract_spec(tmp_path):
    spec = replay_service(bybit(), tmp_path).contract_spec("ETH", "bybit").value
    lot = recorded.markets("bybit")["ETH/USDT:USDT"]["info"]["lotSizeFilter"]
    assert (spec.amount_step, spec.min_amount) == (float(lot["qtyStep"]), float(lot["minOrderQty"]))
    assert spec.contract_size == 1.0 and not spec.inverse


def test_bybit_inverse_symbol_stays_inverse(tmp_path):
    svc = replay_service(bybit(), tmp_path)
    assert svc.resolve("BTC/USD:BTC", "bybit") == "BTC/USD:BTC"
    assert svc.resolve("BTCUSD", "bybit") == "BTC/USD:BTC"
    spec = svc.contract_spec("BTC/USD:BTC", "bybit").value
    assert spec.inverse and spec.settle == "BTC"


def test_bybit_leverage_tiers_parsed_in_order_with_maintenance_amount(tmp_path):
    tiers = replay_service(bybit(), tmp_path).leverage_tiers("BTC", "bybit").value
    assert [(t.tier, t.min_notional, t.max_notional, t.mmr, t.max_leverage) for t in tiers] == [
        (1, 0.0, 2_000_000.0, 0.005, 100.0), (2, 2_000_000.0, 3_000_000.0, 0.0055, 95.23)]
    assert tiers[0].maint_amount == 0.0
    # given by the exchange (mmDeduction), and equal to the continuity rule by hand:
    # 2,000,000 × (0.0055 − 0.005) = 1,000
    assert tiers[1].maint_amount == 1000.0


def test_bybit_funding_history_from_recorded_settlements(tmp_path):
    replay = bybit()
    clock = Clock(datetime(2024, 3, 20, 9, 0, tzinfo=UTC).timestamp())
    svc = replay_service(replay, tmp_path, clock)
    points = svc.funding_history("LTC", days=7, exchange="bybit").value
    execs = recorded.response_entry("bybit", "fetchFundingHistory")["httpResponse"]["result"]["list"]
    expected = sorted((int(e["execTime"]), float(e["feeRate"])) for e in execs)
    assert [(p.time_ms, p.rate_per_interval) for p in points] == expected
    assert len(points) == 14


def _hourly_bybit_history() -> Replay:
    """Bybit's documented /v5/market/funding/history paging (newest first within
    startTime..endTime, at most ``limit`` rows) over SYNTHETIC settlements every hour for
    ZRX/USDT:USDT, the recorded market whose fundingInterval is 60 minutes: only paging is
    checked."""
    def history(q):
        start, end, limit = int(q["startTime"]), int(q["endTime"]), int(q["limit"])
        first = -(-start // 3_600_000) * 3_600_000
        rows = [{"symbol": "ZRXUSDT", "fundingRate": "0.0001", "fundingRateTimestamp": str(t)}
                for t in range(first, end + 1, 3_600_000)]
        return 200, recorded.bybit_envelope(q.get("category", "linear"), rows[::-1][:limit])

    routes = recorded.bybit_routes()
    routes["/v5/market/funding/history"] = history
    return Replay(routes)


def test_bybit_hourly_funding_history_covers_all_1000_days_asked(tmp_path):
    replay = _hourly_bybit_history()
    assert recorded.markets("bybit")["ZRX/USDT:USDT"]["info"]["fundingInterval"] == "60"
    svc = replay_service(replay, tmp_path)
    # ccxt paces Bybit history at about 0.1 s a page; the pacing is not what this test checks
    svc.clients.client("bybit").enableRateLimit = False
    got = svc.funding_history("ZRX", days=1000, exchange="bybit")
    now_ms = int(RECORDED_NOW_S * 1000)  # on the hour
    # every hour from 1000 days back to now, both ends included: 1000 × 24 + 1
    assert [p.time_ms for p in got.value] == list(range(now_ms - 1000 * DAY_MS, now_ms + 1, 3_600_000))
    assert not got.status.stale
    # 200 settlements a page: 24,000 hours take 120 pages, and a window from a whole hour one more
    assert replay.count("/v5/market/funding/history") == 121


def test_bybit_history_cut_by_the_page_bound_says_so_in_its_status(tmp_path, monkeypatch):
    from perphedge.market.live import history

    monkeypatch.setattr(history, "MAX_PAGES", 10)
    svc = replay_service(_hourly_bybit_history(), tmp_path)
    svc.clients.client("bybit").enableRateLimit = False
    got = svc.funding_history("ZRX", days=1000, exchange="bybit")
    assert len(got.value) == 10 * 200  # what the 10 pages held is served...
    assert got.status.stale  # ...and the status says it is not the whole window
    # 1000 days before 2026-03-20 01:00 UTC is 2023-06-24 01:00; 2000 hours later, 2023-09-15
    assert got.status.reason == ("bybit funding history of ZRX/USDT:USDT truncated at 10 pages: "
                                 "holds 2023-06-24 to 2023-09-15 only, not all 1000 days asked")


def test_bybit_spot_price_absent_from_answer_is_unavailable(tmp_path):
    # no Bybit spot ticker was recorded: the answer lists none, and none is made up
    with pytest.raises(DataUnavailable, match="no spot price for BTC/USDT"):
        replay_service(bybit(), tmp_path).spot_price("BTC", "bybit")


# -- OKX --------------------------------------------------------------------------------------

def test_okx_contract_specs_linear_and_inverse(tmp_path):
    svc = replay_service(okx(), tmp_path)
    linear = svc.contract_spec("BTC-USDT-SWAP", "okx").value
    assert (linear.symbol, linear.contract_size, linear.amount_step, linear.min_amount) == \
        ("BTC/USDT:USDT", 0.01, 0.01, 0.01)  # ctVal 0.01 BTC, lotSz/minSz 0.01 (fixtures README)
    inverse = svc.contract_spec("BTC/USD:BTC", "okx").value
    assert (inverse.contract_size, inverse.inverse, inverse.settle) == (100.0, True, "BTC")


def test_okx_mark_price_and_spot(tmp_path):
    svc = replay_service(okx(), tmp_path)
    tick = svc.ticker("LTC", "okx").value
    assert tick.mark_price == 101.33 and tick.timestamp_ms == 1712390404547
    assert tick.last_price is None  # no swap ticker recorded
    assert svc.spot_price("BTC", "okx").value == 73384.8


def test_okx_mark_index_completes_from_mark_prices_and_asks_no_ticker(tmp_path):
    replay = okx()
    got = replay_service(replay, tmp_path).mark_index("LTC", "okx").value
    assert got.mark_price == 101.33 and got.index_price is None  # OKX has no batched index
    assert replay.count("/api/v5/public/mark-price") == 1
    assert replay.count("/api/v5/public/funding-rate") == 1  # asked first: it may carry prices
    assert replay.count("/api/v5/market/tickers") == 0


def test_okx_funding_rate_with_interval_from_exchange_times(tmp_path):
    rate = replay_service(okx(), tmp_path).funding("BTC/USD:BTC", "okx").value
    assert rate.rate_per_interval == 0.00027815
    assert rate.next_funding_ms == 1634256000000
    # (1634284800000 − 1634256000000) ms = 8 h
    assert (rate.interval_hours, rate.interval_source) == (8.0, "exchange")


def test_okx_tiers_in_contracts_with_the_rate_on_the_whole_position(tmp_path):
    replay = okx()
    tiers = replay_service(replay, tmp_path).leverage_tiers("BTC", "okx").value
    assert [t.notional_unit for t in tiers] == ["contracts", "contracts"]
    assert (tiers[1].min_notional, tiers[1].max_notional, tiers[1].mmr) == (500.0, 1000.0, 0.005)
    # OKX applies the tier's rate to the whole position (its tiers carry no deduction):
    # 600 contracts of 0.01 BTC at 50,000 in tier 2 need 600 × 0.01 × 50,000 × 0.005 = 1,500.
    assert tiers[1].maint_amount == 0.0
    assert 600 * 0.01 * 50_000 * tiers[1].mmr - tiers[1].maint_amount == pytest.approx(1_500.0)
    asked = [q for _, p, q in replay.log if p == "/api/v5/public/position-tiers"]
    assert asked == [{"instType": "SWAP", "tdMode": "cross", "instFamily": "BTC-USDT"}]


# -- cache and stale values -------------------------------------------------------------------

def test_thousand_reads_cost_one_request_per_endpoint_per_ttl(tmp_path):
    replay = binance()
    clock = Clock()
    svc = replay_service(replay, tmp_path, clock)
    for i in range(1000):
        sym = ("BTC", "ETH")[i % 2]
        svc.ticker(sym)
        svc.funding(sym)
        svc.spot_price(sym)
    counts = {p: replay.count(p) for p in {p for _, p, _ in replay.log}}
    assert counts == {"/fapi/v1/exchangeInfo": 1, "/fapi/v2/ticker/price": 1, "/fapi/v1/premiumIndex": 1,
                      "/fapi/v1/fundingInfo": 1, "/api/v3/exchangeInfo": 1, "/api/v3/ticker/price": 1}
    clock.advance(16)  # past the 15 s price TTL, inside the 5 min funding TTL
    svc.funding("BTC")
    assert replay.count("/fapi/v1/premiumIndex") == 2  # Binance's premium index carries mark prices
    assert replay.count("/fapi/v1/fundingInfo") == 1
    assert replay.count("/fapi/v1/exchangeInfo") == 1  # markets: 24 h


def test_warm_binance_refresh_costs_two_requests_intervals_kept_with_the_day_markets(tmp_path):
    """DESIGN §5's floor: with the day's markets (and the funding-interval list, which
    Binance re-sets rarely) on disk, a new process refreshing Binance perps asks only the
    premium index (mark, index, funding) and the spot last prices."""
    replay = binance()
    clock = Clock()
    pairs = [("BTC", None), ("ETH", None)]
    replay_service(replay, tmp_path, clock).market_rows(pairs)
    assert replay.count("/fapi/v1/fundingInfo") == 1
    replay.log.clear()
    clock.advance(3600)  # an hour later, a new process: nothing in memory
    rows = replay_service(replay, tmp_path, clock).market_rows(pairs)
    assert sorted({p for _, p, _ in replay.log}) == ["/api/v3/ticker/price", "/fapi/v1/premiumIndex"]
    assert len(replay.log) == 2
    assert all(r.interval_hours is not None and r.rate_per_interval is not None for r in rows)
    replay.log.clear()
    clock.advance(86_400)  # a day on: listings and intervals are asked again
    replay_service(replay, tmp_path, clock).market_rows(pairs)
    assert replay.count("/fapi/v1/fundingInfo") == 1 and replay.count("/fapi/v1/exchangeInfo") == 1


def test_failed_refresh_serves_last_good_value_marked_stale(tmp_path):
    routes = recorded.binance_routes()
    state = {"fail": False}
    good = routes["/fapi/v1/premiumIndex"]

    def flaky(q):
        if state["fail"]:
            return 200, []  # an answer listing nothing where it listed markets before
        return good(q)

    routes["/fapi/v1/premiumIndex"] = flaky
    replay = Replay(routes)
    clock = Clock()
    svc = replay_service(replay, tmp_path, clock)
    first = svc.funding("BTC")
    state["fail"] = True
    clock.advance(20)
    second = svc.funding("BTC")
    assert second.value == first.value
    assert second.status.stale and second.status.as_of_ms == first.status.as_of_ms
    assert "empty answer" in second.status.reason
    assert second.status.text(int(clock() * 1000)).startswith("stale: ")


def test_okx_funding_history_pages_backwards_until_the_window_is_covered(tmp_path):
    # OKX's documented /public/funding-rate-history paging (newest first, `after` = older
    # than): 300 SYNTHETIC settlements 8 h apart ending at the clock; only paging is checked.
    now_ms = int(RECORDED_NOW_S * 1000) - 3_600_000  # last settlement one hour ago
    times = [now_ms - i * 8 * 3_600_000 for i in range(300)]

    def history(q):
        after = int(q.get("after", 2**62))
        rows = [{"instId": "BTC-USDT-SWAP", "instType": "SWAP", "fundingRate": "0.0001",
                 "realizedRate": "0.0001", "fundingTime": str(t), "method": "current_period"}
                for t in times if t < after][: int(q.get("limit", 100))]
        return 200, {"code": "0", "msg": "", "data": rows}

    replay = Replay(recorded.okx_routes({"/api/v5/public/funding-rate-history": history}))
    points = replay_service(replay, tmp_path).funding_history("BTC", days=60, exchange="okx").value
    since = int(RECORDED_NOW_S * 1000) - 60 * DAY_MS
    assert [p.time_ms for p in points] == sorted(t for t in times if t >= since)
    assert len(points) == 180  # 60 days × 3 a day
    assert replay.count("/api/v5/public/funding-rate-history") == 2  # 2 pages of 100 reach 66 days back
