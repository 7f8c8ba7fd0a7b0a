"""One market figure at a time: which batched answer holds it, fetched at most once per TTL.

Every figure is read out of a batched answer (see ``endpoints``) held in the in-process
TTL cache, so a thousand reads of different symbols cost one request per (exchange,
endpoint) per TTL. A failed fetch leaves the last good answer in place: the figure is
served from it with ``stale=True`` and the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from perphedge.core.conventions import DEFAULT_INTERVAL_HOURS, MS_PER_DAY
from perphedge.core.errors import DataUnavailable, ExchangeError, ImplausibleFigure, InvalidInput, MarketError
from perphedge.core.marketdata import (
    ContractSpec,
    DailyClose,
    DataStatus,
    FundingPoint,
    FundingRate,
    LeverageTier,
    Observed,
    Ticker,
)
from perphedge.market import symbols
from perphedge.market.config import MarketConfig
from perphedge.market.live import endpoints, faults, history, parse
from perphedge.market.live.cache import Entry, TTLCache
from perphedge.market.live.clients import ClientPool, spot_exchange_for
from perphedge.market.live.endpoints import Endpoint

T = TypeVar("T")

#: (symbol, market, kind) of a resolved perp; kind is 'linear' or 'inverse'.
Perp = tuple[str, Mapping[str, Any], str]


class Figures:
    """Live figures of resolved markets, each from its cached batched answer."""

    def __init__(self, config: MarketConfig, clients: ClientPool, *,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Any] = time.sleep) -> None:
        self.config = config
        self.clients = clients
        self.cache = TTLCache(clock)
        self._clock = clock
        self._sleep = sleep
        #: interval inferred from funding history held: (hours, when that history was fetched)
        self._history_interval: dict[tuple[str, str], tuple[float, int]] = {}

    def clear(self) -> None:
        self.cache.clear()
        self._history_interval.clear()
        self.clients.clear()

    # -- markets and symbols -----------------------------------------------------------

    def exchange(self, exchange: str | None) -> str:
        """The exchange id a cell means (blank: the default)."""
        if exchange is None or (isinstance(exchange, str) and not exchange.strip()):
            return self.config.default_exchange
        if not isinstance(exchange, str):
            raise InvalidInput("exchange", exchange, "must be an exchange id such as binanceusdm")
        return exchange.strip().lower()

    def markets(self, ex: str) -> Mapping[str, Any]:
        entry = self.cache.get(("markets", ex), self.config.ttl_markets_s,
                               lambda: self.clients.markets(ex), failed_ttl_s=self.config.ttl_prices_s)
        if not entry.has_value:
            raise as_error(entry.error, ex)
        return entry.held()

    def perp(self, symbol: str, ex: str) -> Perp:
        markets = self.markets(ex)
        sym = symbols.resolve_perp(markets, symbol, ex)
        return perp_of(markets, sym)

    # -- the figures -------------------------------------------------------------------

    def ticker(self, symbol: str, ex: str) -> Observed[Ticker]:
        sym, _, kind = self.perp(symbol, ex)
        last_ep, mark_ep = endpoints.last_prices(ex, kind), endpoints.marks(ex, kind)
        wanted = [last_ep] if last_ep.name == mark_ep.name else [last_ep, mark_ep]
        got: dict[str, tuple[Mapping[str, Any], Entry[Any]]] = {}
        errors: list[MarketError] = []
        for ep in wanted:
            try:
                got[ep.name] = self.read(ex, ep)
            except MarketError as e:
                errors.append(e)
        if not got:
            raise errors[0]
        last = got[last_ep.name][0].get(sym) if last_ep.name in got else None
        marks = got[mark_ep.name][0].get(sym) if mark_ep.name in got else None
        if last is None and marks is None:
            raise self.absent(ex, sym, "no price")
        tick = parse.ticker(sym, ex, last, marks)
        status = self.status(ex, [entry for _, entry in got.values()], tick.timestamp_ms, errors)
        return Observed(tick, status)

    def mark_index(self, symbol: str, ex: str) -> Observed[Ticker]:
        """Mark and index of a perp without asking for its last price (see ``mark_index_of``)."""
        sym, _, kind = self.perp(symbol, ex)
        return self.mark_index_of(sym, ex, kind)

    def mark_index_of(self, sym: str, ex: str, kind: str) -> Observed[Ticker]:
        """Mark and index (no last price): from the batched funding answer when it carries
        both (Binance premium index, Bybit tickers), else completed from the exchange's
        mark-price or ticker answer (OKX, whose funding answer has no prices)."""
        mark = index = ts = None
        entries: list[Entry[Any]] = []
        errors: list[MarketError] = []
        try:
            held = self.prices_from_funding(ex, sym, kind)
        except MarketError as e:
            held = None
            errors.append(e)
        if held is not None and held[0][:2] != (None, None):
            (mark, index, ts), entry = held
            entries.append(entry)
        marks_ep = endpoints.marks(ex, kind)
        if (mark is None or index is None) and marks_ep.name != endpoints.funding(ex, kind).name:
            try:
                raw, entry = self.read(ex, marks_ep)
            except MarketError as e:
                errors.append(e)
            else:
                item = raw.get(sym) or {}
                if parse.price(item.get("markPrice")) is not None or parse.price(item.get("indexPrice")) is not None:
                    mark = mark or parse.price(item.get("markPrice"))
                    index = index or parse.price(item.get("indexPrice"))
                    ts = ts or parse.integer(item.get("timestamp"))
                    entries.append(entry)
        if mark is None and index is None:
            if errors and not entries:
                raise errors[0]
            raise self.absent(ex, sym, "no mark price", "nor an index price")
        parse.checked_prices(sym, ex, mark_price=mark, index_price=index)
        tick = Ticker(sym, ex, None, mark, index, ts)
        return Observed(tick, self.status(ex, entries, ts))

    def funding_has_prices(self, ex: str, sym: str, kind: str) -> bool:
        try:
            held = self.prices_from_funding(ex, sym, kind)
        except MarketError:
            return False
        return held is not None and None not in held[0][:2]

    def prices_from_funding(self, ex: str, sym: str,
                            kind: str) -> tuple[tuple[float | None, float | None, int | None], Entry[Any]] | None:
        """(mark, index, time) from the funding answer (a price it lacks is None), or None
        when it has no entry for ``sym``."""
        raw, entry = self.read(ex, endpoints.funding(ex, kind))
        with self.clients.use(ex) as client:
            item = endpoints.funding_entry(ex, client, raw, sym)
        if item is None:
            return None
        # Bybit's entry is re-parsed from the raw ticker, which has no time: the answer's own
        ts = parse.integer(item.get("timestamp")) or parse.integer((raw.get(sym) or {}).get("timestamp"))
        return (parse.price(item.get("markPrice")), parse.price(item.get("indexPrice")), ts), entry

    def spot_price(self, symbol: str, ex: str) -> Observed[float]:
        spot_ex = spot_exchange_for(ex)
        spot_markets = self.markets(spot_ex)
        ssym = symbols.resolve_spot(spot_markets, symbol, spot_ex)
        if ssym is None:
            _, market, _ = self.perp(symbol, ex)
            ssym = symbols.spot_symbol(spot_markets, market, spot_ex)
        raw, entry = self.read(spot_ex, endpoints.last_prices(spot_ex, "spot"))
        tick = raw.get(ssym) or {}
        value = parse.price(tick.get("last")) or parse.price(tick.get("price"))
        if value is None:
            raise self.absent(spot_ex, ssym, "no spot price", market=spot_markets.get(ssym))
        parse.checked_prices(ssym, spot_ex, spot_price=value)
        return Observed(value, self.status(spot_ex, [entry], parse.integer(tick.get("timestamp"))))

    def funding(self, symbol: str, ex: str) -> Observed[FundingRate]:
        sym, _, kind = self.perp(symbol, ex)
        raw, entry = self.read(ex, endpoints.funding(ex, kind))
        with self.clients.use(ex) as client:
            item = endpoints.funding_entry(ex, client, raw, sym)
        if item is None:
            raise self.absent(ex, sym, "no funding rate")
        hours, source = self._interval(ex, sym, kind, item)
        rate = parse.funding_rate(sym, ex, item, hours, source)
        return Observed(rate, self.status(ex, [entry], rate.timestamp_ms))

    def _interval(self, ex: str, sym: str, kind: str, item: Mapping[str, Any]) -> tuple[float, str]:
        """From the exchange, else inferred from funding history held, else 8 h (flagged)."""
        hours = parse.interval_hours_from_text(item.get("interval"))
        if hours is None:
            ep = endpoints.intervals(ex, kind)
            if ep is not None:
                try:
                    hours = self.read(ex, ep)[0].get(sym)
                except MarketError:
                    hours = None  # the rate itself is still good; the interval falls back
        if hours is not None:
            return float(hours), "exchange"
        inferred = self._history_interval.get((ex, sym))
        # exchanges re-set intervals: an inference is trusted as long as listings are (a day)
        if inferred is not None and 0 <= self.now_ms() - inferred[1] < self.config.ttl_markets_s * 1000:
            return inferred[0], "history"
        return DEFAULT_INTERVAL_HOURS, "assumed"

    def contract_spec(self, symbol: str, ex: str) -> Observed[ContractSpec]:
        sym, market, _ = self.perp(symbol, ex)
        spec = parse.contract_spec(market, ex, self.clients.client(ex).precisionMode)
        entry = self.cache.peek(("markets", ex))
        as_of = entry.as_of_ms if entry is not None else self.now_ms()
        return Observed(spec, DataStatus(ex, as_of))

    def leverage_tiers(self, symbol: str, ex: str) -> Observed[tuple[LeverageTier, ...]]:
        sym, market, kind = self.perp(symbol, ex)
        ep = endpoints.tiers(ex, self.clients.client(ex), kind, market)
        raw, entry = self.read(ex, ep)
        rows = raw.get(sym)
        if not rows:
            raise DataUnavailable(f"{ex} sent no leverage tiers for {sym}", ex)
        return Observed(parse.leverage_tiers(rows, ex, bool(market.get("inverse"))),
                        self.status(ex, [entry]))

    def funding_history(self, symbol: str, days: int, ex: str) -> Observed[tuple[FundingPoint, ...]]:
        sym, _, _ = self.perp(symbol, ex)
        now = self.now_ms()
        since = now - days * MS_PER_DAY

        def fetch() -> tuple[tuple[FundingPoint, ...], float | None, str | None]:
            with self.clients.use(ex) as client:
                paged = self.call(ex, lambda: history.funding_pages(client, ex, sym, since, now))
            points = parse.funding_points(paged.rows, since, now)
            cut = _truncation_note(ex, sym, days, paged, points) if paged.truncated else None
            # derived once per fetch and kept beside the points: a warm read infers nothing
            return points, _inferred_interval(points), cut

        entry = self.cache.get((ex, "fundingHistory", sym, days), self.config.ttl_funding_s, fetch)
        if not entry.has_value:
            raise as_error(entry.error, ex)
        points, hours, cut = entry.held()
        if hours is not None:
            self._history_interval[(ex, sym)] = (hours, entry.as_of_ms)
        status = self.status(ex, [entry])
        if cut is not None:  # a partial history is served, and its status says which part
            status = DataStatus(ex, status.as_of_ms, True, "; ".join(filter(None, (status.reason, cut))))
        return Observed(points, status)

    def daily_closes(self, symbol: str, days: int, ex: str) -> Observed[tuple[DailyClose, ...]]:
        sym, _, _ = self.perp(symbol, ex)
        now = self.now_ms()
        since = (now // MS_PER_DAY - days) * MS_PER_DAY

        def fetch() -> tuple[DailyClose, ...]:
            with self.clients.use(ex) as client:
                rows = self.call(ex, lambda: history.ohlcv_pages(client, sym, since, now, days))
            return parse.daily_closes(rows, since, now)

        entry = self.cache.get((ex, "dailyCloses", sym, days), self.config.ttl_funding_s, fetch)
        if not entry.has_value:
            raise as_error(entry.error, ex)
        return Observed(entry.held(), self.status(ex, [entry]))

    # -- plumbing ------------------------------------------------------------------------

    def absent(self, ex: str, sym: str, what: str, more: str = "",
               market: Mapping[str, Any] | None = None) -> MarketError:
        """The error for a market an answer does not hold: suspect when the answer listed it
        twice with different figures (taken out at the door, see ``clients``)."""
        if market is None:
            market = (self.markets(ex) or {}).get(sym) or {}
        market_id = market.get("id")
        where = self.clients.duplicated(ex, market_id) if isinstance(market_id, str) else None
        if where is not None:
            return ImplausibleFigure(f"{ex} listed {sym} twice with different figures in one answer "
                                     f"({where}); neither is used", ex)
        return DataUnavailable(f"{ex} sent {what} for {sym}" + (f", {more}" if more else ""), ex)

    def now_ms(self) -> int:
        return int(self._clock() * 1000)

    def call(self, ex: str, fn: Callable[[], T]) -> T:
        return faults.call(fn, ex, retries=self.config.retries, wait_cap_s=self.config.retry_wait_cap_s,
                           sleep=self._sleep)

    def read(self, ex: str, ep: Endpoint) -> tuple[Mapping[str, Any], Entry[Any]]:
        """The endpoint's answer (cached per TTL), and its cache entry for the status."""
        def ask() -> dict[str, Any]:
            with self.clients.use(ex) as client:
                answer = self.call(ex, lambda: ep.fetch(client))
            if not isinstance(answer, Mapping):
                raise ExchangeError(f"{ex} sent a malformed answer to {ep.name}", ex)
            return dict(answer)

        def fetch() -> Mapping[str, Any]:
            answer = self.clients.day_answer(ex, ep.name, ask) if ep.on_disk else ask()
            held = self.cache.peek(key)
            if not answer and held is not None and held.has_value and held.value:
                # a batched endpoint that listed markets and now lists none is broken,
                # not a market where everything was delisted at once
                raise ExchangeError(f"{ex} sent an empty answer to {ep.name}", ex)
            return answer

        key = (ex, ep.name)
        entry = self.cache.get(key, getattr(self.config, ep.ttl), fetch)
        if not entry.has_value:
            raise as_error(entry.error, ex)
        return entry.held(), entry

    def status(self, ex: str, entries: Sequence[Entry[Any]], exchange_ts: int | None = None,
               errors: Sequence[MarketError] = ()) -> DataStatus:
        failed = [e for e in entries if e.error is not None]
        if failed or errors:
            reasons = list(dict.fromkeys([reason(e.error) for e in failed] + [reason(e) for e in errors]))
            # the age of the value served: the exchange's own stamp of it when it gave one
            as_of = exchange_ts if exchange_ts is not None else min(e.as_of_ms for e in (failed or entries))
            return DataStatus(ex, as_of, True, "; ".join(reasons))
        received = min(e.as_of_ms for e in entries) if entries else self.now_ms()
        return DataStatus(ex, exchange_ts if exchange_ts is not None else received)


def perp_of(markets: Mapping[str, Any], sym: str) -> Perp:
    market = markets[sym]
    return sym, market, "inverse" if market.get("inverse") else "linear"


def reason(error: BaseException | None) -> str:
    return str(error) if error is not None else "unknown reason"


def as_error(error: BaseException | None, ex: str) -> MarketError:
    """The package error a cache entry's failure stands for (bad input is raised as is)."""
    if isinstance(error, MarketError):
        return error
    if isinstance(error, InvalidInput):
        raise error
    if error is None:
        return DataUnavailable(f"{ex}: no data", ex)
    translated = faults.translate(error, ex)
    if isinstance(translated, MarketError):
        return translated
    raise translated


def _truncation_note(ex: str, sym: str, days: int, paged: history.FundingPages,
                     points: Sequence[FundingPoint]) -> str:
    span = (f"holds {_day(points[0].time_ms)} to {_day(points[-1].time_ms)} only"
            if points else "holds no settlement")
    return (f"{ex} funding history of {sym} truncated at {paged.pages} pages: {span}, "
            f"not all {days} days asked")


def _day(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


def _inferred_interval(points: Sequence[FundingPoint]) -> float | None:
    from perphedge.core.funding import infer_interval_hours

    return infer_interval_hours([p.time_ms for p in points]) if len(points) >= 2 else None
