"""Figure-by-figure keeping through real ccxt against a local Binance on 127.0.0.1: with
only the premium index failing, mark, index and funding keep their previous values (marked
stale, named, with their age) instead of going blank, and the row is not counted fresh."""

from __future__ import annotations

import pytest

from perphedge.files import refresh as rf
from tests.files.test_refresh import market_values
from tests.support.books import build_market_book

KEPT = ("Mark", "Funding rate", "Next funding (UTC)")


@pytest.mark.parametrize("kind", ["500", "429", "403", "403-geo", "malformed"])
def test_premium_index_failing_keeps_its_figures(tmp_path, kind):
    from tests.market import recorded
    from tests.market.fakeexchange import FakeExchange
    from tests.market.helpers import RECORDED_NOW_S, Clock, Sleeps, server_service

    now_ms = int(RECORDED_NOW_S * 1000)
    rows = [("BTC/USDT:USDT", "binanceusdm"), ("ETH/USDT:USDT", "binanceusdm")]
    book = build_market_book(tmp_path / "hedge.xlsx", rows=rows, extra=False)
    with FakeExchange(recorded.binance_routes(), lifetime_s=60) as fx:
        first = rf.refresh_file(book, source=server_service(fx, tmp_path / "c1", Clock(), Sleeps()),
                                now_ms=now_ms)
        assert first.fresh == 2
        filled = market_values(book)
        fx.fault("/fapi/v1/premiumIndex", kind, times=1000)
        second = rf.refresh_file(book, source=server_service(fx, tmp_path / "c2", Clock(), Sleeps()),
                                 now_ms=now_ms + 60_000)
    assert second.fresh == 0
    for old, new in zip(filled, market_values(book)):
        for k in KEPT:
            assert new[k] == old[k] and new[k] is not None, k
        assert new["Status"].startswith("stale: mark price, rate per interval"), new["Status"]
        assert "their previous values kept (age" in new["Status"]
