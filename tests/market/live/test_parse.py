"""ccxt dicts to records: absent stays absent, precision modes, tiers' maintenance amount."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.errors import DataUnavailable
from perphedge.market.live import parse
from tests.market import recorded


def test_number_refuses_what_is_not_a_finite_number():
    assert [parse.number(x) for x in (None, "", "abc", float("nan"), True, "1.5", 2)] == \
        [None, None, None, None, None, 1.5, 2.0]
    assert parse.price("0") is None and parse.price("-1") is None and parse.price("3") == 3.0


def test_amount_step_in_each_precision_mode():
    assert parse.amount_step({"precision": {"amount": 3}}, parse.DECIMAL_PLACES, "x") == 0.001
    assert parse.amount_step({"precision": {"amount": 0.01}}, parse.TICK_SIZE, "x") == 0.01
    assert parse.amount_step({"precision": {"amount": None}}, parse.TICK_SIZE, "x") == 0.0
    assert parse.amount_step({"precision": {"amount": 4}}, parse.SIGNIFICANT_DIGITS, "x") == 0.0


@pytest.mark.parametrize("field, value, said", [
    (("precision", "amount"), -0.001, "amount step -0.001 negative"),
    (("limits", "amount", "min"), -1, "min amount -1 negative"),
    (("contractSize",), 0, "contract size 0 not positive"),
])
def test_a_negative_step_minimum_or_a_zero_contract_size_is_suspect_never_a_default(field, value, said):
    # a negative lot step used to become "no rounding", a zero contract size 1: both guesses
    from copy import deepcopy

    from perphedge.core.errors import ImplausibleFigure

    market = deepcopy(recorded.markets("okx")["BTC/USDT:USDT"])
    node = market
    for key in field[:-1]:
        node = node[key]
    node[field[-1]] = value
    with pytest.raises(ImplausibleFigure, match=said):
        parse.contract_spec(market, "okx", parse.TICK_SIZE)


def test_contract_spec_from_recorded_okx_market():
    spec = parse.contract_spec(recorded.markets("okx")["DOGE/USDT:USDT"], "okx", parse.TICK_SIZE)
    assert (spec.contract_size, spec.amount_step, spec.min_amount) == (1000.0, 0.01, 0.01)  # README: DOGE ctVal 1000
    assert (spec.maker_fee, spec.taker_fee) == (0.0002, 0.0005)


def test_binance_fixture_precision_is_decimal_places():
    # the recorded binance markets store decimals (fixtures README): 3 -> step 0.001
    spec = parse.contract_spec(recorded.markets("binance")["BTC/USDT:USDT"], "binanceusdm", parse.DECIMAL_PLACES)
    assert spec.amount_step == 0.001 and spec.min_amount == 0.001


def test_min_cost_is_ccxts_limits_cost_min_and_absent_stays_absent():
    # Binance USDⓈ-M records limits.cost.min 5 (its MIN_NOTIONAL filter, notional "5") for
    # BTC/USDT:USDT and ETH/USDT:USDT.
    binance = recorded.markets("binance")
    for symbol in ("BTC/USDT:USDT", "ETH/USDT:USDT"):
        assert parse.contract_spec(binance[symbol], "binanceusdm", parse.DECIMAL_PLACES).min_cost == 5.0
    # Bybit and OKX record {"min": None}; Binance COIN-M records no cost limit at all.
    assert parse.contract_spec(recorded.markets("bybit")["BTC/USDT:USDT"], "bybit",
                               parse.TICK_SIZE).min_cost is None
    assert parse.contract_spec(recorded.markets("okx")["BTC/USDT:USDT"], "okx",
                               parse.TICK_SIZE).min_cost is None
    assert parse.contract_spec(binance["BTC/USD:BTC"], "binancecoinm",
                               parse.DECIMAL_PLACES).min_cost is None


def test_min_cost_of_an_inverse_market_or_a_negative_figure_is_not_read():
    # Variations of a recorded market (the figures changed are labelled): ccxt's cost of an
    # inverse market is not a USD order value, and a negative minimum is no minimum.
    inverse = {**recorded.markets("binance")["BTC/USD:BTC"], "limits": {"cost": {"min": 5}}}
    assert parse.contract_spec(inverse, "binancecoinm", parse.DECIMAL_PLACES).min_cost is None
    linear = recorded.markets("binance")["BTC/USDT:USDT"]
    negative = {**linear, "limits": {**linear["limits"], "cost": {"min": -1}}}
    assert parse.contract_spec(negative, "binanceusdm", parse.DECIMAL_PLACES).min_cost is None
    text = {**linear, "limits": {**linear["limits"], "cost": {"min": "5.5"}}}
    assert parse.contract_spec(text, "binanceusdm", parse.DECIMAL_PLACES).min_cost == 5.5


def test_ticker_keeps_absent_prices_absent():
    t = parse.ticker("X/USDT:USDT", "okx", None, {"markPrice": 101.33, "timestamp": 5})
    assert (t.last_price, t.mark_price, t.index_price, t.timestamp_ms) == (None, 101.33, None, 5)
    with pytest.raises(DataUnavailable, match="no price"):
        parse.ticker("X/USDT:USDT", "okx", {"last": None}, {})


def test_funding_rate_requires_a_rate():
    with pytest.raises(DataUnavailable, match="no funding rate"):
        parse.funding_rate("X", "okx", {"fundingRate": None}, 8.0, "exchange")
    assert parse.interval_hours_from_text("4h") == 4.0 and parse.interval_hours_from_text(None) is None


def test_funding_points_sorted_unique_in_window():
    rows = [{"timestamp": 30, "fundingRate": 0.3}, {"timestamp": 10, "fundingRate": 0.1},
            {"timestamp": 10, "fundingRate": 0.1}, {"timestamp": 5, "fundingRate": 9}, {"timestamp": 20}]
    assert [(p.time_ms, p.rate_per_interval) for p in parse.funding_points(rows, 10, 30)] == [(10, 0.1), (30, 0.3)]


def test_daily_closes_drop_the_open_day():
    day = 86_400_000
    rows = [[0, 1, 1, 1, 10.0, 0], [day, 1, 1, 1, 11.0, 0], [2 * day, 1, 1, 1, 12.0, 0]]
    got = parse.daily_closes(rows, 0, 2 * day + 5)
    assert [(c.time_ms, c.close) for c in got] == [(0, 10.0), (day, 11.0)]


def test_binance_cum_brackets_recorded_in_ccxts_options():
    # ccxt's binance fixture header holds the real BTC/USDT:USDT brackets (notional floor, mmr);
    # without Binance's cum the continuity rule derives it. By hand for bracket 2:
    # 50,000 × (0.005 − 0.004) = 50; bracket 3: 50 + 250,000 × (0.01 − 0.005) = 1,300.
    brackets = recorded.responses("binance")["options"]["leverageBrackets"]["BTC/USDT:USDT"]
    rows = [{"tier": i + 1, "minNotional": float(lo),
             "maxNotional": float(brackets[i + 1][0]) if i + 1 < len(brackets) else None,
             "maintenanceMarginRate": float(mmr), "maxLeverage": 1.0, "info": {}}
            for i, (lo, mmr) in enumerate(brackets)]
    tiers = parse.leverage_tiers(rows, "binanceusdm", inverse=False)
    assert [t.maint_amount for t in tiers[:3]] == pytest.approx([0.0, 50.0, 1300.0])
    assert tiers[-1].max_notional == math.inf


def test_derived_maintenance_amounts_are_exact_decimals():
    # ETH/USDT:USDT's recorded brackets: 100,000 × (0.0065 − 0.005) = 150 exactly, where
    # binary floats give 149.99999999999997; then 150 + 250,000 × (0.01 − 0.0065) = 1,025.
    brackets = recorded.responses("binance")["options"]["leverageBrackets"]["ETH/USDT:USDT"]
    assert 100_000.0 * (0.0065 - 0.005) != 150.0
    rows = [{"tier": i + 1, "minNotional": float(lo),
             "maxNotional": float(brackets[i + 1][0]) if i + 1 < len(brackets) else None,
             "maintenanceMarginRate": float(mmr), "maxLeverage": 1.0, "info": {}}
            for i, (lo, mmr) in enumerate(brackets)]
    tiers = parse.leverage_tiers(rows, "binanceusdm", inverse=False)
    assert [t.maint_amount for t in tiers[:3]] == [0.0, 150.0, 1025.0]


@given(st.lists(st.tuples(st.floats(1, 1e6), st.floats(0.0001, 0.05)), min_size=1, max_size=8))
def test_maintenance_margin_is_continuous_at_every_boundary(steps):
    lo, mmr, rows = 0.0, 0.0, []
    for width, add in steps:
        mmr = min(mmr + add, 1.0)
        rows.append({"minNotional": lo, "maxNotional": lo + width, "maintenanceMarginRate": mmr,
                     "maxLeverage": 10, "info": {}})
        lo += width
    tiers = parse.leverage_tiers(rows, "bybit", inverse=False)
    for a, b in zip(tiers, tiers[1:]):
        at = b.min_notional
        assert at * a.mmr - a.maint_amount == pytest.approx(at * b.mmr - b.maint_amount, rel=1e-9, abs=1e-6)


def test_unusable_exchange_figures_are_unavailable_not_bad_input():
    # an exchange answer that breaks a record's rules is the exchange's fault, not the user's
    with pytest.raises(DataUnavailable, match="unusable leverage tier"):
        parse.leverage_tiers([{"minNotional": 0, "maxNotional": 10, "maintenanceMarginRate": 2.0,
                               "maxLeverage": 10, "info": {}}], "bybit", inverse=False)
    market = {**recorded.markets("okx")["BTC/USDT:USDT"], "contractSize": -1}
    with pytest.raises(DataUnavailable, match="okx sent contract size -1 not positive"):
        parse.contract_spec(market, "okx", parse.TICK_SIZE)


def test_bybit_inverse_tiers_are_bracketed_in_the_coin():
    # Bybit's documented /v5/market/risk-limit example for category=inverse, BTCUSD, has
    # riskLimitValue "150": 150 BTC (a 150 USD cap would be 150 one-dollar contracts). The
    # second tier and the rates are SYNTHETIC inputs. Parsed by ccxt's own bybit code, then ours.
    import ccxt

    ex = ccxt.bybit()
    ex.set_markets(recorded.markets("bybit"))
    info = [{"id": 1, "symbol": "BTCUSD", "riskLimitValue": "150", "maintenanceMargin": "0.005",
             "initialMargin": "0.01", "isLowestRisk": 1, "maxLeverage": "100.00"},
            {"id": 2, "symbol": "BTCUSD", "riskLimitValue": "300", "maintenanceMargin": "0.01",
             "initialMargin": "0.015", "isLowestRisk": 0, "maxLeverage": "66.66"}]
    rows = ex.parse_market_leverage_tiers(info, ex.market("BTC/USD:BTC"))
    tiers = parse.leverage_tiers(rows, "bybit", inverse=True)
    assert [t.notional_unit for t in tiers] == ["base", "base"]
    assert [(t.min_notional, t.max_notional) for t in tiers] == [(0.0, 150.0), (150.0, 300.0)]
    # the continuity amount is then in the coin: 150 × (0.01 − 0.005) = 0.75 BTC
    assert tiers[1].maint_amount == pytest.approx(0.75)
