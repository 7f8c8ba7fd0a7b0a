"""The one interface every market source implements: the live service
(:class:`perphedge.market.live.service.MarketService`) and the recorded snapshot
(:class:`perphedge.market.snapshot.source.SnapshotSource`).

Everything above the market layer (refresh, the template builder, the Excel functions, the
commands) asks a ``MarketSource`` and never knows which one answers; the status of every
answer says where it came from. ``tests/market/test_source.py`` checks that both classes
implement every method here with the same parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from perphedge.core.marketdata import (
    ContractSpec,
    DailyClose,
    DataStatus,
    FundingPoint,
    FundingRate,
    LeverageTier,
    MarketRow,
    Observed,
    Ticker,
)


class MarketSource(Protocol):
    """Market figures with their provenance. ``exchange`` None means the default exchange;
    a symbol is anything a user types (``BTC``, ``BTCUSDT``, ``BTC/USDT:USDT``), resolved
    by :mod:`perphedge.market.symbols`. Every method raises a
    :class:`~perphedge.core.errors.PerphedgeError` subclass, never a foreign exception."""

    def resolve(self, symbol: str, exchange: str | None = None) -> str:
        """The ccxt unified symbol of the market ``symbol`` names."""
        ...

    def ticker(self, symbol: str, exchange: str | None = None) -> Observed[Ticker]:
        ...

    def mark_index(self, symbol: str, exchange: str | None = None) -> Observed[Ticker]:
        """Mark and index price of a perp (``last_price`` may be None)."""
        ...

    def spot_price(self, symbol: str, exchange: str | None = None) -> Observed[float]:
        """The price of the spot market matching the perp ``symbol`` names."""
        ...

    def funding(self, symbol: str, exchange: str | None = None) -> Observed[FundingRate]:
        ...

    def contract_spec(self, symbol: str, exchange: str | None = None) -> Observed[ContractSpec]:
        ...

    def leverage_tiers(self, symbol: str,
                       exchange: str | None = None) -> Observed[tuple[LeverageTier, ...]]:
        """Maintenance tiers, smallest first; DataUnavailable where the source has none."""
        ...

    def funding_history(self, symbol: str, days: int = 30,
                        exchange: str | None = None) -> Observed[tuple[FundingPoint, ...]]:
        ...

    def daily_closes(self, symbol: str, days: int = 90,
                     exchange: str | None = None) -> Observed[tuple[DailyClose, ...]]:
        ...

    def status(self, symbol: str, exchange: str | None = None) -> DataStatus:
        """Status of the newest price data held for the market."""
        ...

    def market_rows(self, requests: Sequence[tuple[str, str | None]]) -> list[MarketRow]:
        """One Market-table row per (symbol, exchange) asked, in order; a request that
        cannot be served gives a row whose status says why, never an exception."""
        ...

    def clear(self) -> None:
        """Drop in-process caches (the next read fetches again)."""
        ...
