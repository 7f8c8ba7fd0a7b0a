"""Which recorded market a typed symbol means, as on the live service: a bare coin is its
linear USDT perp; a symbol the recording lacks is :class:`NotInSnapshot`, naming close
matches and the other exchanges that hold it."""

from __future__ import annotations

import difflib
from typing import Any

from perphedge.core.errors import InvalidInput, UnknownSymbol
from perphedge.market.snapshot.data import Snapshot, SnapshotMarket

_QUOTES = ("USDT", "USDC", "USD")
_SUFFIXES = ("-PERPETUAL", "-PERP", "_PERP", "PERP", "-SWAP", "_SWAP")


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


def _split(text: str) -> tuple[str, str | None]:
    """``BTC`` / ``BTCUSDT`` / ``BTC-USDT`` / ``BTC-PERP`` -> (base, quote or None)."""
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    for sep in ("-", "_"):
        if sep in text:
            base, _, quote = text.partition(sep)
            return base, quote or None
    for quote in _QUOTES:
        if text.endswith(quote) and len(text) > len(quote):
            return text[: -len(quote)], quote
    return text, None


def _rank(m: SnapshotMarket) -> tuple[int, int]:
    # A bare coin means its linear USDT perp, as on the live service; spot comes last.
    if m.type == "swap" and m.linear and m.quote == "USDT":
        return (0, 0)
    if m.type == "swap" and m.linear:
        return (1, _QUOTES.index(m.quote) if m.quote in _QUOTES else 9)
    if m.type == "swap":
        return (2, 0)
    return (3, _QUOTES.index(m.quote) if m.quote in _QUOTES else 9)


def resolve_market(snapshot: Snapshot, symbol: Any, exchange: str) -> SnapshotMarket:
    """The snapshot market a typed symbol means on ``exchange``; NotInSnapshot if none."""
    if not isinstance(symbol, str) or not symbol.strip():
        raise InvalidInput("symbol", symbol, "must be a market symbol such as BTC or BTC/USDT:USDT")
    found = _find(snapshot, symbol, exchange)
    if found is not None:
        return found
    held = [m for (ex, _), m in snapshot.markets.items() if ex == exchange]
    names = sorted({m.symbol for m in held} | {m.base for m in held})
    close = difflib.get_close_matches(symbol.strip().upper(), names, n=3, cutoff=0.5)
    elsewhere = tuple(f"{m.exchange} ({m.symbol})" for other in snapshot.exchanges()
                      if other != exchange and (m := _find(snapshot, symbol, other)) is not None)
    raise NotInSnapshot(symbol.strip(), exchange, tuple(close), elsewhere)


def _find(snapshot: Snapshot, symbol: str, exchange: str) -> SnapshotMarket | None:
    text = symbol.strip().upper()
    held = [m for (ex, _), m in snapshot.markets.items() if ex == exchange]
    for m in held:  # perps first, as on the live service: BTC/USDT on okx is its perp
        if m.type == "swap" and text in (m.symbol.upper(), (m.id or "").upper()):
            return m
    if ":" in text:  # a full unified symbol means exactly that market
        return None
    if "/" in text:  # BTC/USDT: its perp when held (as live), else the spot market
        base, _, quote = text.partition("/")
    else:
        base, quote = _split(text)
    found = sorted((m for m in held if m.base == base and quote in (None, m.quote)), key=_rank)
    return found[0] if found else None
