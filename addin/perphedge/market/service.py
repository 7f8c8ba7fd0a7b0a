"""MarketService: every market figure the add-in shows, as frozen records with their status.

Reads are served from an in-process TTL cache filled by batched calls (one per exchange
and endpoint, see ``endpoints``), so a recalculation of a thousand cells costs one request
per (exchange, endpoint) per TTL. A failed fetch leaves the last good value in place,
served with ``stale=True`` and the reason. Offline, or when the network is unreachable,
the recorded snapshot (``perphedge.market.snapshot``) answers instead.

ccxt is imported only when the first fetch runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from perphedge.core import validate
from perphedge.core.conventions import DEFAULT_INTERVAL_HOURS, MS_PER_DAY
from perphedge.core.errors import DataUnavailable, ExchangeError, InvalidInput, MarketError
from perphedge.core.marketdata import (ContractSpec, DailyClose, DataStatus, FundingPoint,
                                       FundingRate, LeverageTier, MarketRow, Observed, Ticker)
from perphedge.market import batch, endpoints, faults, history, parse, symbols
from perphedge.market.cache import Entry, TTLCache
from perphedge.market.clients import ClientPool, spot_exchange_for
from perphedge.market.config import MarketConfig
from perphedge.market.endpoints import Endpoint

T = TypeVar("T")

MAX_HISTORY_DAYS = 1000


class MarketService:
    """Live market data for Excel functions, the ribbon and the command line."""

    def __init__(self, config: MarketConfig | None = None, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Any] = time.sleep, clients: ClientPool | None = None) -> None:
        self.config = config if config is not None else MarketConfig.from_env()
        self._clock = clock
        self._sleep = sleep
        self.clients = clients if clients is not None else ClientPool(self.config, clock=clock, sleep=sleep)
        self._cache = TTLCache(clock)
        #: interval inferred from funding history held: (hours, when that history was fetched)
        self._history_interval: dict[tuple[str, str], tuple[float, int]] = {}
        self._snapshot_source: Any = None
        self._snapshot_lock = threading.Lock()

    # -- public API ----------------------------------------------------------------------

    def resolve(self, symbol: str, exchange: str | None = None) -> str:
        ex = self._exchange(exchange)
        if self.config.offline:
            return symbol if isinstance(symbol, str) else symbols.resolve_perp({}, symbol, ex)
        return symbols.resolve_perp(self._markets(ex), symbol, ex)

    def ticker(self, symbol: str, exchange: str | None = None) -> Observed[Ticker]:
        return self._live_or_snapshot("ticker", lambda: self._ticker(symbol, self._exchange(exchange)),
                                      symbol, exchange)

    def spot_price(self, symbol: str, exchange: str | None = None) -> Observed[float]:
        return self._live_or_snapshot("spot_price", lambda: self._spot_price(symbol, self._exchange(exchange)),
                                      symbol, exchange)

    def funding(self, symbol: str, exchange: str | None = None) -> Observed[FundingRate]:
        return self._live_or_snapshot("funding", lambda: self._funding(symbol, self._exchange(exchange)),
                                      symbol, exchange)

    def contract_spec(self, symbol: str, exchange: str | None = None) -> Observed[ContractSpec]:
        return self._live_or_snapshot("contract_spec", lambda: self._contract_spec(symbol, self._exchange(exchange)),
                                      symbol, exchange)

    def leverage_tiers(self, symbol: str, exchange: str | None = None) -> Observed[tuple[LeverageTier, ...]]:
        return self._live_or_snapshot("leverage_tiers", lambda: self._leverage_tiers(symbol, self._exchange(exchange)),
                                      symbol, exchange)

    def funding_history(self, symbol: str, days: int = 30,
                        exchange: str | None = None) -> Observed[tuple[FundingPoint, ...]]:
        n = validate.integer("days", days, minimum=1)
        if n > MAX_HISTORY_DAYS:
            raise InvalidInput("days", days, f"must be at most {MAX_HISTORY_DAYS}")
        return self._live_or_snapshot("funding_history",
                                      lambda: self._funding_history(symbol, n, self._exchange(exchange)),
                                      symbol, n, exchange)

    def daily_closes(self, symbol: str, days: int = 90,
                     exchange: str | None = None) -> Observed[tuple[DailyClose, ...]]:
        n = validate.integer("days", days, minimum=1)
        if n > MAX_HISTORY_DAYS:
            raise InvalidInput("days", days, f"must be at most {MAX_HISTORY_DAYS}")
        return self._live_or_snapshot("daily_closes",
                                      lambda: self._daily_closes(symbol, n, self._exchange(exchange)),
                                      symbol, n, exchange)

    def status(self, symbol: str, exchange: str | None = None) -> DataStatus:
        """Status of the newest price data held for ``symbol`` (fetched if none is held)."""
        if self.config.offline:
            return self._snapshot().status(symbol, exchange)
        try:
            return self.ticker(symbol, exchange).status
        except InvalidInput:
            raise
        except MarketError as e:
            return DataStatus(self._exchange(exchange), self._now_ms(), True, str(e))

    def market_rows(self, requests: Sequence[tuple[str, str | None]]) -> list[MarketRow]:
        """One batched pass for a Market table; rows in the order asked, each under its
        unified symbol (a symbol that could not be resolved keeps the text asked).

        One request per (exchange, endpoint), exchanges at the same time. A bad symbol or
        a failing exchange marks only its own rows.
        """
        pairs = _validate_requests(requests)
        if self.config.offline:
            return list(self._snapshot().market_rows(pairs))
        by_exchange: dict[str, list[int]] = {}
        rows: list[MarketRow | None] = [None] * len(pairs)
        for i, (text, ex) in enumerate(pairs):
            try:
                by_exchange.setdefault(self._exchange(ex), []).append(i)
            except InvalidInput as e:  # a bad exchange cell marks its own row only
                rows[i] = self._empty_row(text, str(ex), str(e))
        results = batch.run_concurrently(
            {ex: (lambda ex=ex, idx=idx: self._exchange_rows(ex, [pairs[i] for i in idx]))
             for ex, idx in by_exchange.items()})
        for ex, idx in by_exchange.items():
            got = results[ex]
            if isinstance(got, BaseException):
                got = [self._empty_row(pairs[i][0], ex, _reason(got)) for i in idx]
            for i, row in zip(idx, got):
                rows[i] = row
        return [r for r in rows if r is not None]

    def clear(self) -> None:
        """Drop in-process caches (the next read fetches again)."""
        self._cache.clear()
        self._history_interval.clear()
        self.clients.clear()

    # -- one figure ----------------------------------------------------------------------

    def _perp(self, symbol: str, ex: str) -> tuple[str, Mapping[str, Any], str]:
        markets = self._markets(ex)
        sym = symbols.resolve_perp(markets, symbol, ex)
        market = markets[sym]
        return sym, market, "inverse" if market.get("inverse") else "linear"

    def _ticker(self, symbol: str, ex: str) -> Observed[Ticker]:
        sym, _, kind = self._perp(symbol, ex)
        last_ep, mark_ep = endpoints.last_prices(ex, kind), endpoints.marks(ex, kind)
        wanted = [last_ep] if last_ep.name == mark_ep.name else [last_ep, mark_ep]
        got: dict[str, tuple[Mapping[str, Any], Entry[Any]]] = {}
        errors: list[MarketError] = []
        for ep in wanted:
            try:
                got[ep.name] = self._read(ex, ep)
            except MarketError as e:
                errors.append(e)
        if not got:
            raise errors[0]
        last = got[last_ep.name][0].get(sym) if last_ep.name in got else None
        marks = got[mark_ep.name][0].get(sym) if mark_ep.name in got else None
        tick = parse.ticker(sym, ex, last, marks)
        status = self._status(ex, [entry for _, entry in got.values()], tick.timestamp_ms, errors)
        return Observed(tick, status)

    def _spot_price(self, symbol: str, ex: str) -> Observed[float]:
        spot_ex = spot_exchange_for(ex)
        spot_markets = self._markets(spot_ex)
        ssym = symbols.resolve_spot(spot_markets, symbol, spot_ex)
        if ssym is None:
            _, market, _ = self._perp(symbol, ex)
            ssym = symbols.spot_symbol(spot_markets, market, spot_ex)
        raw, entry = self._read(spot_ex, endpoints.last_prices(spot_ex, "spot"))
        tick = raw.get(ssym) or {}
        value = parse.price(tick.get("last")) or parse.price(tick.get("price"))
        if value is None:
            raise DataUnavailable(f"{spot_ex} sent no spot price for {ssym}", spot_ex)
        return Observed(value, self._status(spot_ex, [entry], parse.integer(tick.get("timestamp"))))

    def _funding(self, symbol: str, ex: str) -> Observed[FundingRate]:
        sym, _, kind = self._perp(symbol, ex)
        raw, entry = self._read(ex, endpoints.funding(ex, kind))
        with self.clients.use(ex) as client:
            item = endpoints.funding_entry(ex, client, raw, sym)
        if item is None:
            raise DataUnavailable(f"{ex} sent no funding rate for {sym}", ex)
        hours, source = self._interval(ex, sym, kind, item)
        rate = parse.funding_rate(sym, ex, item, hours, source)
        return Observed(rate, self._status(ex, [entry], rate.timestamp_ms))

    def _interval(self, ex: str, sym: str, kind: str, item: Mapping[str, Any]) -> tuple[float, str]:
        """From the exchange, else inferred from funding history held, else 8 h (flagged)."""
        hours = parse.interval_hours_from_text(item.get("interval"))
        if hours is None:
            ep = endpoints.intervals(ex, kind)
            if ep is not None:
                try:
                    hours = self._read(ex, ep)[0].get(sym)
                except MarketError:
                    hours = None  # the rate itself is still good; the interval falls back
        if hours is not None:
            return float(hours), "exchange"
        inferred = self._history_interval.get((ex, sym))
        # exchanges re-set intervals: an inference is trusted as long as listings are (a day)
        if inferred is not None and 0 <= self._now_ms() - inferred[1] < self.config.ttl_markets_s * 1000:
            return inferred[0], "history"
        return DEFAULT_INTERVAL_HOURS, "assumed"

    def _contract_spec(self, symbol: str, ex: str) -> Observed[ContractSpec]:
        sym, market, _ = self._perp(symbol, ex)
        spec = parse.contract_spec(market, ex, self.clients.client(ex).precisionMode)
        entry = self._cache.peek(("markets", ex))
        as_of = entry.as_of_ms if entry is not None else self._now_ms()
        return Observed(spec, DataStatus(ex, as_of))

    def _leverage_tiers(self, symbol: str, ex: str) -> Observed[tuple[LeverageTier, ...]]:
        sym, market, kind = self._perp(symbol, ex)
        ep = endpoints.tiers(ex, self.clients.client(ex), kind, market)
        raw, entry = self._read(ex, ep)
        rows = raw.get(sym)
        if not rows:
            raise DataUnavailable(f"{ex} sent no leverage tiers for {sym}", ex)
        return Observed(parse.leverage_tiers(rows, ex, bool(market.get("inverse"))),
                        self._status(ex, [entry]))

    def _funding_history(self, symbol: str, days: int, ex: str) -> Observed[tuple[FundingPoint, ...]]:
        sym, _, _ = self._perp(symbol, ex)
        now = self._now_ms()
        since = now - days * MS_PER_DAY

        def fetch() -> tuple[tuple[FundingPoint, ...], float | None]:
            with self.clients.use(ex) as client:
                rows = self._call(ex, lambda: history.funding_pages(client, ex, sym, since, now))
            points = parse.funding_points(rows, since, now)
            # derived once per fetch and kept beside the points: a warm read infers nothing
            return points, _inferred_interval(points)

        entry = self._cache.get((ex, "fundingHistory", sym, days), self.config.ttl_funding_s, fetch)
        if not entry.has_value:
            raise _as_error(entry.error, ex)
        points, hours = entry.value
        if hours is not None:
            self._history_interval[(ex, sym)] = (hours, entry.as_of_ms)
        return Observed(points, self._status(ex, [entry]))

    def _daily_closes(self, symbol: str, days: int, ex: str) -> Observed[tuple[DailyClose, ...]]:
        sym, _, _ = self._perp(symbol, ex)
        now = self._now_ms()
        since = (now // MS_PER_DAY - days) * MS_PER_DAY

        def fetch() -> tuple[DailyClose, ...]:
            with self.clients.use(ex) as client:
                rows = self._call(ex, lambda: history.ohlcv_pages(client, sym, since, now, days))
            return parse.daily_closes(rows, since, now)

        entry = self._cache.get((ex, "dailyCloses", sym, days), self.config.ttl_funding_s, fetch)
        if not entry.has_value:
            raise _as_error(entry.error, ex)
        return Observed(entry.value, self._status(ex, [entry]))

    # -- a Market table --------------------------------------------------------------------

    def _exchange_rows(self, ex: str, pairs: list[tuple[str, str | None]]) -> list[MarketRow]:
        spot_ex = spot_exchange_for(ex)
        try:
            loaded = batch.run_concurrently({e: (lambda e=e: self._markets(e)) for e in {ex, spot_ex}})
            if isinstance(loaded[ex], BaseException):
                raise loaded[ex]
        except faults.Unreachable as e:
            return self._snapshot_rows(ex, pairs, e)
        except Exception as e:  # the whole exchange failed: every row says why
            return [self._empty_row(s, ex, _reason(e)) for s, _ in pairs]
        markets = loaded[ex]
        resolved: list[tuple[str, Mapping[str, Any], str] | MarketError] = []
        for s, _ in pairs:
            try:
                sym = symbols.resolve_perp(markets, s, ex)
                m = markets[sym]
                resolved.append((sym, m, "inverse" if m.get("inverse") else "linear"))
            except MarketError as e:
                resolved.append(e)
            except InvalidInput as e:
                resolved.append(DataUnavailable(str(e), ex))
        kinds = {r[2] for r in resolved if isinstance(r, tuple)}
        self._warm(ex, spot_ex, kinds, [r for r in resolved if isinstance(r, tuple)], loaded)
        for kind in kinds:  # markets were on disk but the network is gone: the snapshot answers
            held = self._cache.peek((ex, endpoints.funding(ex, kind).name))
            if held is not None and not held.has_value and isinstance(held.error, faults.Unreachable):
                return self._snapshot_rows(ex, pairs, held.error)
        return [self._row(ex, spot_ex, loaded, pairs[i][0], r) for i, r in enumerate(resolved)]

    def _warm(self, ex: str, spot_ex: str, kinds: set[str], wanted: list[tuple[str, Mapping[str, Any], str]],
              loaded: Mapping[str, Any]) -> None:
        """Fetch every endpoint the rows need once, each exchange in its own thread;
        failures are recorded in the cache and surface as row statuses."""
        perp_eps: dict[str, Endpoint] = {}
        marks_eps: dict[str, Endpoint] = {}  # asked only where the funding answer lacks prices
        for kind in sorted(kinds):
            fund = endpoints.funding(ex, kind)
            for ep in (fund, endpoints.intervals(ex, kind)):
                if ep is not None:
                    perp_eps[ep.name] = ep
            marks = endpoints.marks(ex, kind)
            if marks.name != fund.name:
                marks_eps[kind] = marks
        client = self.clients.client(ex)
        for _, market, kind in wanted:
            try:
                ep = endpoints.tiers(ex, client, kind, market)
            except MarketError:
                continue
            perp_eps[ep.name] = ep
        spot_eps = {} if isinstance(loaded.get(spot_ex), BaseException) else \
            {"spot": endpoints.last_prices(spot_ex, "spot")}

        def run(exchange: str, eps: list[Endpoint]) -> None:
            for ep in eps:
                try:
                    self._read(exchange, ep)
                except MarketError:
                    pass

        def run_perp() -> None:
            run(ex, list(perp_eps.values()))  # funding first: it may carry mark and index
            run(ex, [ep for kind, ep in marks_eps.items()
                     if not all(self._funding_has_prices(ex, sym, kind) for sym, _, k in wanted if k == kind)])

        jobs: dict[str, Callable[[], None]] = {}
        if spot_ex == ex:
            jobs[ex] = lambda: (run_perp(), run(ex, list(spot_eps.values())))
        else:
            jobs[ex] = run_perp
            if spot_eps:
                jobs[spot_ex] = lambda: run(spot_ex, list(spot_eps.values()))
        batch.run_concurrently(jobs)

    def _row(self, ex: str, spot_ex: str, loaded: Mapping[str, Any], text: str,
             resolved: tuple[str, Mapping[str, Any], str] | MarketError) -> MarketRow:
        if isinstance(resolved, MarketError):
            return self._empty_row(text, ex, _reason(resolved))
        sym, market, kind = resolved
        notes: list[str] = []
        stale_parts: list[DataStatus] = []

        def attempt(fn: Callable[[], Observed[T]]) -> T | None:
            try:
                got = fn()
            except MarketError as e:
                notes.append(_reason(e))
                return None
            except Exception as e:  # an answer no parser foresaw costs this figure, not the table
                notes.append(_reason(faults.translate(e, ex)))
                return None
            if got.status.stale:
                stale_parts.append(got.status)
            return got.value

        mark = attempt(lambda: self._marks_only(sym, ex, kind))
        rate = attempt(lambda: self._funding(sym, ex))
        spot: float | None = None
        if isinstance(loaded.get(spot_ex), BaseException):
            notes.append(_reason(loaded[spot_ex]))
        else:
            spot = attempt(lambda: self._spot_price(sym, ex))
        spec = attempt(lambda: self._contract_spec(sym, ex))
        tiers = attempt(lambda: self._leverage_tiers(sym, ex))
        if rate is not None and rate.interval_source == "assumed":
            notes.append(f"funding interval assumed {DEFAULT_INTERVAL_HOURS:g} h")
        first = tiers[0] if tiers else None
        known = mark is not None or rate is not None or spot is not None
        stale = bool(stale_parts) or not known
        for s in stale_parts:
            if s.reason and s.reason not in notes:
                notes.insert(0, s.reason)
        as_of = min((s.as_of_ms for s in stale_parts), default=None)
        if as_of is None:
            as_of = (mark.timestamp_ms if mark is not None else None) or self._now_ms()
        return MarketRow(
            symbol=sym, exchange=ex, spot_price=spot,
            mark_price=mark.mark_price if mark is not None else None,
            index_price=mark.index_price if mark is not None else None,
            rate_per_interval=rate.rate_per_interval if rate is not None else None,
            interval_hours=rate.interval_hours if rate is not None else None,
            next_funding_ms=rate.next_funding_ms if rate is not None else None,
            contract_size=spec.contract_size if spec is not None else None,
            amount_step=spec.amount_step if spec is not None else None,
            min_amount=spec.min_amount if spec is not None else None,
            inverse=spec.inverse if spec is not None else None,
            taker_fee=spec.taker_fee if spec is not None else None,
            mmr=first.mmr if first is not None else None,
            maint_amount=first.maint_amount if first is not None else None,
            status=DataStatus(ex, int(as_of), stale, "; ".join(notes) or None),
        )

    def _marks_only(self, sym: str, ex: str, kind: str) -> Observed[Ticker]:
        """Mark and index for a Market row (no last price): from the batched funding answer
        when it carries both (Binance premium index, Bybit tickers), else completed from the
        exchange's mark-price or ticker answer (OKX, whose funding answer has no prices)."""
        mark = index = ts = None
        entries: list[Entry[Any]] = []
        errors: list[MarketError] = []
        try:
            held = self._prices_from_funding(ex, sym, kind)
        except MarketError as e:
            held, _ = None, errors.append(e)
        if held is not None and held[0][0] is not None:
            (mark, index, ts), entry = held
            entries.append(entry)
        marks_ep = endpoints.marks(ex, kind)
        if (mark is None or index is None) and marks_ep.name != endpoints.funding(ex, kind).name:
            try:
                raw, entry = self._read(ex, marks_ep)
            except MarketError as e:
                errors.append(e)
            else:
                item = raw.get(sym) or {}
                if parse.price(item.get("markPrice")) is not None or parse.price(item.get("indexPrice")) is not None:
                    mark = mark or parse.price(item.get("markPrice"))
                    index = index or parse.price(item.get("indexPrice"))
                    ts = ts or parse.integer(item.get("timestamp"))
                    entries.append(entry)
        if mark is None:
            if errors and not entries:
                raise errors[0]
            raise DataUnavailable(f"{ex} sent no mark price for {sym}", ex)
        tick = Ticker(sym, ex, None, mark, index, ts)
        return Observed(tick, self._status(ex, entries, ts))

    def _funding_has_prices(self, ex: str, sym: str, kind: str) -> bool:
        try:
            held = self._prices_from_funding(ex, sym, kind)
        except MarketError:
            return False
        return held is not None and None not in held[0][:2]

    def _prices_from_funding(self, ex: str, sym: str,
                             kind: str) -> tuple[tuple[float | None, float | None, int | None], Entry[Any]] | None:
        """(mark, index, time) from the funding answer (a price it lacks is None), or None
        when it has no entry for ``sym``."""
        raw, entry = self._read(ex, endpoints.funding(ex, kind))
        with self.clients.use(ex) as client:
            item = endpoints.funding_entry(ex, client, raw, sym)
        if item is None:
            return None
        # Bybit's entry is re-parsed from the raw ticker, which has no time: the answer's own
        ts = parse.integer(item.get("timestamp")) or parse.integer((raw.get(sym) or {}).get("timestamp"))
        return (parse.price(item.get("markPrice")), parse.price(item.get("indexPrice")), ts), entry

    def _empty_row(self, text: str, ex: str, reason: str) -> MarketRow:
        return MarketRow(str(text), ex, None, None, None, None, None, None, None, None, None, None, None,
                         None, None, DataStatus(ex, self._now_ms(), True, reason))

    def _snapshot_rows(self, ex: str, pairs: list[tuple[str, str | None]], error: MarketError) -> list[MarketRow]:
        try:
            rows = list(self._snapshot().market_rows(pairs))
        except Exception:
            return [self._empty_row(s, ex, _reason(error)) for s, _ in pairs]
        return [replace(r, status=_fallback_status(r.status, error)) for r in rows]

    # -- plumbing ------------------------------------------------------------------------

    def _exchange(self, exchange: str | None) -> str:
        if exchange is None or (isinstance(exchange, str) and not exchange.strip()):
            return self.config.default_exchange
        if not isinstance(exchange, str):
            raise InvalidInput("exchange", exchange, "must be an exchange id such as binanceusdm")
        return exchange.strip().lower()

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _markets(self, ex: str) -> Mapping[str, Any]:
        entry = self._cache.get(("markets", ex), self.config.ttl_markets_s,
                                lambda: self.clients.markets(ex), failed_ttl_s=self.config.ttl_prices_s)
        if not entry.has_value:
            raise _as_error(entry.error, ex)
        return entry.value

    def _call(self, ex: str, fn: Callable[[], T]) -> T:
        return faults.call(fn, ex, retries=self.config.retries, wait_cap_s=self.config.retry_wait_cap_s,
                           sleep=self._sleep)

    def _read(self, ex: str, ep: Endpoint) -> tuple[Mapping[str, Any], Entry[Any]]:
        """The endpoint's answer (cached per TTL), and its cache entry for the status."""
        def fetch() -> Mapping[str, Any]:
            with self.clients.use(ex) as client:
                answer = self._call(ex, lambda: ep.fetch(client))
            if not isinstance(answer, Mapping):
                raise ExchangeError(f"{ex} sent a malformed answer to {ep.name}", ex)
            held = self._cache.peek(key)
            if not answer and held is not None and held.has_value and held.value:
                # a batched endpoint that listed markets and now lists none is broken,
                # not a market where everything was delisted at once
                raise ExchangeError(f"{ex} sent an empty answer to {ep.name}", ex)
            return answer

        key = (ex, ep.name)
        entry = self._cache.get(key, getattr(self.config, ep.ttl), fetch)
        if not entry.has_value:
            raise _as_error(entry.error, ex)
        return entry.value, entry

    def _status(self, ex: str, entries: Sequence[Entry[Any]], exchange_ts: int | None = None,
                errors: Sequence[MarketError] = ()) -> DataStatus:
        failed = [e for e in entries if e.error is not None]
        if failed or errors:
            reasons = list(dict.fromkeys([_reason(e.error) for e in failed] + [_reason(e) for e in errors]))
            # the age of the value served: the exchange's own stamp of it when it gave one
            as_of = exchange_ts if exchange_ts is not None else min(e.as_of_ms for e in (failed or entries))
            return DataStatus(ex, as_of, True, "; ".join(reasons))
        received = min(e.as_of_ms for e in entries) if entries else self._now_ms()
        return DataStatus(ex, exchange_ts if exchange_ts is not None else received)

    def _snapshot(self) -> Any:
        with self._snapshot_lock:
            if self._snapshot_source is None:
                try:
                    from perphedge.market.snapshot import SnapshotSource, load_snapshot
                except ImportError as e:
                    raise DataUnavailable(f"no recorded snapshot available ({e})") from e
                self._snapshot_source = SnapshotSource(load_snapshot())
            return self._snapshot_source

    def _live_or_snapshot(self, method: str, live: Callable[[], T], *args: Any) -> T:
        if self.config.offline:
            return getattr(self._snapshot(), method)(*args)
        try:
            return live()
        except faults.Unreachable as e:
            try:
                got = getattr(self._snapshot(), method)(*args)
            except Exception:
                raise e from None
            return replace(got, status=_fallback_status(got.status, e))


# -- module helpers -----------------------------------------------------------------------

def _reason(error: BaseException | None) -> str:
    return str(error) if error is not None else "unknown reason"


def _fallback_status(recorded: DataStatus, error: BaseException) -> DataStatus:
    """A snapshot figure served because live failed: the status says both why live failed
    and which recording answered (the snapshot's own reason names its date)."""
    what = recorded.reason if recorded.reason and "recorded snapshot" in recorded.reason \
        else f"recorded snapshot of {_utc_text(recorded.as_of_ms)}"
    return replace(recorded, stale=True, reason=f"{_reason(error)}; {what}")


def _utc_text(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _inferred_interval(points: Sequence[FundingPoint]) -> float | None:
    from perphedge.core.funding import infer_interval_hours

    return infer_interval_hours([p.time_ms for p in points]) if len(points) >= 2 else None


def _as_error(error: BaseException | None, ex: str) -> MarketError:
    if isinstance(error, MarketError):
        return error
    if isinstance(error, InvalidInput):
        raise error
    return faults.translate(error, ex) if error is not None else DataUnavailable(f"{ex}: no data", ex)


def _validate_requests(requests: Any) -> list[tuple[str, str | None]]:
    if isinstance(requests, (str, bytes)) or not isinstance(requests, Sequence):
        raise InvalidInput("requests", requests, "must be a list of (symbol, exchange) pairs")
    pairs: list[tuple[str, str | None]] = []
    for i, item in enumerate(requests):
        if isinstance(item, str):
            pairs.append((item, None))
            continue
        if not isinstance(item, Sequence) or len(item) != 2:
            raise InvalidInput(f"requests[{i}]", item, "must be a (symbol, exchange) pair")
        pairs.append((item[0], item[1] or None))
    return pairs


# -- the process-wide instance ----------------------------------------------------------------

_service: MarketService | None = None
_service_lock = threading.Lock()


def get_service() -> MarketService:
    """The process-wide service (Excel functions and the ribbon share its caches)."""
    global _service
    with _service_lock:
        if _service is None:
            _service = MarketService()
        return _service


def reset_service(service: MarketService | None = None) -> None:
    """Install ``service`` (tests) or drop the current one (the next call builds anew)."""
    global _service
    with _service_lock:
        _service = service
