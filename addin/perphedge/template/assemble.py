"""Gather what a workbook needs from a market source (the live service or the recorded
snapshot): resolved holdings, one Market row per (symbol, exchange) used, and the funding
history and leverage tiers of each hedge symbol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from perphedge.core.errors import MarketError
from perphedge.core.holdings import HoldingInput
from perphedge.core.marketdata import FundingPoint, MarketRow
from perphedge.market.source import MarketSource
from perphedge.template.tiers_sheet import TierTable

HISTORY_DAYS = 90


@dataclass(frozen=True)
class MarketInputs:
    holdings: tuple[HoldingInput, ...]
    market_rows: tuple[MarketRow, ...]
    funding_history: dict[tuple[str, str], tuple[FundingPoint, ...]]
    messages: tuple[str, ...]
    tier_tables: tuple[TierTable, ...] = ()


def _base(symbol: str) -> str:
    return symbol.split("/")[0].split(":")[0].upper()


def resolve_holding(h: HoldingInput, source: MarketSource, default_exchange: str) -> HoldingInput:
    """The holding with unified symbols and its exchange written out. A hedge in another
    coin's perp is priced from the asset's own perp on the same exchange."""
    exchange = h.exchange or default_exchange
    symbol = source.resolve(h.hedge_symbol, exchange)
    price_symbol = h.price_symbol
    if price_symbol is not None:
        price_symbol = source.resolve(price_symbol, exchange)
    elif _base(symbol) != h.asset.upper():
        price_symbol = source.resolve(h.asset, exchange)
    return replace(h, hedge_symbol=symbol, exchange=exchange, price_symbol=price_symbol)


def market_requests(holdings: Sequence[HoldingInput]) -> list[tuple[str, str]]:
    """Every (symbol, exchange) the Portfolio looks up, in order of first use."""
    out: list[tuple[str, str]] = []
    for h in holdings:
        assert h.exchange is not None
        for sym in (h.hedge_symbol, h.price_symbol):
            if sym and (sym, h.exchange) not in out:
                out.append((sym, h.exchange))
    return out


def gather(holdings: Sequence[HoldingInput], source: MarketSource, default_exchange: str,
           extra: Sequence[tuple[str, str]] = ()) -> MarketInputs:
    """Resolve the holdings and fetch their Market rows and hedge funding history."""
    resolved = tuple(resolve_holding(h, source, default_exchange) for h in holdings)
    requests = market_requests(resolved)
    for key in extra:
        if key not in requests:
            requests.append(key)
    rows = tuple(source.market_rows(requests))
    history: dict[tuple[str, str], tuple[FundingPoint, ...]] = {}
    messages: list[str] = []
    hedges = [(h.hedge_symbol, h.exchange) for h in resolved] + list(extra)
    for sym, ex in dict.fromkeys(hedges):
        try:
            points = source.funding_history(sym, HISTORY_DAYS, ex).value
        except MarketError as e:
            messages.append(f"no funding history for {sym} on {ex}: {e}")
            continue
        if points:
            history[(sym, ex)] = tuple(points)
    tables: list[TierTable] = []
    for sym, ex in dict.fromkeys(hedges):
        try:
            got = source.leverage_tiers(sym, ex)
        except MarketError as e:
            # Binance without an API key, a market the snapshot has no tiers for: the
            # Portfolio falls back to the Market row's first-tier MMR (else DefaultMMR) and
            # flags it.
            messages.append(f"no leverage tiers for {sym} on {ex} (the Market row's MMR or "
                            f"DefaultMMR used): {e}")
            continue
        if got.value:
            tables.append(TierTable(sym, ex, tuple(got.value), got.status.as_of_ms))
    for row in rows:
        if row.status.stale:
            messages.append(f"{row.symbol} on {row.exchange}: {row.status.reason}")
    return MarketInputs(resolved, rows, history, tuple(messages), tuple(tables))
