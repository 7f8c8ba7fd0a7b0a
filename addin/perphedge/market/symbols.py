"""From what users type (``BTC``, ``btc``, ``BTCUSDT``, ``BTC-PERP``, ``BTC_PERPETUAL``) to
ccxt unified symbols, against an exchange's markets in ccxt's form.

The one resolver: the live service passes the markets ccxt loaded, the recorded snapshot
the markets it holds (``perphedge.market.snapshot.symbols``), so a typed symbol means the
same market on both. A bare coin means the linear USDT perpetual; ``BTC/USD:BTC`` (or
``BTCUSD``) the inverse one; a full unified symbol (with ``:``) means exactly that market.
An unknown symbol raises :class:`UnknownSymbol` with the closest listed symbols.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from perphedge.core.errors import InvalidInput, UnknownSymbol

_QUOTES = ("USDT", "USDC", "USD")
_SUFFIXES = ("-PERPETUAL", "_PERPETUAL", "PERPETUAL", "-PERP", "_PERP", "PERP", "-SWAP", "_SWAP")
_SEPARATORS = re.compile(r"[-_/ ]")


def is_perp(market: Mapping[str, Any]) -> bool:
    return bool(market.get("swap")) and bool(market.get("active", True) is not False)


def resolve_perp(markets: Mapping[str, Mapping[str, Any]], text: Any, exchange: str) -> str:
    """The unified symbol of the perpetual ``text`` names on this exchange."""
    raw = _clean(text)
    upper = raw.upper()
    if upper in markets and markets[upper].get("swap"):
        return upper
    if raw in markets and markets[raw].get("swap"):
        return raw
    if ":" in upper:
        # a full unified symbol names one market: never another settle currency's
        coin = upper.split("/")[0] if "/" in upper else split_symbol(upper)[0]
        raise UnknownSymbol(raw, exchange, suggest(markets, raw, coin))
    if "/" in upper and upper.count("/") == 1:
        base, quote = upper.split("/")
        for candidate in _perp_candidates(base, quote):
            if candidate in markets and markets[candidate].get("swap"):
                return candidate
    base, quote = split_symbol(upper)
    for candidate in _perp_candidates(base, quote):
        if candidate in markets and markets[candidate].get("swap"):
            return candidate
    by_id = _perp_by_id(markets, raw)  # a scan: only when the usual forms did not match
    if by_id is not None:
        return by_id
    raise UnknownSymbol(raw, exchange, suggest(markets, raw, base))


def canonical_perp(text: Any) -> str:
    """The unified symbol ``text`` would name on an exchange listing it (``SOL`` →
    ``SOL/USDT:USDT``, ``SOLUSD`` → ``SOL/USD:SOL``): what a workbook's Market row is keyed
    by for a market no list at hand holds (an offline build keeps it, a refresh fills it)."""
    upper = _clean(text).upper()
    if ":" in upper:
        return upper
    if upper.count("/") == 1:
        base, quote = upper.split("/")
    else:
        base, quote = split_symbol(upper)
    return _perp_candidates(base, quote)[0]


def spot_symbol(spot_markets: Mapping[str, Mapping[str, Any]], perp_market: Mapping[str, Any],
                exchange: str) -> str:
    """The spot market matching a perp: same base, same quote (USD falls back to USDT,
    then USDC, which the conventions treat as USD)."""
    base, quote = perp_market["base"], perp_market["quote"]
    for q in dict.fromkeys((quote, "USDT", "USDC")):
        candidate = f"{base}/{q}"
        m = spot_markets.get(candidate)
        if m is not None and m.get("spot"):
            return candidate
    listed = [s for s, m in spot_markets.items() if m.get("spot")]
    raise UnknownSymbol(f"{base}/{quote}", exchange,
                        tuple(difflib.get_close_matches(f"{base}/{quote}", listed, n=3, cutoff=0.6)))


def resolve_spot(spot_markets: Mapping[str, Mapping[str, Any]], text: Any, exchange: str) -> str | None:
    """``BTC/USDT`` typed as such, if the spot exchange lists it; None otherwise."""
    raw = _clean(text).upper()
    m = spot_markets.get(raw)
    return raw if m is not None and m.get("spot") else None


def suggest(markets: Mapping[str, Mapping[str, Any]], raw: str, base: str) -> tuple[str, ...]:
    """The perps a user who typed ``raw`` may mean: the same coin's perps first (another
    quote or settle currency: ``BTC/USD:BTC`` for ``BTC/USDC:USDC``), else the perps of the
    coin the typed text begins with ('BTCUSDX' finds BTC), else those whose names are close to
    ``base`` ('BTCC' finds BTC); never a market of an
    unrelated coin because its symbol is spelt alike (SOLUSDT is not LTC/USDT:USDT)."""
    perps = {s: m for s, m in markets.items() if m.get("swap")}
    coin = base.upper()
    same = sorted(s for s, m in perps.items() if str(m.get("base", "")).upper() == coin and s != raw.upper())
    if same:
        return tuple(same[:3])
    bases: dict[str, str] = {}
    for s, m in sorted(perps.items()):
        if m.get("linear"):
            bases.setdefault(str(m.get("base", "")).upper(), s)
    # a coin the typed text begins with, the rest a misspelt quote ('BTCUSDX' means BTC)
    typed = _SEPARATORS.sub("", raw.upper())
    prefixed = sorted((b for b in bases if len(b) >= 2 and typed.startswith(b) and typed != b), key=len, reverse=True)
    close = prefixed[:1] or difflib.get_close_matches(coin, list(bases), n=3, cutoff=0.75)
    return tuple(bases[b] for b in close)


def _clean(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("symbol", text, "must be a market symbol such as BTC or BTC/USDT:USDT")
    return text.strip()


def _perp_by_id(markets: Mapping[str, Mapping[str, Any]], raw: str) -> str | None:
    for symbol, m in markets.items():
        if m.get("swap") and (m.get("id") == raw or str(m.get("id", "")).upper() == raw.upper()):
            return symbol
    return None


def split_symbol(upper: str) -> tuple[str, str]:
    """('BTC', 'USDT') from 'BTC', 'BTCUSDT', 'BTC-PERP', 'BTC-USDT-SWAP', 'BTCUSD' (upper
    case); a coin with no quote is quoted in USDT."""
    s = upper
    if ":" in s:
        s = s.split(":", 1)[0]
    for suffix in _SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix):
            s = s[: -len(suffix)]
            break
    s = _SEPARATORS.sub("", s)
    for quote in _QUOTES:
        if s.endswith(quote) and len(s) > len(quote):
            return s[: -len(quote)], quote
    return s, "USDT"


def _perp_candidates(base: str, quote: str) -> tuple[str, ...]:
    if quote == "USD":
        return (f"{base}/USD:{base}",)
    return (f"{base}/{quote}:{quote}",)
