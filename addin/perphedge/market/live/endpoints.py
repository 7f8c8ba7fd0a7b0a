"""Which batched ccxt call gives which datum, per exchange.

Every datum of a refresh comes from one call per (exchange, endpoint) covering all
markets of a kind, never one call per symbol:

- Binance USDⓈ-M / COIN-M: ``fetch_funding_rates`` (premium index: mark, index, funding
  rate, next funding) and ``fetch_last_prices`` (last); ``fetch_funding_intervals`` (the
  funding-info endpoint lists only markets whose interval or caps were adjusted);
  leverage brackets need an API key. Spot (binance): ``fetch_last_prices``.
- Bybit: one ``fetch_tickers`` per category carries last, mark, index, funding rate and
  next funding time (the interval is in the loaded markets); ``fetch_leverage_tiers``
  (risk-limit, paginated, bounded). Spot: ``fetch_tickers`` of the spot category.
- OKX: ``fetch_tickers`` (last), ``fetch_mark_prices`` (mark), ``fetch_funding_rates``
  (all swaps at once); OKX has no batched index price in ccxt, so index stays absent.
  Position tiers exist only per instrument family (no batched endpoint in ccxt): one call
  per family, kept for the markets TTL.
- Any other ccxt exchange: ``fetch_tickers`` and ``fetch_funding_rates`` where it has them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from perphedge.core.errors import DataUnavailable
from perphedge.market.live import parse

#: TTL classes (names of MarketConfig fields).
PRICES, FUNDING, MARKETS = "ttl_prices_s", "ttl_funding_s", "ttl_markets_s"

Fetch = Callable[[Any], Mapping[str, Any]]


@dataclass(frozen=True)
class Endpoint:
    """One batched call: its cache key, TTL class and the call itself (given the client).

    ``on_disk``: the answer changes as rarely as the listings, so it is kept on disk beside
    them for the markets' TTL and a new process within the day does not ask again.
    """

    name: str
    ttl: str
    fetch: Fetch
    on_disk: bool = False


def _binance(exchange_id: str) -> bool:
    return exchange_id in ("binanceusdm", "binancecoinm", "binance")


def last_prices(exchange_id: str, kind: str) -> Endpoint:
    """Last trade prices of every market of ``kind`` ('linear', 'inverse' or 'spot')."""
    if _binance(exchange_id):
        params = {"type": "spot"} if kind == "spot" else {"subType": kind}
        return Endpoint(f"tickerPrice:{kind}", PRICES, lambda c: c.fetch_last_prices(None, params))
    if exchange_id == "okx":
        inst = "spot" if kind == "spot" else "swap"
        return Endpoint(f"tickers:{inst}", PRICES, lambda c: c.fetch_tickers(None, {"type": inst}))
    return _tickers(kind)


def marks(exchange_id: str, kind: str) -> Endpoint:
    """Mark (and, where sent, index) prices of every perp of ``kind``."""
    if _binance(exchange_id):
        return _premium_index(kind)
    if exchange_id == "okx":
        return Endpoint("markPrice:swap", PRICES, lambda c: c.fetch_mark_prices(None, {"type": "swap"}))
    return _tickers(kind)


def funding(exchange_id: str, kind: str) -> Endpoint:
    """Current funding of every perp of ``kind``, as ccxt funding-rate dicts."""
    if _binance(exchange_id):
        return _premium_index(kind)
    if exchange_id == "bybit":
        return _tickers(kind)
    if exchange_id == "okx":
        return Endpoint("fundingRate:ANY", FUNDING, lambda c: c.fetch_funding_rates())

    def fetch(c: Any) -> Mapping[str, Any]:
        if not c.has.get("fetchFundingRates"):
            raise DataUnavailable(f"{c.id} has no batched funding-rate endpoint in ccxt", c.id)
        return c.fetch_funding_rates(None, {"subType": kind})

    return Endpoint(f"fundingRates:{kind}", FUNDING, fetch)


def funding_entry(exchange_id: str, client: Any, raw: Mapping[str, Any], symbol: str) -> Mapping[str, Any] | None:
    """The funding dict for ``symbol`` out of what ``funding()`` fetched."""
    entry = raw.get(symbol)
    if entry is None:
        return None
    if exchange_id == "bybit":
        # the tickers answer is the one Bybit's funding endpoint returns; ccxt's own
        # funding parser reads it (and the interval from the loaded market)
        info = dict(entry.get("info") or {})
        return client.parse_funding_rate(info, client.markets.get(symbol))
    return entry


def intervals(exchange_id: str, kind: str) -> Endpoint | None:
    """A separate batched interval endpoint, where the exchange has one (Binance)."""
    if exchange_id in ("binanceusdm", "binancecoinm"):
        def fetch(c: Any) -> Mapping[str, Any]:
            rates = c.fetch_funding_intervals(None, {"subType": kind})
            return {s: parse.interval_hours_from_text(r.get("interval")) for s, r in rates.items()}
        # Binance re-sets intervals rarely (and announces it): kept for the day with the markets
        return Endpoint(f"fundingInfo:{kind}", MARKETS, fetch, on_disk=True)
    return None


def tiers(exchange_id: str, client: Any, kind: str, market: Mapping[str, Any]) -> Endpoint:
    """Leverage tiers covering ``market`` (a batched call where ccxt has one)."""
    if _binance(exchange_id):
        if not client.apiKey:
            raise DataUnavailable(
                f"{exchange_id} leverage tiers are not available without API key "
                f"(bybit and okx publish theirs)", exchange_id)
        return Endpoint(f"leverageBracket:{kind}", MARKETS,
                        lambda c: c.fetch_leverage_tiers(None, {"subType": kind}))
    if exchange_id == "bybit":
        return Endpoint(f"riskLimit:{kind}", MARKETS,
                        lambda c: c.fetch_leverage_tiers(None, {"subType": kind, "paginationCalls": 20,
                                                                "maxRetries": 0}))
    if exchange_id == "okx":
        family = (market.get("info") or {}).get("instFamily") or market["symbol"]
        symbol = market["symbol"]
        return Endpoint(f"positionTiers:{family}", MARKETS,
                        lambda c: {symbol: c.fetch_market_leverage_tiers(symbol)})
    if client.has.get("fetchLeverageTiers"):
        return Endpoint(f"leverageTiers:{kind}", MARKETS,
                        lambda c: c.fetch_leverage_tiers(None, {"subType": kind}))
    raise DataUnavailable(f"{exchange_id} does not publish leverage tiers through ccxt", exchange_id)


def history_page_limit(exchange_id: str) -> int:
    """Rows per funding-history page each exchange documents as its maximum."""
    return {"binanceusdm": 1000, "binancecoinm": 1000, "bybit": 200, "okx": 100}.get(exchange_id, 100)


def _premium_index(kind: str) -> Endpoint:
    return Endpoint(f"premiumIndex:{kind}", PRICES,
                    lambda c: c.fetch_funding_rates(None, {"subType": kind}))


def _tickers(kind: str) -> Endpoint:
    params = {"type": "spot"} if kind == "spot" else {"type": "swap", "subType": kind}
    return Endpoint(f"tickers:{kind}", PRICES, lambda c: c.fetch_tickers(None, params))
