"""Building the embedded snapshot: every number traced to the recorded fixture files,
every input an MIT file, the same bytes from the same inputs.

Expected values are read independently from the fixture files (the CSV with the csv
module, ccxt's own ``parsedResponse`` where it has one, Binance's raw ``LOT_SIZE`` filter
for amount steps) or written out by hand from the fixtures README.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.errors import InvalidInput
from perphedge.market.snapshot.build import (
    build_snapshot,
    decimal_places_to_step,
    dumps,
)
from perphedge.market.snapshot.data import EMBEDDED_PATH
from tests.market.snapshots import FIXTURES, MIT_FILES, csv_rows, fixture_json, response, shipped

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
            assert isinstance(f["as_of_ms"], int)
            if kind == "leverage_tiers":
                # ccxt's options.leverageBrackets carries no date: 0, and said so
                assert f["as_of_ms"] == 0 and f["as_of_basis"].startswith("undated")
                assert "options.leverageBrackets, undated" in f["source"]
            else:
                assert f["as_of_ms"] > 1_500_000_000_000
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
    for coin in ("BTC", "ETH", "BNB"):
        rows = csv_rows(coin)
        figs = markets[("binanceusdm", f"{coin}/USDT:USDT")]["figures"]
        times = [int(r["fundingTime"]) for r in rows]
        assert figs["funding_history"]["points"] == [[int(r["fundingTime"]), float(r["fundingRate"])]
                                                    for r in rows]
        assert figs["mark_history"]["points"] == [[int(r["fundingTime"]), float(r["markPrice"])]
                                                 for r in rows]
        midnight = [[int(r["fundingTime"]), float(r["markPrice"])] for r in rows
                    if datetime.fromtimestamp(int(r["fundingTime"]) / 1000, UTC).hour == 0]
        # the window runs 08:00 to 08:00: the midnights 2026-07-06 to 2026-10-03
        assert figs["daily_closes"]["points"] == midnight and len(midnight) == 90
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


def _trace_tiers(doc: dict) -> set:
    """Each recorded bracket table, read as exact text, against the fixture's strings; the
    amounts re-derived with Fractions (not the Decimal code under test) by Binance's rule."""
    brackets = fixture_json("ccxt/responses/binance.json")["options"]["leverageBrackets"]
    exact = json.loads(EMBEDDED_PATH.read_text(encoding="utf-8"), parse_float=Decimal)
    figures = {(m["exchange"], m["symbol"]): m["figures"] for m in exact["markets"]}
    traced = set()
    for symbol, pairs in brackets.items():
        inverse = symbol.endswith(":BTC")  # the one COIN-M table, floors in BTC
        exchange = "binancecoinm" if inverse else "binanceusdm"
        f = figures[(exchange, symbol)]["leverage_tiers"]
        assert f["file"] == "ccxt/responses/binance.json"
        assert f["listed_up_to"] == Fraction(pairs[-1][0])
        assert len(f["tiers"]) == len(pairs)
        amount = Fraction(0)
        for i, (row, (floor, rate)) in enumerate(zip(f["tiers"], pairs)):
            if i:
                amount += Fraction(floor) * (Fraction(rate) - Fraction(pairs[i - 1][1]))
            cap = None if i + 1 == len(pairs) else Fraction(pairs[i + 1][0])
            assert row[0] == i + 1
            assert Fraction(row[1]) == Fraction(floor) and Fraction(row[3]) == Fraction(rate)
            assert (row[2] if row[2] is None else Fraction(row[2])) == cap
            assert Fraction(row[4]) == amount        # the text in the file is the exact amount
            assert row[5] is None                    # no maximum leverage in the recording
            assert row[6] == ("base" if inverse else "quote")
        traced.add((exchange, symbol, "leverage_tiers"))
    assert len(traced) == 5
    return traced


def test_tier_amounts_in_the_file_are_the_published_decimals_not_float_noise():
    text = EMBEDDED_PATH.read_text(encoding="utf-8")
    # Float arithmetic gives these for ETH's 100,000 floor (150), LTC/ADA's 10,000 floor
    # (35) and BTC COIN-M's 20 BTC floor (0.355): none may appear.
    for noise in ("149.99999999999997", "35.00000000000001", "0.35500000000000004"):
        assert noise not in text
    eth = next(m for m in shipped()["markets"]
               if (m["exchange"], m["symbol"]) == ("binanceusdm", "ETH/USDT:USDT"))
    assert [row[4] for row in eth["figures"]["leverage_tiers"]["tiers"][:3]] == [0, 150, 1025]


def test_every_figure_in_the_shipped_snapshot_equals_the_recorded_value():
    doc = shipped()
    traced = (_trace_specs(doc) | _trace_binance_history(doc) | _trace_responses(doc)
              | _trace_tiers(doc))
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
