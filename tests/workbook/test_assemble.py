"""Gathering Market rows and funding history for holdings from the recorded snapshot."""

from __future__ import annotations

from perphedge.market.snapshot import SnapshotSource, load_snapshot
from perphedge.workbook.assemble import gather, market_requests
from perphedge.workbook.holding import HoldingInput


def test_short_symbols_resolve_and_cross_hedges_get_a_price_row():
    src = SnapshotSource(load_snapshot())
    holdings = [HoldingInput("BTC", 1, "BTC", strategy="Tactical Defense"),
                HoldingInput("ETH", 2, "BTC", strategy="Tactical Defense")]
    got = gather(holdings, src, "binanceusdm")
    btc, eth = got.holdings
    assert (btc.hedge_symbol, btc.exchange, btc.price_symbol) == ("BTC/USDT:USDT", "binanceusdm", None)
    assert (eth.hedge_symbol, eth.price_symbol) == ("BTC/USDT:USDT", "ETH/USDT:USDT")
    assert market_requests(got.holdings) == [("BTC/USDT:USDT", "binanceusdm"),
                                             ("ETH/USDT:USDT", "binanceusdm")]
    assert [(r.symbol, r.exchange) for r in got.market_rows] == market_requests(got.holdings)
    # Funding history only for the symbol actually shorted.
    assert list(got.funding_history) == [("BTC/USDT:USDT", "binanceusdm")]
    # 90 days of 8-hourly settlements, (last − 90 d, last].
    assert len(got.funding_history[("BTC/USDT:USDT", "binanceusdm")]) == 90 * 3
