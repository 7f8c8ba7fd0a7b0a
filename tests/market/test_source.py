"""One interface, one resolver: the live service and the recorded snapshot implement every
``MarketSource`` method with the same parameters, and a typed symbol means the same market
on both."""

from __future__ import annotations

import inspect

import pytest

from perphedge.core.errors import UnknownSymbol
from perphedge.market.live.service import MarketService
from perphedge.market.snapshot.source import SnapshotSource
from perphedge.market.source import MarketSource
from perphedge.market.symbols import resolve_perp
from tests.market import recorded

PROTOCOL = [name for name, member in inspect.getmembers(MarketSource, inspect.isfunction)
            if not name.startswith("_")]


@pytest.mark.parametrize("cls", [MarketService, SnapshotSource])
@pytest.mark.parametrize("name", PROTOCOL)
def test_both_sources_implement_every_method_with_its_parameters(cls, name):
    want = [p.name for p in inspect.signature(getattr(MarketSource, name)).parameters.values()]
    got = [p.name for p in inspect.signature(getattr(cls, name)).parameters.values()]
    assert got == want, f"{cls.__name__}.{name}"


def test_the_protocol_covers_what_callers_ask():
    assert {"resolve", "market_rows", "funding_history", "leverage_tiers", "status"} <= set(PROTOCOL)


def _live_markets(exchange: str) -> dict:
    """The markets ccxt loads for the venue, from ccxt's recorded markets (binanceusdm and
    binancecoinm are the linear and inverse halves of the recorded binance markets)."""
    if exchange in ("binanceusdm", "binancecoinm"):
        linear = exchange == "binanceusdm"
        return {s: m for s, m in recorded.markets("binance").items()
                if m.get("swap") and bool(m.get("linear")) == linear}
    return recorded.markets(exchange)


def _listed(exchange: str, snap: SnapshotSource) -> dict:
    """What a live exchange lists: ccxt's recorded markets, plus the recorded perps ccxt's
    recording lacks (BNB/USDT:USDT on binanceusdm: Binance's export names it, the markets
    recording does not), given the fields a ccxt market has for them."""
    markets = dict(_live_markets(exchange))
    for (venue, symbol), m in snap.snapshot.markets.items():
        if venue == exchange and m.type == "swap" and symbol not in markets:
            markets[symbol] = {"symbol": symbol, "id": m.id, "base": m.base, "quote": m.quote,
                               "settle": m.settle, "type": "swap", "swap": True, "spot": False,
                               "linear": m.linear, "inverse": m.inverse, "active": True}
    return markets


def _forms(coin: str, quote: str, market_id: str) -> list[str]:
    if quote == "USD":  # inverse
        return [f"{coin}USD", f"{coin}/USD:{coin}", f"{coin}-USD-SWAP", f"{coin}USD_PERP",
                f"{coin.lower()}usd", market_id]
    return [coin, coin.lower(), f" {coin} ", f"{coin}{quote}", f"{coin}-{quote}", f"{coin}_{quote}",
            f"{coin}/{quote}", f"{coin}/{quote}:{quote}", f"{coin}-PERP", f"{coin}_PERP", f"{coin}PERP",
            f"{coin}-PERPETUAL", f"{coin}_PERPETUAL", f"{coin}PERPETUAL", f"{coin}-{quote}-SWAP",
            f"{coin}/{quote}:USDC", market_id]


def _cases():
    snap = SnapshotSource()
    for (exchange, _), m in sorted(snap.snapshot.markets.items()):
        if m.type == "swap":
            for typed in _forms(m.base, m.quote, m.id):
                yield pytest.param(exchange, typed, id=f"{exchange}:{typed.strip() or typed}")


@pytest.mark.parametrize("exchange,typed", list(_cases()))
def test_every_accepted_form_resolves_the_same_live_and_offline(exchange, typed):
    snap = SnapshotSource()
    try:
        live = resolve_perp(_listed(exchange, snap), typed, exchange)
    except UnknownSymbol:
        live = None
    try:
        offline = snap.resolve(typed, exchange)
    except UnknownSymbol:
        offline = None
    if live is not None and snap.snapshot.market(exchange, live) is None:
        pytest.skip(f"{live} is listed live but not recorded on {exchange}")
    assert offline == live


def test_btc_perpetual_resolves_offline_as_live():
    assert SnapshotSource().resolve("BTC_PERPETUAL") == "BTC/USDT:USDT"
    assert resolve_perp(_live_markets("binanceusdm"), "BTC_PERPETUAL", "binanceusdm") == "BTC/USDT:USDT"


def test_a_full_unified_symbol_means_exactly_that_market():
    # BTC/USDT:USDC is not BTC/USDT:USDT with a typo in the settle currency: refused, not guessed
    with pytest.raises(UnknownSymbol):
        resolve_perp(_live_markets("binanceusdm"), "BTC/USDT:USDC", "binanceusdm")
    with pytest.raises(UnknownSymbol):
        SnapshotSource().resolve("BTC/USDT:USDC")
