"""Which recorded market a typed symbol means: the live service's resolver
(:mod:`perphedge.market.symbols`) run over the recorded markets, so a typed symbol means
the same perp offline as live. The recording also holds spot markets (under the spot
exchange, for spot prices): a symbol no perp answers may name one of those. A symbol the
recording lacks is :class:`NotInSnapshot`, naming close matches and the other exchanges
that hold it."""

from __future__ import annotations

import difflib
from typing import Any

from perphedge.core.errors import InvalidInput, UnknownSymbol
from perphedge.market import symbols
from perphedge.market.snapshot.data import Snapshot, SnapshotMarket


class NotInSnapshot(UnknownSymbol):
    """A symbol the recorded snapshot does not hold for that exchange (it may well exist
    live); the message lists close matches and where else the snapshot has it."""

    def __init__(self, symbol: str, exchange: str, suggestions: tuple[str, ...] = (),
                 elsewhere: tuple[str, ...] = ()) -> None:
        self.symbol, self.suggestions, self.exchange = symbol, suggestions, exchange
        self.argument, self.value = "symbol", symbol
        self.requirement = "is not in the recorded snapshot"
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        other = f"; recorded on {', '.join(elsewhere)}" if elsewhere else ""
        # Set up directly: the message is the snapshot's own, not "unknown symbol".
        Exception.__init__(
            self, f"{symbol} on {exchange} is not in the recorded snapshot{other}{hint}")


def ccxt_markets(held: list[SnapshotMarket]) -> dict[str, dict[str, Any]]:
    """The recorded markets in the shape of ccxt's loaded markets (what the resolver reads)."""
    return {m.symbol: {"symbol": m.symbol, "id": m.id, "base": m.base, "quote": m.quote,
                       "swap": m.type == "swap", "spot": m.type == "spot", "linear": m.linear}
            for m in held}


def resolve_market(snapshot: Snapshot, symbol: Any, exchange: str) -> SnapshotMarket:
    """The snapshot market a typed symbol means on ``exchange``; NotInSnapshot if none."""
    if not isinstance(symbol, str) or not symbol.strip():
        raise InvalidInput("symbol", symbol, "must be a market symbol such as BTC or BTC/USDT:USDT")
    found = _find(snapshot, symbol, exchange)
    if found is not None:
        return found
    held = _held(snapshot, exchange)
    names = sorted({m.symbol for m in held} | {m.base for m in held})
    close = difflib.get_close_matches(symbol.strip().upper(), names, n=3, cutoff=0.5)
    elsewhere = tuple(f"{m.exchange} ({m.symbol})" for other in snapshot.exchanges()
                      if other != exchange and (m := _find(snapshot, symbol, other)) is not None)
    raise NotInSnapshot(symbol.strip(), exchange, tuple(close), elsewhere)


def _held(snapshot: Snapshot, exchange: str) -> list[SnapshotMarket]:
    return [m for (ex, _), m in snapshot.markets.items() if ex == exchange]


def _find(snapshot: Snapshot, symbol: str, exchange: str) -> SnapshotMarket | None:
    held = {m.symbol: m for m in _held(snapshot, exchange)}
    markets = ccxt_markets(list(held.values()))
    try:
        return held[symbols.resolve_perp(markets, symbol, exchange)]
    except UnknownSymbol:
        pass
    spot = symbols.resolve_spot(markets, symbol, exchange)   # BTC/USDT typed as such
    if spot is not None:
        return held[spot]
    text = symbol.strip().upper()
    if ":" in text or "/" in text:
        return None
    base, quote = symbols.split_symbol(text)   # a coin on a spot exchange: its USDT pair
    return held.get(f"{base}/{quote}") if markets.get(f"{base}/{quote}", {}).get("spot") else None
