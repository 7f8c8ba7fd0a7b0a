"""Gathering Market rows and funding history for holdings from the recorded snapshot."""

from __future__ import annotations

from perphedge.core.holdings import HoldingInput
from perphedge.market.snapshot.data import load_snapshot
from perphedge.market.snapshot.source import SnapshotSource
from perphedge.template.assemble import gather, market_requests


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


def test_snapshot_tiers_fill_tier_tables_and_only_markets_without_them_get_the_note():
    """The recorded snapshot holds Binance's brackets for the BTC and ETH USDⓈ-M perps (and
    LTC, ADA, BTC COIN-M), none for Bybit: a Tiers table per recorded market, undated (as
    of None), and the "no leverage tiers" message only for the Bybit hedge."""
    src = SnapshotSource(load_snapshot())
    holdings = [HoldingInput("BTC", 1, "BTC", strategy="Tactical Defense"),
                HoldingInput("ETH", 2, "ETH", strategy="Tactical Defense"),
                HoldingInput("BTC", 1, "BTC", "bybit", strategy="Tactical Defense")]
    got = gather(holdings, src, "binanceusdm")
    assert [(t.symbol, t.exchange) for t in got.tier_tables] == [
        ("BTC/USDT:USDT", "binanceusdm"), ("ETH/USDT:USDT", "binanceusdm")]
    btc, eth = got.tier_tables
    # Binance's FAQ: 50,000 × (0.5 % − 0.4 %) = 50; 250,000 × (1 % − 0.5 %) + 50 = 1,300.
    assert [(t.min_notional, t.mmr, t.maint_amount) for t in btc.tiers[:3]] == [
        (0, 0.004, 0), (50_000, 0.005, 50), (250_000, 0.01, 1_300)]
    assert len(btc.tiers) == len(eth.tiers) == 10
    assert btc.as_of_ms == 0  # undated recording; the Tiers sheet leaves As of empty
    tier_notes = [m for m in got.messages if m.startswith("no leverage tiers")]
    assert len(tier_notes) == 1
    assert tier_notes[0].startswith(
        "no leverage tiers for BTC/USDT:USDT on bybit (the Market row's MMR or DefaultMMR used)")


def test_tiers_of_each_hedge_market_are_fetched_once_with_their_time():
    """A source that has tiers (synthetic figures) for one hedge market and none for the
    other: one TierTable, stamped with the source's as-of time; no request for the price
    symbol of a cross hedge."""
    from perphedge.core.errors import DataUnavailable
    from perphedge.core.marketdata import DataStatus, LeverageTier, Observed

    tiers = (LeverageTier(1, 0, 50_000, 0.004, 0.0, 50),)

    class WithTiers(SnapshotSource):
        def leverage_tiers(self, symbol, exchange=None):
            self.asked.append((symbol, exchange))
            if symbol == "BTC/USDT:USDT":
                return Observed(tiers, DataStatus("binanceusdm", 1_767_225_600_000))
            raise DataUnavailable("no API key", exchange)

    src = WithTiers(load_snapshot())
    src.asked = []
    holdings = [HoldingInput("BTC", 1, "BTC", strategy="Tactical Defense"),
                HoldingInput("ETH", 2, "BTC", strategy="Tactical Defense"),
                HoldingInput("ETH", 2, "ETH", strategy="Tactical Defense")]
    got = gather(holdings, src, "binanceusdm")
    assert src.asked == [("BTC/USDT:USDT", "binanceusdm"), ("ETH/USDT:USDT", "binanceusdm")]
    (table,) = got.tier_tables
    assert (table.symbol, table.exchange, table.tiers, table.as_of_ms) == (
        "BTC/USDT:USDT", "binanceusdm", tiers, 1_767_225_600_000)
    assert any("no leverage tiers for ETH/USDT:USDT" in m for m in got.messages)
