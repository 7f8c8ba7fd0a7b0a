"""SnapshotSource answering like the market service, from the shipped snapshot: the
recorded figures with their own dates, every status marked as recorded, absent figures
reported as absent.

Expected values are read independently from the fixture files or written out by hand
from the fixtures README.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perphedge.core.errors import DataUnavailable, InvalidInput
from perphedge.core.liquidation import tier_for_notional
from perphedge.core.marketdata import (
    ContractSpec,
    DailyClose,
    FundingPoint,
    FundingRate,
    LeverageTier,
    Observed,
    Ticker,
)
from tests.market.snapshots import SOURCE, csv_rows, fixture_json, response, snapshot_status_is

# ----------------------------------------------------------------------------- source


def test_ticker_is_the_mark_price_at_the_last_settlement(source):
    last = csv_rows("BTC")[-1]
    obs = source.ticker("BTC")
    assert isinstance(obs, Observed) and isinstance(obs.value, Ticker)
    assert obs.value.mark_price == float(last["markPrice"])
    assert obs.value.last_price is None and obs.value.index_price is None
    snapshot_status_is(obs.status, int(last["fundingTime"]), "2026-10-03 08:00 UTC")
    assert obs.status.text(obs.status.as_of_ms).startswith("stale: recorded snapshot: price recorded 2026-10-03")


def test_mark_index_is_the_recorded_mark_price_without_a_last_price(source):
    last = csv_rows("BTC")[-1]
    obs = source.mark_index("BTC")
    assert (obs.value.last_price, obs.value.mark_price, obs.value.index_price) == \
        (None, float(last["markPrice"]), None)
    snapshot_status_is(obs.status, int(last["fundingTime"]), "2026-10-03 08:00 UTC")
    # Bybit's recorded answer (2024-11-04) carries both, as ccxt parsed it
    parsed = response("bybit", "fetchFundingRate", "fetchFundingRate")["parsedResponse"]
    bybit = source.mark_index("BTC", "bybit")
    assert (bybit.value.mark_price, bybit.value.index_price) == (parsed["markPrice"], parsed["indexPrice"])
    snapshot_status_is(bybit.status, 1730730080834, "2024-11-04 14:21 UTC")


def test_funding_rate_is_the_last_settled_rate(source):
    last = csv_rows("ETH")[-1]
    obs = source.funding("ETHUSDT")
    assert isinstance(obs.value, FundingRate)
    assert obs.value.rate_per_interval == float(last["fundingRate"])
    assert obs.value.mark_price == float(last["markPrice"])
    assert (obs.value.interval_hours, obs.value.interval_source) == (8.0, "history")
    assert obs.value.symbol == "ETH/USDT:USDT" and obs.value.exchange == "binanceusdm"
    snapshot_status_is(obs.status, int(last["fundingTime"]), "2026-10-03 08:00 UTC")


def test_bybit_funding_keeps_its_own_date(source):
    obs = source.funding("BTC", "bybit")
    # 1730730080834 ms = 2024-11-04 14:21:20.834 UTC (the recorded response time)
    assert obs.value.rate_per_interval == 0.0001 and obs.value.interval_source == "exchange"
    assert obs.value.next_funding_ms == 1730736000000
    snapshot_status_is(obs.status, 1730730080834, "2024-11-04 14:21 UTC")


def test_contract_spec_of_binance_converts_decimal_places(source):
    obs = source.contract_spec("BTC")
    assert isinstance(obs.value, ContractSpec)
    assert (obs.value.contract_size, obs.value.amount_step, obs.value.min_amount) == (1.0, 0.001, 0.001)
    assert obs.value.inverse is False and obs.value.settle == "USDT"
    assert source.contract_spec("ADA").value.amount_step == 1.0   # 0 decimals
    assert source.contract_spec("XRP").value.amount_step == 0.1   # 1 decimal
    assert obs.status.stale and "not before 2020-08-18" in obs.status.reason


def test_funding_history_counts_back_from_the_snapshots_last_point(source):
    rows = csv_rows("BTC")
    last = int(rows[-1]["fundingTime"])
    one_day = source.funding_history("BTC", 1).value
    assert len(one_day) == 3 and one_day[-1].time_ms == last
    assert all(isinstance(p, FundingPoint) for p in one_day)
    assert [p.rate_per_interval for p in one_day] == [float(r["fundingRate"]) for r in rows[-3:]]
    assert len(source.funding_history("BTC", 30).value) == 90
    assert len(source.funding_history("BTC", 90).value) == 270
    assert len(source.funding_history("BTC", 365).value) == 271  # all that was recorded
    assert source.funding_history("BTC", 30).status.as_of_ms == last


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=24 * 120))
def test_funding_window_holds_the_settlements_of_the_last_hours(hours):
    # 8-hourly settlements, the newest included, the one exactly `hours` back excluded:
    # a window of h hours holds ceil(h / 8) of them, at most the 271 recorded.
    points = SOURCE.funding_history("BTC", hours / 24).value
    assert len(points) == min(271, -(-hours // 8))
    assert points[-1].time_ms == int(csv_rows("BTC")[-1]["fundingTime"])


@pytest.mark.parametrize("bad", [0, -1, "30", float("nan"), None])
def test_funding_history_refuses_bad_days(source, bad):
    with pytest.raises(InvalidInput, match="days"):
        source.funding_history("BTC", bad)


def test_daily_closes_are_midnight_mark_prices_and_say_so(source):
    obs = source.daily_closes("ETH", 400)
    # the 08:00-to-08:00 window holds the midnights 2026-07-06 to 2026-10-03
    assert len(obs.value) == 90 and all(isinstance(c, DailyClose) for c in obs.value)
    assert all(datetime.fromtimestamp(c.time_ms / 1000, UTC).hour == 0 for c in obs.value)
    assert "mark price at the 00:00 UTC funding settlement" in obs.status.reason
    assert len(source.daily_closes("ETH", 2).value) == 2


def test_mark_history_serves_the_8_hourly_series(source):
    rows = csv_rows("ETH")
    obs = source.mark_history("ETH", 90)
    assert [p for _, p in obs.value] == [float(r["markPrice"]) for r in rows[1:]]


def test_spot_price_on_a_perp_exchange_is_absent_and_says_where_one_was_recorded(source):
    with pytest.raises(DataUnavailable) as err:
        source.spot_price("BTC")
    text = str(err.value)
    assert "spot price for BTC on binanceusdm is not in the recorded snapshot" in text
    assert "binance BTC/USDT (2025-07-29)" in text


def test_spot_price_recorded_on_its_own_exchange_keeps_its_date(source):
    parsed = response("binance", "fetchTickers", "rolling tickers")["parsedResponse"]["BTC/USDT"]
    obs = source.spot_price("BTC", "binance")
    assert obs.value == parsed["last"]
    snapshot_status_is(obs.status, parsed["timestamp"], "2025-07-29 11:39 UTC")
    okx = response("okx", "fetchTicker", "public spot ticker")["parsedResponse"]
    assert source.spot_price("BTC", "okx").value == okx["last"]


def _brackets(symbol: str) -> list[list[str]]:
    return fixture_json("ccxt/responses/binance.json")["options"]["leverageBrackets"][symbol]


def test_binanceusdm_btc_tiers_are_the_recorded_brackets_with_exact_amounts(source):
    obs = source.leverage_tiers("BTC")
    tiers = obs.value
    assert all(isinstance(t, LeverageTier) for t in tiers)
    recorded = _brackets("BTC/USDT:USDT")
    assert [(t.tier, t.min_notional, t.mmr) for t in tiers] == \
        [(i, float(f), float(r)) for i, (f, r) in enumerate(recorded, start=1)]
    assert [t.max_notional for t in tiers[:-1]] == [float(f) for f, _ in recorded[1:]]
    # Binance's FAQ: 50,000 × (0.5 % − 0.4 %) = 50; 250,000 × (1 % − 0.5 %) + 50 = 1,300;
    # on by hand: + 3,000,000 × 1.5 % = 46,300; + 20M × 2.5 % = 546,300; + 40M × 5 % =
    # 2,546,300; + 100M × 2.5 % = 5,046,300; + 120M × 2.5 % = 8,046,300; + 200M × 10 % =
    # 28,046,300; + 300M × 25 % = 103,046,300.
    assert [t.maint_amount for t in tiers] == [0, 50, 1_300, 46_300, 546_300, 2_546_300,
                                               5_046_300, 8_046_300, 28_046_300, 103_046_300]
    assert all(t.max_leverage is None and t.notional_unit == "quote" for t in tiers)
    # No cap is recorded above the last floor: the last tier covers any larger short, and
    # the status says where the recording stops.
    assert tiers[-1].max_notional == float("inf")
    assert tier_for_notional(tiers, 1e12) == tiers[-1]
    st_ = obs.status
    assert (st_.source, st_.stale, st_.as_of_ms) == ("snapshot", True, 0)
    assert st_.reason.startswith("recorded snapshot: leverage tiers: undated") and st_.as_of_ms == 0
    assert "options.leverageBrackets" in st_.reason
    assert "lists tiers only up to the floor 300,000,000 USDT" in st_.reason
    assert "maximum leverage not recorded" in st_.reason


def test_a_50m_btcusdt_short_is_in_the_sixth_tier_not_the_first(source):
    # 50,000,000 USDT lies in [40M, 100M): MMR 10 %, amount 2,546,300, so the maintenance
    # margin is 5,000,000 − 2,546,300 = 2,453,700 USDT, not the first tier's 0.4 % × 50M
    # = 200,000.
    t = tier_for_notional(source.leverage_tiers("BTC").value, 50_000_000)
    assert (t.tier, t.mmr, t.maint_amount) == (6, 0.1, 2_546_300)
    assert 50_000_000 * t.mmr - t.maint_amount == 2_453_700


def test_binancecoinm_btc_tiers_are_bracketed_in_the_coin(source):
    obs = source.leverage_tiers("BTC/USD:BTC", "binancecoinm")
    tiers = obs.value
    recorded = _brackets("BTC/USD:BTC")
    assert [(t.min_notional, t.mmr) for t in tiers] == [(float(f), float(r)) for f, r in recorded]
    assert {t.notional_unit for t in tiers} == {"base"}
    # By hand, in BTC: 5 × 0.1 % = 0.005; + 10 × 0.5 % = 0.055; + 20 × 1.5 % = 0.355;
    # + 50 × 2.5 % = 1.605; + 100 × 5 % = 6.605; + 200 × 2.5 % = 11.605; + 400 × 2.5 % =
    # 21.605; + 1,000 × 10 % = 121.605; + 1,500 × 25 % = 496.605 (floats would give
    # 0.35500000000000004, 21.604999999999997, 121.60499999999999).
    assert [t.maint_amount for t in tiers] == [0, 0.005, 0.055, 0.355, 1.605, 6.605, 11.605,
                                               21.605, 121.605, 496.605]
    assert obs.status.reason.startswith("recorded snapshot: leverage tiers: undated")
    assert "lists tiers only up to the floor 1,500 BTC" in obs.status.reason


def test_eth_ltc_ada_usdm_tiers_are_recorded_too(source):
    # ETH by hand: 100,000 × 0.15 % = 150; + 250,000 × 0.35 % = 1,025.
    assert [t.maint_amount for t in source.leverage_tiers("ETH").value[:3]] == [0, 150, 1_025]
    # LTC and ADA share a table: 10,000 × 0.35 % = 35; + 50,000 × 1 % = 535.
    for coin in ("LTC", "ADA"):
        assert [t.maint_amount for t in source.leverage_tiers(coin).value[:3]] == [0, 35, 535]


def test_markets_without_recorded_tiers_still_say_so(source):
    for symbol, exchange in (("BTC", "bybit"), ("BTC", "okx"), ("XRP", "binanceusdm"),
                             ("ETH/USD:ETH", "binancecoinm")):
        with pytest.raises(DataUnavailable, match="holds no recorded leverage tiers for this market") as err:
            source.leverage_tiers(symbol, exchange)
        assert "recorded only as ccxt's Binance response file's undated" in str(err.value)


def test_absent_figures_raise_data_unavailable(source):
    with pytest.raises(DataUnavailable, match="ADA/USDT:USDT on binanceusdm is not in the recorded"):
        source.ticker("ADA")
    with pytest.raises(DataUnavailable, match="funding rate for BTC/USDT:USDT on okx"):
        source.funding("BTC", "okx")
    with pytest.raises(DataUnavailable, match="funding history"):
        source.funding_history("ETH", 30, "bybit")
    with pytest.raises(DataUnavailable, match="daily closes"):
        source.daily_closes("BTC", 30, "bybit")


def test_status_is_of_the_newest_price_data(source):
    snapshot_status_is(source.status("BTC"), int(csv_rows("BTC")[-1]["fundingTime"]),
                     "2026-10-03 08:00 UTC")
    spec_only = source.status("ADA", "okx")
    assert spec_only.stale and "recording date not stated" in spec_only.reason


def test_market_rows_one_bad_symbol_never_costs_the_others(source):
    rows = source.market_rows([("BTC", None), ("NOPE", None), ("BTC", "bybit"), ("ETH", "kraken"),
                               ("BTC", "okx")])
    btc, bad, bybit, bad_exchange, okx = rows
    last = csv_rows("BTC")[-1]
    assert (btc.symbol, btc.exchange) == ("BTC/USDT:USDT", "binanceusdm")
    assert btc.mark_price == float(last["markPrice"]) and btc.spot_price is None
    assert btc.rate_per_interval == float(last["fundingRate"]) and btc.interval_hours == 8.0
    assert (btc.contract_size, btc.amount_step, btc.min_amount, btc.inverse) == (1.0, 0.001, 0.001, False)
    assert btc.mmr is None and btc.maint_amount is None
    snapshot_status_is(btc.status, int(last["fundingTime"]), "2026-10-03 08:00 UTC")
    for row in (bad, bad_exchange):
        assert row.status.stale and row.mark_price is None and row.contract_size is None
    assert "not in the recorded snapshot" in bad.status.reason
    assert "kraken" in bad_exchange.status.reason
    assert (bybit.mark_price, bybit.index_price, bybit.next_funding_ms) == (68591.46, 68599.9, 1730736000000)
    assert okx.spot_price == 73384.8 and okx.mark_price is None and okx.contract_size == 0.01
    # OKX's recording holds the spot quote and an undated perp spec: the date is the spot's,
    # the spec's listing-time bound (2023-12-15) is no row's date
    assert okx.status.reason == ("recorded snapshot: spot price recorded 2024-03-13 11:10 UTC; "
                                 "no perp price or funding recorded")


def test_a_row_with_only_an_undated_spec_has_no_as_of_and_says_what_its_date_bound_is():
    # fixtures README: ccxt's recorded Binance markets are undated; the newest listing time
    # in the file is 2020-08-18. ADA is in the markets file but has no recorded price.
    [ada] = SOURCE.market_rows([("ADA/USDT:USDT", "binanceusdm")])
    assert ada.contract_size == 1.0 and ada.mark_price is None and ada.rate_per_interval is None
    assert ada.status.as_of_ms == 0 and ada.status.undated
    assert ada.status.reason == (
        "recorded snapshot: no perp price or funding recorded; contract spec: recording date "
        "not stated; not before 2020-08-18 (newest listing time in the file)")
    spec = SOURCE.contract_spec("ADA/USDT:USDT", "binanceusdm").status
    assert spec.undated and "2020-08-18" not in spec.text(0).split("(")[-1]   # no age from a listing time
