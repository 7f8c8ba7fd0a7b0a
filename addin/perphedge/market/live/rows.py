"""A Market table in one batched pass: one request per (exchange, endpoint), exchanges at
the same time, and every failure confined to the rows (or the single figure) it touches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

from perphedge.core.conventions import DEFAULT_INTERVAL_HOURS
from perphedge.core.errors import DataUnavailable, ImplausibleFigure, InvalidInput, MarketError
from perphedge.core.marketdata import DataStatus, MarketRow, Observed
from perphedge.market import symbols
from perphedge.market.live import batch, endpoints, faults
from perphedge.market.live.clients import spot_exchange_for
from perphedge.market.live.endpoints import Endpoint
from perphedge.market.live.fallback import SnapshotFallback
from perphedge.market.live.figures import Figures, Perp, perp_of, reason

T = TypeVar("T")


class MarketRows:
    """Builds Market rows from ``figures``; an exchange found unreachable is answered by
    ``fallback`` (the recorded snapshot)."""

    def __init__(self, figures: Figures, fallback: SnapshotFallback) -> None:
        self.figures = figures
        self.fallback = fallback

    def rows(self, pairs: Sequence[tuple[str, str | None]]) -> list[MarketRow]:
        """Rows in the order asked, each under its unified symbol (a symbol that could not
        be resolved keeps the text asked). A bad symbol or a failing exchange marks only
        its own rows."""
        by_exchange: dict[str, list[int]] = {}
        rows: list[MarketRow | None] = [None] * len(pairs)
        for i, (text, ex) in enumerate(pairs):
            try:
                by_exchange.setdefault(self.figures.exchange(ex), []).append(i)
            except InvalidInput as e:  # a bad exchange cell marks its own row only
                rows[i] = self.empty_row(text, str(ex), str(e))
        results = batch.run_concurrently(
            {ex: partial(self._exchange_rows, ex, [pairs[i] for i in idx])
             for ex, idx in by_exchange.items()})
        for ex, idx in by_exchange.items():
            got = results[ex]
            if isinstance(got, BaseException):
                got = [self.empty_row(pairs[i][0], ex, reason(got)) for i in idx]
            for i, row in zip(idx, got):
                rows[i] = row
        return [r for r in rows if r is not None]

    def empty_row(self, text: str, ex: str, why: str) -> MarketRow:
        return MarketRow(str(text), ex, None, None, None, None, None, None, None, None, None, None, None,
                         None, None, DataStatus(ex, self.figures.now_ms(), True, why))

    # -- one exchange ------------------------------------------------------------------

    def _exchange_rows(self, ex: str, pairs: list[tuple[str, str | None]]) -> list[MarketRow]:
        fig = self.figures
        spot_ex = spot_exchange_for(ex)
        try:
            loaded = batch.run_concurrently({e: partial(fig.markets, e) for e in {ex, spot_ex}})
            if isinstance(loaded[ex], BaseException):
                raise loaded[ex]
        except faults.Unreachable as e:
            return self._snapshot_rows(ex, pairs, e)
        except Exception as e:  # the whole exchange failed: every row says why
            return [self.empty_row(s, ex, reason(e)) for s, _ in pairs]
        markets = loaded[ex]
        resolved: list[Perp | MarketError] = []
        for s, _ in pairs:
            try:
                resolved.append(perp_of(markets, symbols.resolve_perp(markets, s, ex)))
            except MarketError as e:
                resolved.append(e)
            except InvalidInput as e:
                resolved.append(DataUnavailable(str(e), ex))
        kinds = {r[2] for r in resolved if isinstance(r, tuple)}
        self._warm(ex, spot_ex, kinds, [r for r in resolved if isinstance(r, tuple)], loaded)
        for kind in kinds:  # markets were on disk but the network is gone: the snapshot answers
            held = fig.cache.peek((ex, endpoints.funding(ex, kind).name))
            if held is not None and not held.has_value and isinstance(held.error, faults.Unreachable):
                return self._snapshot_rows(ex, pairs, held.error)
        return [self._row(ex, spot_ex, loaded, pairs[i][0], r) for i, r in enumerate(resolved)]

    def _snapshot_rows(self, ex: str, pairs: list[tuple[str, str | None]],
                       error: MarketError) -> list[MarketRow]:
        return self.fallback.rows(pairs, error, lambda s, why: self.empty_row(s, ex, why))

    def _warm(self, ex: str, spot_ex: str, kinds: set[str], wanted: list[Perp],
              loaded: Mapping[str, Any]) -> None:
        """Fetch every endpoint the rows need once, each exchange in its own thread;
        failures are recorded in the cache and surface as row statuses."""
        fig = self.figures
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
        client = fig.clients.client(ex)
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
                    fig.read(exchange, ep)
                except MarketError:
                    pass

        def run_perp() -> None:
            run(ex, list(perp_eps.values()))  # funding first: it may carry mark and index
            run(ex, [ep for kind, ep in marks_eps.items()
                     if not all(fig.funding_has_prices(ex, sym, kind) for sym, _, k in wanted if k == kind)])

        def run_both() -> None:
            run_perp()
            run(ex, list(spot_eps.values()))

        jobs: dict[str, Callable[[], None]] = {}
        if spot_ex == ex:
            jobs[ex] = run_both
        else:
            jobs[ex] = run_perp
            if spot_eps:
                jobs[spot_ex] = lambda: run(spot_ex, list(spot_eps.values()))
        batch.run_concurrently(jobs)

    # -- one row -------------------------------------------------------------------------

    def _row(self, ex: str, spot_ex: str, loaded: Mapping[str, Any], text: str,
             resolved: Perp | MarketError) -> MarketRow:
        if isinstance(resolved, MarketError):
            return self.empty_row(text, ex, reason(resolved))
        fig = self.figures
        sym, market, kind = resolved
        notes: list[str] = []
        suspect: list[str] = []
        stale_parts: list[DataStatus] = []

        def attempt(fn: Callable[[], Observed[T]]) -> T | None:
            try:
                got = fn()
            except ImplausibleFigure as e:  # not used: the table's previous value stays
                suspect.append(reason(e))
                return None
            except MarketError as e:
                notes.append(reason(e))
                return None
            except Exception as e:  # an answer no parser foresaw costs this figure, not the table
                notes.append(reason(faults.translate(e, ex)))
                return None
            if got.status.stale:
                stale_parts.append(got.status)
            return got.value

        mark = attempt(lambda: fig.mark_index_of(sym, ex, kind))
        if mark is not None and mark.mark_price is None:
            notes.append(f"{ex} sent no mark price for {sym}")
        rate = attempt(lambda: fig.funding(sym, ex))
        spot: float | None = None
        if isinstance(loaded.get(spot_ex), BaseException):
            notes.append(reason(loaded[spot_ex]))
        else:
            spot = attempt(lambda: fig.spot_price(sym, ex))
        spec = attempt(lambda: fig.contract_spec(sym, ex))
        tiers = attempt(lambda: fig.leverage_tiers(sym, ex))
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
            as_of = (mark.timestamp_ms if mark is not None else None) or fig.now_ms()
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
            status=DataStatus(ex, int(as_of), stale, "; ".join(notes) or None, tuple(suspect)),
            min_cost=spec.min_cost if spec is not None else None,
        )


def validate_requests(requests: Any) -> list[tuple[str, str | None]]:
    """(symbol, exchange) pairs from a list of pairs or bare symbols; anything else names
    the bad item."""
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
