"""The embedded snapshot: every number traced to the recorded fixture files, absent data
reported as absent, and SnapshotSource answering like the market service.

Expected values are read independently from the fixture files (the CSV with the csv
module, ccxt's own ``parsedResponse`` where it has one, Binance's raw ``LOT_SIZE`` filter
for amount steps) or written out by hand from the fixtures README.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perphedge.core.errors import DataUnavailable, InvalidInput, UnknownSymbol
from perphedge.core.marketdata import (
    ContractSpec,
    DailyClose,
    DataStatus,
    FundingPoint,
    FundingRate,
    LeverageTier,
    Observed,
    Ticker,
)
from perphedge.market.snapshot import (
    EMBEDDED_PATH,
    SNAPSHOT_ENV,
    NotInSnapshot,
    SnapshotAnswer,
    SnapshotSource,
    absent_figures,
    load_snapshot,
    record_snapshot,
    write_snapshot,
)
from perphedge.market.snapshot_build import (
    build_snapshot,
    decimal_places_to_step,
    dumps,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BTSPACEC = FIXTURES / "history" / "BTspaceC__crypto-swing-backtest"
MIT_FILES = re.compile(r"^(ccxt/|history/BTspaceC__crypto-swing-backtest/)")


def shipped() -> dict:
    return json.loads(EMBEDDED_PATH.read_text(encoding="utf-8"))


def csv_rows(coin: str) -> list[dict[str, str]]:
    with (BTSPACEC / f"{coin}USDT_funding.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def fixture_json(rel: str):
    return json.loads((FIXTURES / rel).read_text(encoding="utf-8"))


def response(exchange: str, method: str, description: str) -> dict:
    for e in fixture_json(f"ccxt/responses/{exchange}.json")["methods"][method]:
        if e["description"] == description:
            return e
    raise AssertionError(f"{exchange} {method} {description} not in fixtures")


SOURCE = SnapshotSource(load_snapshot(EMBEDDED_PATH))


@pytest.fixture(scope="module")
def source() -> SnapshotSource:
    return SOURCE


# ----------------------------------------------------------------------------- provenance

def test_rebuilding_from_the_fixture_files_gives_the_shipped_bytes():
    assert dumps(build_snapshot(FIXTURES)) == EMBEDDED_PATH.read_text(encoding="utf-8")


def test_build_is_deterministic():
    assert dumps(build_snapshot(FIXTURES)) == dumps(build_snapshot(FIXTURES))


def test_inputs_are_the_published_fixture_files_and_all_mit():
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    published = dict((path, digest) for digest, path in
                     re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, flags=re.M))
    sources = shipped()["sources"]
    assert {s["file"] for s in sources} == {p for p in published if MIT_FILES.match(p)}
    for s in sources:
        assert s["licence"] == "MIT"
        assert s["sha256"] == published[s["file"]]
        assert hashlib.sha256((FIXTURES / s["file"]).read_bytes()).hexdigest() == s["sha256"]
        assert re.fullmatch(r"[0-9a-f]{40}", s["commit"]) and s["commit"] in readme


def test_every_figure_has_a_source_and_a_date_and_comes_from_an_mit_file():
    doc = shipped()
    files = {s["file"] for s in doc["sources"]}
    for m in doc["markets"]:
        for kind, f in m["figures"].items():
            assert f["file"] in files, (m["exchange"], m["symbol"], kind)
            assert "(MIT)" in f["source"]
            assert isinstance(f["as_of_ms"], int) and f["as_of_ms"] > 1_500_000_000_000
    assert doc["live"] is False
    assert "NOT live" in doc["description"]


def test_snapshot_stays_small():
    assert EMBEDDED_PATH.stat().st_size < 300_000


def _trace_specs(doc: dict) -> set:
    traced = set()
    venue = {"binanceusdm": "binance", "binancecoinm": "binance", "bybit": "bybit", "okx": "okx"}
    for m in doc["markets"]:
        spec = m["figures"].get("contract_spec")
        if spec is None:
            continue
        raw = fixture_json(f"ccxt/markets/{venue[m['exchange']]}.json")[m["symbol"]]
        assert raw["swap"] and raw["id"] == m["id"]
        assert spec["contract_size"] == float(raw["contractSize"])
        assert spec["min_amount"] == float(raw["limits"]["amount"]["min"])
        assert spec["inverse"] is raw["inverse"]
        assert spec["settle"] == raw["settle"]
        assert spec["maker_fee"] == raw["maker"] and spec["taker_fee"] == raw["taker"]
        if venue[m["exchange"]] == "binance":
            # Binance stores decimals; the exchange's own LOT_SIZE step is the check.
            lot = next(f for f in raw["info"]["filters"] if f["filterType"] == "LOT_SIZE")
            assert spec["amount_step"] == float(lot["stepSize"])
            assert m["exchange"] == ("binancecoinm" if raw["inverse"] else "binanceusdm")
        else:
            assert spec["amount_step"] == float(raw["precision"]["amount"])
        traced.add((m["exchange"], m["symbol"], "contract_spec"))
    return traced


def _trace_binance_history(doc: dict) -> set:
    traced = set()
    markets = {(m["exchange"], m["symbol"]): m for m in doc["markets"]}
    for coin in ("BTC", "ETH"):
        rows = csv_rows(coin)
        figs = markets[("binanceusdm", f"{coin}/USDT:USDT")]["figures"]
        times = [int(r["fundingTime"]) for r in rows]
        assert figs["funding_history"]["points"] == [[int(r["fundingTime"]), float(r["fundingRate"])]
                                                    for r in rows]
        assert figs["mark_history"]["points"] == [[int(r["fundingTime"]), float(r["markPrice"])]
                                                 for r in rows]
        midnight = [[int(r["fundingTime"]), float(r["markPrice"])] for r in rows
                    if datetime.fromtimestamp(int(r["fundingTime"]) / 1000, UTC).hour == 0]
        assert figs["daily_closes"]["points"] == midnight and len(midnight) == 91
        last = rows[-1]
        funding, ticker = figs["funding"], figs["ticker"]
        assert funding["rate_per_interval"] == float(last["fundingRate"])
        assert funding["mark_price"] == float(last["markPrice"])
        assert funding["timestamp_ms"] == funding["as_of_ms"] == int(last["fundingTime"])
        assert funding["interval_hours"] == 8.0 and funding["interval_source"] == "history"
        assert funding["index_price"] is None and funding["next_funding_ms"] is None
        assert ticker["mark_price"] == float(last["markPrice"])
        assert ticker["last_price"] is None and ticker["index_price"] is None
        assert ticker["as_of_ms"] == max(times)
        traced |= {("binanceusdm", f"{coin}/USDT:USDT", k) for k in
                   ("funding_history", "mark_history", "daily_closes", "funding", "ticker")}
    return traced


def _trace_responses(doc: dict) -> set:
    markets = {(m["exchange"], m["symbol"]): m["figures"] for m in doc["markets"]}
    parsed = response("binance", "fetchTickers", "rolling tickers")["parsedResponse"]
    for sym in ("BTC/USDT", "ETH/USDT"):
        t = markets[("binance", sym)]["ticker"]
        assert t["last_price"] == parsed[sym]["last"]
        assert t["as_of_ms"] == t["timestamp_ms"] == parsed[sym]["timestamp"]
        assert t["mark_price"] is None and t["index_price"] is None

    okx = response("okx", "fetchTicker", "public spot ticker")["parsedResponse"]
    t = markets[("okx", "BTC/USDT")]["ticker"]
    assert (t["last_price"], t["as_of_ms"]) == (okx["last"], okx["timestamp"])

    entry = response("bybit", "fetchFundingRate", "fetchFundingRate")
    p = entry["parsedResponse"]
    f, t = markets[("bybit", "BTC/USDT:USDT")]["funding"], markets[("bybit", "BTC/USDT:USDT")]["ticker"]
    assert f["rate_per_interval"] == p["fundingRate"] and p["interval"] == "8h"
    assert (f["mark_price"], f["index_price"]) == (p["markPrice"], p["indexPrice"])
    assert f["next_funding_ms"] == p["fundingTimestamp"] and f["as_of_ms"] == p["timestamp"]
    assert f["interval_hours"] == 8.0 and f["interval_source"] == "exchange"
    assert (t["mark_price"], t["index_price"], t["as_of_ms"]) == (p["markPrice"], p["indexPrice"],
                                                                   p["timestamp"])
    assert t["last_price"] == float(entry["httpResponse"]["result"]["list"][0]["lastPrice"])

    entry = response("bybit", "fetchFundingHistory", "linear funding history")
    raw = sorted((int(r["execTime"]), float(r["feeRate"]))
                 for r in entry["httpResponse"]["result"]["list"])
    hist = markets[("bybit", "LTC/USDT:USDT")]["funding_history"]["points"]
    assert [tuple(p) for p in hist] == raw and len(raw) == 14
    for item in entry["parsedResponse"]:  # ccxt's own parse agrees on the rates it kept
        assert [item["timestamp"], item["rate"]] in hist
    f = markets[("bybit", "LTC/USDT:USDT")]["funding"]
    assert (f["timestamp_ms"], f["rate_per_interval"]) == raw[-1]
    return {("binance", "BTC/USDT", "ticker"), ("binance", "ETH/USDT", "ticker"),
            ("okx", "BTC/USDT", "ticker"), ("bybit", "BTC/USDT:USDT", "funding"),
            ("bybit", "BTC/USDT:USDT", "ticker"), ("bybit", "LTC/USDT:USDT", "funding_history"),
            ("bybit", "LTC/USDT:USDT", "funding")}


def test_every_figure_in_the_shipped_snapshot_equals_the_recorded_value():
    doc = shipped()
    traced = _trace_specs(doc) | _trace_binance_history(doc) | _trace_responses(doc)
    held = {(m["exchange"], m["symbol"], k) for m in doc["markets"] for k in m["figures"]}
    assert held == traced  # nothing shipped that no test traced


def test_contract_sizes_match_the_fixtures_readme(source):
    # Hand-copied from the fixtures README: OKX BTC 0.01, ETH 0.1, XRP/ADA 100, DOGE/TRX 1000;
    # OKX and Binance BTC/USD:BTC 100 USD; Binance ETH/USD:ETH 10 USD.
    expected = {("okx", "BTC"): 0.01, ("okx", "ETH"): 0.1, ("okx", "XRP"): 100,
                ("okx", "ADA"): 100, ("okx", "DOGE"): 1000, ("okx", "TRX"): 1000,
                ("okx", "BTC/USD:BTC"): 100, ("binancecoinm", "BTC/USD:BTC"): 100,
                ("binancecoinm", "ETH/USD:ETH"): 10, ("binanceusdm", "BTC"): 1,
                ("bybit", "ETH"): 1}
    for (exchange, symbol), size in expected.items():
        assert source.contract_spec(symbol, exchange).value.contract_size == size


# ----------------------------------------------------------------------------- build helpers

@pytest.mark.parametrize(("places", "step"), [(0, 1.0), (1, 0.1), (2, 0.01), (3, 0.001), (5, 0.00001)])
def test_decimal_places_become_a_step(places, step):
    assert decimal_places_to_step(places) == step


@given(st.integers(min_value=0, max_value=15))
def test_step_is_the_decimal_literal_for_any_number_of_places(places):
    assert decimal_places_to_step(places) == float(f"1e-{places}")


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3", None])
def test_decimal_places_refuse_what_is_not_a_count(bad):
    with pytest.raises(InvalidInput, match="precision.amount"):
        decimal_places_to_step(bad)


def test_build_names_missing_fixture_files(tmp_path):
    with pytest.raises(InvalidInput, match="ccxt/markets/binance.json"):
        build_snapshot(tmp_path)


# ----------------------------------------------------------------------------- loading

def test_snapshot_says_it_is_recorded_and_dated():
    snap = load_snapshot()
    assert snap.figures[("okx", "BTC/USDT")]["ticker"].as_of_ms == 1710328243709
    last = int(csv_rows("BTC")[-1]["fundingTime"])
    assert snap.recorded_at_ms == last  # 2026-03-20 00:00 UTC settlement, the newest figure
    assert "NOT live" in snap.description and "2026-03-20" in snap.description
    assert snap.figure("binanceusdm", "BTC/USDT:USDT", "ticker").source.startswith(
        "BTspaceC/crypto-swing-backtest data/BTCUSDT_funding.csv")


def test_load_refuses_missing_and_malformed_files(tmp_path):
    with pytest.raises(InvalidInput, match="path"):
        load_snapshot(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InvalidInput, match="path"):
        load_snapshot(bad)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": 99, "markets": []}))
    with pytest.raises(InvalidInput, match="format"):
        load_snapshot(other)
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"format": 1, "markets": [{"exchange": "x"}]}))
    with pytest.raises(InvalidInput, match="not a perphedge snapshot"):
        load_snapshot(partial)


def test_environment_points_at_another_snapshot_file(tmp_path):
    copy = tmp_path / "mine.json"
    copy.write_bytes(EMBEDDED_PATH.read_bytes())
    assert load_snapshot(environ={SNAPSHOT_ENV: str(copy)}).path == str(copy)
    assert load_snapshot(environ={}).path == str(EMBEDDED_PATH)


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


# ----------------------------------------------------------------------------- source

def _snapshot_status(status: DataStatus, as_of_ms: int, date_text: str) -> None:
    assert status.source == "snapshot"
    assert status.as_of_ms == as_of_ms
    assert status.stale is True
    assert status.reason.startswith(f"recorded snapshot of {date_text}")


def test_ticker_is_the_mark_price_at_the_last_settlement(source):
    last = csv_rows("BTC")[-1]
    obs = source.ticker("BTC")
    assert isinstance(obs, Observed) and isinstance(obs.value, Ticker)
    assert obs.value.mark_price == float(last["markPrice"])
    assert obs.value.last_price is None and obs.value.index_price is None
    _snapshot_status(obs.status, int(last["fundingTime"]), "2026-03-20 00:00 UTC")
    assert obs.status.text(obs.status.as_of_ms).startswith("stale: recorded snapshot of 2026-03-20")


def test_funding_rate_is_the_last_settled_rate(source):
    last = csv_rows("ETH")[-1]
    obs = source.funding("ETHUSDT")
    assert isinstance(obs.value, FundingRate)
    assert obs.value.rate_per_interval == float(last["fundingRate"])
    assert obs.value.mark_price == float(last["markPrice"])
    assert (obs.value.interval_hours, obs.value.interval_source) == (8.0, "history")
    assert obs.value.symbol == "ETH/USDT:USDT" and obs.value.exchange == "binanceusdm"
    _snapshot_status(obs.status, int(last["fundingTime"]), "2026-03-20 00:00 UTC")


def test_bybit_funding_keeps_its_own_date(source):
    obs = source.funding("BTC", "bybit")
    # 1730730080834 ms = 2024-11-04 14:21:20.834 UTC (the recorded response time)
    assert obs.value.rate_per_interval == 0.0001 and obs.value.interval_source == "exchange"
    assert obs.value.next_funding_ms == 1730736000000
    _snapshot_status(obs.status, 1730730080834, "2024-11-04 14:21 UTC")


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
    assert len(obs.value) == 91 and all(isinstance(c, DailyClose) for c in obs.value)
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
    _snapshot_status(obs.status, parsed["timestamp"], "2025-07-29 11:39 UTC")
    okx = response("okx", "fetchTicker", "public spot ticker")["parsedResponse"]
    assert source.spot_price("BTC", "okx").value == okx["last"]


def test_leverage_tiers_are_absent(source):
    for exchange in ("binanceusdm", "bybit", "okx"):
        with pytest.raises(DataUnavailable, match="holds no recorded leverage tiers"):
            source.leverage_tiers("BTC", exchange)


def test_absent_figures_raise_data_unavailable(source):
    with pytest.raises(DataUnavailable, match="ADA/USDT:USDT on binanceusdm is not in the recorded"):
        source.ticker("ADA")
    with pytest.raises(DataUnavailable, match="funding rate for BTC/USDT:USDT on okx"):
        source.funding("BTC", "okx")
    with pytest.raises(DataUnavailable, match="funding history"):
        source.funding_history("ETH", 30, "bybit")
    with pytest.raises(DataUnavailable, match="daily closes"):
        source.daily_closes("BTC", 30, "bybit")


def test_absent_list_of_the_binance_btc_perp(source):
    market = source.snapshot.market("binanceusdm", "BTC/USDT:USDT")
    absent = [what for what, _ in absent_figures(source.snapshot, market)]
    assert absent == ["leverage_tiers", "last price", "index price", "spot price"]


def test_status_is_of_the_newest_price_data(source):
    _snapshot_status(source.status("BTC"), int(csv_rows("BTC")[-1]["fundingTime"]),
                     "2026-03-20 00:00 UTC")
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
    _snapshot_status(btc.status, int(last["fundingTime"]), "2026-03-20 00:00 UTC")
    for row in (bad, bad_exchange):
        assert row.status.stale and row.mark_price is None and row.contract_size is None
    assert "not in the recorded snapshot" in bad.status.reason
    assert "kraken" in bad_exchange.status.reason
    assert (bybit.mark_price, bybit.index_price, bybit.next_funding_ms) == (68591.46, 68599.9, 1730736000000)
    assert okx.spot_price == 73384.8 and okx.mark_price is None and okx.contract_size == 0.01
    assert okx.status.reason == "recorded snapshot of 2024-03-13 11:10 UTC"


# ----------------------------------------------------------------------------- record

class FakeService:
    """A stand-in for MarketService. Its answers are synthetic inputs to the recorder (the
    numbers are the Bybit BTC figures recorded in the fixtures, reused as plain inputs)."""

    def __init__(self, source: str = "bybit") -> None:
        self.source = source
        self.t = 1730730080834

    def _status(self, ms: int | None = None) -> DataStatus:
        return DataStatus(self.source, ms or self.t)

    def resolve(self, symbol, exchange=None):
        if symbol.upper() not in ("BTC", "BTC/USDT:USDT"):
            raise NotInSnapshot(symbol, exchange)  # an UnknownSymbol, as the live service raises
        return "BTC/USDT:USDT"

    def contract_spec(self, symbol, exchange=None):
        return Observed(ContractSpec(symbol, exchange, 1.0, 0.001, 0.001, False, "USDT", 0.0001, 0.0006),
                        self._status())

    def ticker(self, symbol, exchange=None):
        return Observed(Ticker(symbol, exchange, 68577.5, 68591.46, 68599.9, self.t), self._status())

    def spot_price(self, symbol, exchange=None):
        raise DataUnavailable("no spot market answered", exchange)

    def funding(self, symbol, exchange=None):
        return Observed(FundingRate(symbol, exchange, 0.0001, 8.0, "exchange", 1730736000000, self.t,
                                    68591.46, 68599.9), self._status())

    def funding_history(self, symbol, days=30, exchange=None):
        return Observed((FundingPoint(1710892800000, 0.0001), FundingPoint(1710921600000, -0.000881)),
                        self._status(1710921600000))

    def daily_closes(self, symbol, days=90, exchange=None):
        return Observed((DailyClose(1712534400000, 71625.41841177),), self._status(1712534400000))

    def leverage_tiers(self, symbol, exchange=None):
        return Observed((LeverageTier(1, 0.0, 50000.0, 0.004, 0.0, 125.0),
                         LeverageTier(2, 50000.0, float("inf"), 0.005, 50.0, 100.0)), self._status())


def test_record_then_read_back_keeps_values_sources_and_dates(tmp_path):
    doc = record_snapshot(FakeService(), "bybit", ["btc", "NOPE"], 2, clock=lambda: 1_800_000_000.0)
    assert doc["recorded_at_ms"] == 1_800_000_000_000 and doc["live"] is False
    assert "NOPE" in doc["unresolved"]
    path = write_snapshot(doc, tmp_path / "rec.json")
    back = SnapshotSource(load_snapshot(path), default_exchange="bybit")
    t = back.ticker("BTC")
    assert (t.value.last_price, t.value.mark_price, t.value.index_price) == (68577.5, 68591.46, 68599.9)
    _snapshot_status(t.status, 1730730080834, "2024-11-04 14:21 UTC")
    assert back.snapshot.figure("bybit", "BTC/USDT:USDT", "ticker").source == "live bybit API"
    assert [p.rate_per_interval for p in back.funding_history("BTC", 30).value] == [0.0001, -0.000881]
    tiers = back.leverage_tiers("BTC").value
    assert tiers[1].max_notional == float("inf") and tiers[0].mmr == 0.004
    market = back.snapshot.market("bybit", "BTC/USDT:USDT")
    assert market.absent["spot_price"] == "no spot market answered"
    with pytest.raises(DataUnavailable):
        back.spot_price("BTC")


def test_record_refuses_answers_that_came_from_the_snapshot():
    with pytest.raises(SnapshotAnswer, match="nothing live to record"):
        record_snapshot(FakeService(source="snapshot"), "bybit", ["BTC"], 2)


def test_record_refuses_bad_days():
    with pytest.raises(InvalidInput, match="days"):
        record_snapshot(FakeService(), "bybit", ["BTC"], 0)


def test_write_snapshot_leaves_the_file_unchanged_on_a_bad_document(tmp_path):
    target = tmp_path / "snap.json"
    target.write_text("previous")
    with pytest.raises(InvalidInput, match="format"):
        write_snapshot({"format": 2, "markets": []}, target)
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]
