"""Gather what a workbook needs from a market source (the live service or the recorded
snapshot): resolved holdings, one Market row per (symbol, exchange) used, and the funding
history and leverage tiers of each hedge symbol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from perphedge.core.errors import MarketError, UnknownSymbol
from perphedge.core.holdings import HoldingInput, is_cross_hedge
from perphedge.core.marketdata import (
    NO_DATA,
    RECORDED,
    RECORDED_SOURCE,
    FundingPoint,
    MarketRow,
    no_data_row,
)
from perphedge.market.source import MarketSource
from perphedge.market.symbols import canonical_perp
from perphedge.template.beta_sheet import BetaSeries
from perphedge.template.tiers_sheet import TierTable

HISTORY_DAYS = 90


@dataclass(frozen=True)
class MarketInputs:
    holdings: tuple[HoldingInput, ...]
    market_rows: tuple[MarketRow, ...]
    funding_history: dict[tuple[str, str], tuple[FundingPoint, ...]]
    messages: tuple[str, ...]
    tier_tables: tuple[TierTable, ...] = ()
    #: Aligned daily prices of each cross-hedged pair whose beta the Beta sheet computes.
    beta_series: tuple[BetaSeries, ...] = ()


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


def unlisted_holding(h: HoldingInput, default_exchange: str) -> HoldingInput:
    """The holding with the symbols its markets would have (``market.symbols.canonical_perp``),
    for markets the recorded snapshot does not hold."""
    exchange = h.exchange or default_exchange
    symbol = canonical_perp(h.hedge_symbol)
    price_symbol = canonical_perp(h.price_symbol) if h.price_symbol is not None else (
        canonical_perp(h.asset) if _base(symbol) != h.asset.upper() else None)
    return replace(h, hedge_symbol=symbol, exchange=exchange, price_symbol=price_symbol)


def gather(holdings: Sequence[HoldingInput], source: MarketSource, default_exchange: str,
           extra: Sequence[tuple[str, str]] = (), keep_unlisted: bool = False) -> MarketInputs:
    """Resolve the holdings and fetch their Market rows and hedge funding history.

    ``keep_unlisted`` (an offline build from the recorded snapshot): a holding whose market
    the source does not list keeps its row, with a Market row of no figures whose Status says
    ``no recorded data — refresh to fill`` (the Portfolio leaves it out of the totals and
    says so), instead of stopping the build; a message names it."""
    messages: list[str] = []
    resolved_list: list[HoldingInput] = []
    unlisted: set[tuple[str, str]] = set()
    for h in holdings:
        try:
            resolved_list.append(resolve_holding(h, source, default_exchange))
        except UnknownSymbol as e:
            if not keep_unlisted:
                raise
            kept = unlisted_holding(h, default_exchange)
            assert kept.exchange is not None
            resolved_list.append(kept)
            for sym in (kept.hedge_symbol, kept.price_symbol):
                if sym is not None:
                    try:
                        source.resolve(sym, kept.exchange)
                    except (UnknownSymbol, MarketError):
                        unlisted.add((sym, kept.exchange))
            messages.append(f"{h.asset}: {e}; its row is kept, marked {NO_DATA} (left out of the totals)")
    resolved = tuple(resolved_list)
    requests = market_requests(resolved)
    for key in extra:
        if key not in requests:
            requests.append(key)
    listed = [key for key in requests if key not in unlisted]
    fetched = dict(zip(listed, source.market_rows(listed)))
    rows = tuple(fetched.get(key) or no_data_row(*key) for key in requests)
    history: dict[tuple[str, str], tuple[FundingPoint, ...]] = {}
    hedges = [key for key in [(h.hedge_symbol, h.exchange) for h in resolved] + list(extra) if key not in unlisted]
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
        if row.status.stale and (row.symbol, row.exchange) not in unlisted:
            messages.append(f"{row.symbol} on {row.exchange}: {row.status.reason}")
    resolved, series = _cross_betas(resolved, source, messages)
    return MarketInputs(resolved, rows, history, tuple(messages), tuple(tables), series)


def _cross_betas(holdings: tuple[HoldingInput, ...], source: MarketSource,
                 messages: list[str]) -> tuple[tuple[HoldingInput, ...], tuple[BetaSeries, ...]]:
    """A cross hedge given no beta gets the minimum-variance beta of the daily prices the
    source holds (recorded or live), computed on the Beta sheet: its pair's series, and
    the holding pointed at it. With no history the holding keeps a blank beta, which its
    row flags in red (β = 1 assumed), and a message says why."""
    series: dict[tuple[str, str, str], BetaSeries | None] = {}
    out = []
    for h in holdings:
        if h.beta is not None or h.beta_from_sheet or not is_cross_hedge(h) or h.price_symbol is None:
            out.append(h)
            continue
        assert h.exchange is not None
        key = (h.asset.casefold(), h.hedge_symbol, h.exchange)
        if key not in series:
            series[key] = _pair_series(h, source, messages)
        out.append(h if series[key] is None else replace(h, beta_from_sheet=True))
    return tuple(out), tuple(s for s in series.values() if s is not None)


#: Fewer aligned returns than this give no beta worth sizing a hedge at.
MIN_BETA_RETURNS = 20


def _pair_series(h: HoldingInput, source: MarketSource, messages: list[str]) -> BetaSeries | None:
    assert h.exchange is not None and h.price_symbol is not None
    what = f"beta of {h.asset} against {h.hedge_symbol} on {h.exchange}"
    try:
        asset = source.daily_closes(h.price_symbol, HISTORY_DAYS, h.exchange)
        hedge = source.daily_closes(h.hedge_symbol, HISTORY_DAYS, h.exchange)
    except MarketError as e:
        messages.append(f"no price history for the {what}: its row assumes β = 1 and says so ({e})")
        return None
    day = 86_400_000
    by_day = {c.time_ms // day: c.close for c in hedge.value}
    pairs = [(c.time_ms, c.close, by_day[c.time_ms // day]) for c in asset.value if c.time_ms // day in by_day]
    if len(pairs) - 1 < MIN_BETA_RETURNS:
        messages.append(f"only {max(0, len(pairs) - 1)} daily returns for the {what} (fewer than "
                        f"{MIN_BETA_RETURNS}): its row assumes β = 1 and says so")
        return None
    status = asset.status if asset.status.stale or not hedge.status.stale else hedge.status
    origin = RECORDED if status.source == RECORDED_SOURCE else status.source
    return BetaSeries(h.asset, h.hedge_symbol, tuple(t for t, _, _ in pairs), tuple(a for _, a, _ in pairs),
                      tuple(b for _, _, b in pairs),
                      f"{h.asset}: daily closes of {h.price_symbol} and {h.hedge_symbol} on {h.exchange} "
                      f"({origin}), {len(pairs)} days")
