"""MarketService: every market figure the add-in shows, as frozen records with their status.

The facade over three parts: ``figures`` (one figure, read out of a batched answer held
per TTL), ``rows`` (a Market table in one batched pass) and ``fallback`` (the recorded
snapshot, offline or when the network is unreachable). A recalculation of a thousand
cells costs one request per (exchange, endpoint) per TTL; a failed fetch leaves the last
good value in place, served with ``stale=True`` and the reason.

ccxt is imported only when the first fetch runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from perphedge.core import validate
from perphedge.core.errors import DataUnavailable, InvalidInput, MarketError
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
from perphedge.core.positions import Position
from perphedge.market import symbols
from perphedge.market.config import MarketConfig
from perphedge.market.live.clients import ClientPool
from perphedge.market.live.fallback import SnapshotFallback
from perphedge.market.live.figures import Figures, as_error
from perphedge.market.live.positions import Account, FundingPaid
from perphedge.market.live.rows import MarketRows, validate_requests

MAX_HISTORY_DAYS = 1000


class MarketService:
    """Live market data for Excel functions, the ribbon and the command line.

    A :class:`~perphedge.market.source.MarketSource`. ``snapshot`` is what answers offline
    (a ``SnapshotSource``, or a stand-in in tests); by default the recorded snapshot is
    loaded the first time it is needed.
    """

    def __init__(self, config: MarketConfig | None = None, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Any] = time.sleep, clients: ClientPool | None = None,
                 snapshot: Any = None) -> None:
        self.config = config if config is not None else MarketConfig.from_env()
        self.clients = clients if clients is not None else ClientPool(self.config, clock=clock, sleep=sleep)
        self.figures = Figures(self.config, self.clients, clock=clock, sleep=sleep)
        self.fallback = SnapshotFallback(snapshot)
        self._rows = MarketRows(self.figures, self.fallback)
        self.account = Account(self.config, self.clients, clock=clock, sleep=sleep)

    def resolve(self, symbol: str, exchange: str | None = None) -> str:
        ex = self.figures.exchange(exchange)
        if self.config.offline:   # the same resolver, over the recorded markets
            return self.fallback.source().resolve(symbol, ex)
        return symbols.resolve_perp(self.figures.markets(ex), symbol, ex)

    def ticker(self, symbol: str, exchange: str | None = None) -> Observed[Ticker]:
        return self._serve("ticker", self.figures.ticker, symbol, exchange)

    def mark_index(self, symbol: str, exchange: str | None = None) -> Observed[Ticker]:
        """Mark and index price (``last_price`` None) from the answer funding reads already
        fetch wherever it carries them (Binance premium index, Bybit tickers), so MARK_PRICE
        and INDEX_PRICE cost no ticker request beside FUNDING_RATE; elsewhere from the
        exchange's batched mark-price or ticker answer."""
        return self._serve("mark_index", self.figures.mark_index, symbol, exchange)

    def spot_price(self, symbol: str, exchange: str | None = None) -> Observed[float]:
        return self._serve("spot_price", self.figures.spot_price, symbol, exchange)

    def funding(self, symbol: str, exchange: str | None = None) -> Observed[FundingRate]:
        return self._serve("funding", self.figures.funding, symbol, exchange)

    def contract_spec(self, symbol: str, exchange: str | None = None) -> Observed[ContractSpec]:
        return self._serve("contract_spec", self.figures.contract_spec, symbol, exchange)

    def leverage_tiers(self, symbol: str, exchange: str | None = None) -> Observed[tuple[LeverageTier, ...]]:
        return self._serve("leverage_tiers", self.figures.leverage_tiers, symbol, exchange)

    def funding_history(self, symbol: str, days: int = 30,
                        exchange: str | None = None) -> Observed[tuple[FundingPoint, ...]]:
        n = _days(days)
        return self.fallback.serve(
            self.config.offline, "funding_history",
            lambda: self.figures.funding_history(symbol, n, self.figures.exchange(exchange)),
            symbol, n, exchange)

    def daily_closes(self, symbol: str, days: int = 90,
                     exchange: str | None = None) -> Observed[tuple[DailyClose, ...]]:
        n = _days(days)
        return self.fallback.serve(
            self.config.offline, "daily_closes",
            lambda: self.figures.daily_closes(symbol, n, self.figures.exchange(exchange)),
            symbol, n, exchange)

    def status(self, symbol: str, exchange: str | None = None) -> DataStatus:
        """Status of the newest price data held for ``symbol`` (fetched if none is held)."""
        if self.config.offline:
            return self.fallback.source().status(symbol, exchange)
        try:
            return self.ticker(symbol, exchange).status
        except InvalidInput:
            raise
        except MarketError as e:
            return DataStatus(self.figures.exchange(exchange), self.figures.now_ms(), True, str(e))

    def market_rows(self, requests: Sequence[tuple[str, str | None]]) -> list[MarketRow]:
        """One batched pass for a Market table; rows in the order asked, each under its
        unified symbol (a symbol that could not be resolved keeps the text asked).

        One request per (exchange, endpoint), exchanges at the same time. A bad symbol or
        a failing exchange marks only its own rows.
        """
        pairs = validate_requests(requests)
        if self.config.offline:
            return list(self.fallback.source().market_rows(pairs))
        return self._rows.rows(pairs)

    # -- the account, read only (signed requests: never served from the snapshot) ---------

    def positions(self, exchange: str | None = None) -> Observed[tuple[Position, ...]]:
        """The exchange's open positions: one request per exchange per price TTL, whatever
        the number of cells; a failed read serves the last ones held, stale."""
        ex = self._account_exchange(exchange)
        return self._account_read(("positions", ex), self.config.ttl_prices_s,
                                  lambda: self.account.positions(ex), ex)

    def funding_paid(self, symbol: str, days: int = 7,
                     exchange: str | None = None) -> Observed[FundingPaid]:
        """Funding the account paid or received on ``symbol`` over ``days``: one paged read
        per (exchange, symbol, days) per funding TTL."""
        ex = self._account_exchange(exchange)
        n = _days(days)
        return self._account_read(("funding_paid", ex, symbol, n), self.config.ttl_funding_s,
                                  lambda: self.account.funding_paid(ex, symbol, n), ex)

    def _account_exchange(self, exchange: str | None) -> str:
        ex = self.figures.exchange(exchange)
        if self.config.offline:
            raise DataUnavailable(f"{ex}: positions and funding paid are read from the exchange "
                                  "and perphedge is offline (the recorded snapshot holds no "
                                  "account)", ex)
        return ex

    def _account_read(self, key: tuple[Any, ...], ttl_s: float, fetch: Callable[[], Any],
                      ex: str) -> Observed[Any]:
        entry = self.figures.cache.get(key, ttl_s, fetch, failed_ttl_s=self.config.ttl_prices_s)
        if not entry.has_value:
            raise as_error(entry.error, ex)
        return Observed(entry.held(), self.figures.status(ex, [entry]))

    def clear(self) -> None:
        """Drop in-process caches (the next read fetches again)."""
        self.figures.clear()

    def _serve(self, method: str, live: Callable[[str, str], Observed[Any]], symbol: str,
               exchange: str | None) -> Observed[Any]:
        return self.fallback.serve(self.config.offline, method,
                                   lambda: live(symbol, self.figures.exchange(exchange)), symbol, exchange)


def _days(days: Any) -> int:
    n = validate.integer("days", days, minimum=1)
    if n > MAX_HISTORY_DAYS:
        raise InvalidInput("days", days, f"must be at most {MAX_HISTORY_DAYS}")
    return n


# -- the process-wide instance ----------------------------------------------------------------

_service: MarketService | None = None
_service_lock = threading.Lock()


def get_service(config: Callable[[], MarketConfig] | None = None) -> MarketService:
    """The process-wide service (Excel functions and the ribbon share its caches).

    ``config`` gives the settings it is built with on first use (default: environment and
    config file); the Excel functions pass theirs (a short timeout, no retries)."""
    global _service
    with _service_lock:
        if _service is None:
            _service = MarketService(config() if config is not None else None)
        return _service


def reset_service(service: MarketService | None = None) -> None:
    """Install ``service`` (tests) or drop the current one (the next call builds anew)."""
    global _service
    with _service_lock:
        _service = service
