"""Implausible figures are never written as fresh: the previous value stays, ``suspect``
with the reason (bounds in core.conventions)."""

from __future__ import annotations

import json

import pytest

from perphedge.core.marketdata import DataStatus
from perphedge.files import refresh as rf
from perphedge.refresh.merge import merge_row
from perphedge.refresh.table import KEEP
from tests.files.test_refresh import market_values
from tests.support.books import build_market_book
from tests.support.fake import NOW_MS, row

PREV = {"mark_price": 91050.0, "rate_per_interval": 0.0001, "contract_size": 1.0,
        "amount_step": 0.001, "spot_price": 91000.0}


@pytest.mark.parametrize("figures, gated", [
    ({"rate_per_interval": 0.5}, "rate_per_interval"),
    ({"rate_per_interval": -3.0}, "rate_per_interval"),
    ({"rate_per_interval": 1e300}, "rate_per_interval"),
    ({"mark_price": -1.0}, "mark_price"),
    ({"contract_size": 0.0}, "contract_size"),
    ({"amount_step": -0.001}, "amount_step"),
])
def test_a_gated_figure_keeps_its_previous_value_marked_suspect(figures, gated):
    got = row("BTC/USDT:USDT", "binanceusdm", 91100.0, status=DataStatus("binanceusdm", NOW_MS), **figures)
    m = merge_row(got, dict(PREV), NOW_MS - 60_000, NOW_MS)
    assert m.values[gated] is KEEP and m.kind != "fresh"
    assert m.status.startswith("suspect: ") and "previous values kept" in m.status
    assert m.values["spot_price"] == 91099.0     # the row is otherwise refreshed


def test_funding_of_half_per_interval_over_http_is_suspect(tmp_path):
    """Real ccxt against a local Binance whose premium index says 0.5 per 8 h."""
    from tests.market import recorded
    from tests.market.fakeexchange import FakeExchange
    from tests.market.helpers import RECORDED_NOW_S, Clock, Sleeps, server_service

    now_ms = int(RECORDED_NOW_S * 1000)
    book = build_market_book(tmp_path / "hedge.xlsx", rows=[("BTC/USDT:USDT", "binanceusdm")], extra=False)
    routes = recorded.binance_routes()
    with FakeExchange(routes, lifetime_s=60) as fx:
        rf.refresh_file(book, source=server_service(fx, tmp_path / "c1", Clock(), Sleeps()), now_ms=now_ms)
        before = market_values(book)[0]
        original = routes["/fapi/v1/premiumIndex"]

        def crazy(q):
            status, body = original(q)
            data = json.loads(body) if isinstance(body, (str, bytes)) else body
            for item in data if isinstance(data, list) else [data]:
                item["lastFundingRate"] = "0.5"
            return status, data

        fx.routes["/fapi/v1/premiumIndex"] = crazy
        res = rf.refresh_file(book, source=server_service(fx, tmp_path / "c2", Clock(), Sleeps()),
                              now_ms=now_ms + 60_000)
    after = market_values(book)[0]
    assert res.fresh == 0 and after["Funding rate"] == before["Funding rate"] != 0.5
    assert after["Status"].startswith("suspect: binanceusdm sent funding 0.5 per interval beyond ±0.05"), \
        after["Status"]


# -- through real ccxt against a local Binance: prices, disagreement, jumps, duplicates ----------

def _refresh_twice(tmp_path, edit):
    """Refresh a two-row book from the recorded local Binance, then again with ``edit``
    applied to its answers (route path -> function of the decoded body). The edited values
    are synthetic corruptions of the recorded answers."""
    from tests.market import recorded
    from tests.market.fakeexchange import FakeExchange
    from tests.market.helpers import RECORDED_NOW_S, Clock, Sleeps, server_service

    now_ms = int(RECORDED_NOW_S * 1000)
    book = build_market_book(tmp_path / "hedge.xlsx", rows=[("BTC/USDT:USDT", "binanceusdm"),
                                                           ("ETH/USDT:USDT", "binanceusdm")], extra=False)
    routes = recorded.binance_routes()
    with FakeExchange(routes, lifetime_s=60) as fx:
        first = rf.refresh_file(book, source=server_service(fx, tmp_path / "c1", Clock(), Sleeps()), now_ms=now_ms)
        assert first.fresh == 2
        before = market_values(book)
        for path, fn in edit.items():
            def changed(q, original=routes[path], fn=fn):
                status, body = original(q)
                data = json.loads(body) if isinstance(body, (str, bytes)) else body
                return status, fn(data)
            fx.routes[path] = changed
        second = rf.refresh_file(book, source=server_service(fx, tmp_path / "c2", Clock(), Sleeps()),
                                 now_ms=now_ms + 60_000)
    return before, market_values(book), second


def _set(field, value, symbol="BTCUSDT"):
    def fn(rows):
        for item in rows:
            if item["symbol"] == symbol:
                item[field] = value(float(item[field])) if callable(value) else value
        return rows
    return fn


@pytest.mark.parametrize("mark, said", [
    ("1e300", "mark price 1e+300 outside [1e-12, 1e+09]"),
    ("1e-300", "mark price 1e-300 outside [1e-12, 1e+09]"),
    ("0.5e-12", "mark price 5e-13 outside"),
])
def test_an_absurd_mark_over_http_keeps_the_previous_mark_as_suspect(tmp_path, mark, said):
    before, after, res = _refresh_twice(tmp_path, {"/fapi/v1/premiumIndex": _set("markPrice", mark)})
    btc, eth = after
    assert btc["Mark"] == before[0]["Mark"] and btc["Status"].startswith("suspect: "), btc["Status"]
    assert said in btc["Status"]
    assert eth["Status"] == before[1]["Status"] and res.fresh == 1      # the other row is refreshed
    # the summary counts the Status words the table shows (ETH has no tiers without a key)
    assert res.summary() == "2 market rows: 1 partial, 1 suspect; 0 kept previous values"


def test_a_mark_1000_times_the_previous_is_refused_and_the_agreeing_spot_is_written(tmp_path):
    before, after, _ = _refresh_twice(tmp_path, {"/fapi/v1/premiumIndex": _set("markPrice", lambda m: m * 1000)})
    btc = after[0]
    assert btc["Mark"] == before[0]["Mark"]
    assert "disagree by more than 100%" in btc["Status"] and "1e+03× the workbook's" in btc["Status"]
    assert btc["Spot"] == before[0]["Spot"]      # the spot answer is unchanged and written again


def test_a_spot_100_times_the_mark_is_refused_and_the_mark_is_written(tmp_path):
    before, after, _ = _refresh_twice(tmp_path, {"/api/v3/ticker/price": _set("price", lambda p: p * 100)})
    btc = after[0]
    assert btc["Spot"] == before[0]["Spot"] and btc["Status"].startswith("suspect: spot price"), btc["Status"]
    assert "100× the workbook's" in btc["Status"]
    assert btc["Mark"] == before[0]["Mark"] and btc["Funding rate"] == before[0]["Funding rate"]


def test_a_market_listed_twice_with_different_figures_uses_neither(tmp_path):
    def twice(rows):
        btc = next(r for r in rows if r["symbol"] == "BTCUSDT")
        return rows + [{**btc, "markPrice": str(float(btc["markPrice"]) * 1.01)}]

    before, after, res = _refresh_twice(tmp_path, {"/fapi/v1/premiumIndex": twice})
    btc, eth = after
    assert btc["Mark"] == before[0]["Mark"] and btc["Funding rate"] == before[0]["Funding rate"]
    assert "listed BTC/USDT:USDT twice with different figures in one answer (" in btc["Status"]
    assert btc["Status"].startswith("suspect: ")
    assert res.fresh == 1 and eth["Status"] == "partial: " + eth["Status"].removeprefix("partial: ")


def test_an_identical_repeat_in_one_answer_is_harmless(tmp_path):
    def repeated(rows):
        return rows + [dict(next(r for r in rows if r["symbol"] == "BTCUSDT"))]

    _, after, res = _refresh_twice(tmp_path, {"/fapi/v1/premiumIndex": repeated})
    assert res.fresh == 2 and not after[0]["Status"].startswith("suspect")


def test_an_excel_function_never_returns_an_absurd_mark(tmp_path):
    """The live functions read the same gated parse: MARK_PRICE is an error naming the
    bound, never 1e300 as a price."""
    from perphedge.core.errors import ImplausibleFigure
    from tests.market import recorded
    from tests.market.fakeexchange import FakeExchange
    from tests.market.helpers import Clock, Sleeps, server_service

    routes = recorded.binance_routes()
    routes["/fapi/v1/premiumIndex"] = lambda q, original=routes["/fapi/v1/premiumIndex"]: (
        200, _set("markPrice", "1e300")(json.loads(json.dumps(original(q)[1]))))
    with FakeExchange(routes, lifetime_s=60) as fx:
        svc = server_service(fx, tmp_path / "c", Clock(), Sleeps())
        with pytest.raises(ImplausibleFigure, match=r"binanceusdm sent mark price 1e\+300 outside"):
            svc.mark_index("BTC")
        assert svc.status("BTC").stale
