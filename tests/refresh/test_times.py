"""Exchange times: a stamp in the future or out of range is one bad field (suspect, never a
traceback, never fresh); a stamp older than the default MaxDataAgeHours is stale."""

from __future__ import annotations

import json

from perphedge.core.conventions import MS_PER_DAY, plausible_stamp_ms
from perphedge.core.marketdata import DataStatus
from perphedge.files import refresh as rf
from perphedge.refresh.merge import merge_row
from perphedge.refresh.table import KEEP
from tests.files.test_refresh import market_values
from tests.support.books import build_market_book
from tests.support.fake import NOW_MS, row

PREV = {"mark_price": 91050.0, "next_funding_ms": None, "spot_price": 91000.0}


def _at(ms, **kw):
    return row("BTC/USDT:USDT", "binanceusdm", 92000.0, status=DataStatus("binanceusdm", ms), **kw)


def test_an_as_of_ten_years_ahead_is_suspect_not_fresh():
    m = merge_row(_at(NOW_MS + 3650 * MS_PER_DAY), dict(PREV), NOW_MS - MS_PER_DAY, NOW_MS)
    assert m.status.startswith("suspect: exchange time") and m.kind != "fresh"


def test_an_exchange_time_of_1e20_ms_never_raises():
    m = merge_row(_at(10**20, next_funding_ms=10**20), dict(PREV), NOW_MS - MS_PER_DAY, NOW_MS)
    assert m.status.startswith("suspect: ") and "next funding time" in m.status
    assert m.values["mark_price"] == 92000.0 and m.kind == "stale"
    assert m.values["next_funding_ms"] in (None, KEEP)      # nothing held before: stays empty


def test_a_three_day_old_stamp_is_stale_not_partial():
    m = merge_row(_at(NOW_MS - 3 * MS_PER_DAY), {"mark_price": None}, None, NOW_MS)
    assert m.status.startswith("stale: the exchange's figures are stamped") and m.kind == "stale"


def test_stamp_bounds():
    assert plausible_stamp_ms(NOW_MS + 5 * 60_000, NOW_MS)
    assert not plausible_stamp_ms(NOW_MS + 5 * 60_000 + 1, NOW_MS)
    assert not plausible_stamp_ms(1_420_070_399_999, NOW_MS) and not plausible_stamp_ms(1e20, NOW_MS)


def test_exchange_time_1e20_over_http_refreshes_the_row(tmp_path):
    """Real ccxt against a local Binance whose premium index stamps every row 1e20 ms."""
    from tests.market import recorded
    from tests.market.fakeexchange import FakeExchange
    from tests.market.helpers import RECORDED_NOW_S, Clock, Sleeps, server_service

    routes = recorded.binance_routes()
    original = routes["/fapi/v1/premiumIndex"]

    def far_future(q):
        status, body = original(q)
        data = json.loads(body) if isinstance(body, (str, bytes)) else body
        items = data if isinstance(data, list) else [data]
        for item in items:
            item["time"] = 10**20
        return status, data

    routes["/fapi/v1/premiumIndex"] = far_future
    now_ms = int(RECORDED_NOW_S * 1000)
    rows = [("BTC/USDT:USDT", "binanceusdm")]
    book = build_market_book(tmp_path / "hedge.xlsx", rows=rows, extra=False)
    with FakeExchange(routes, lifetime_s=60) as fx:
        res = rf.refresh_file(book, source=server_service(fx, tmp_path / "c", Clock(), Sleeps()),
                              now_ms=now_ms)
    got = market_values(book)[0]
    assert res.fresh == 0 and isinstance(got["Mark"], float)
    assert got["Status"].startswith("suspect: "), got["Status"]
