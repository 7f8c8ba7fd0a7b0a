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
    assert after["Status"].startswith("suspect: funding 0.5 per interval"), after["Status"]
