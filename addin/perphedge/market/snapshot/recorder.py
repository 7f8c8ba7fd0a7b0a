"""Recording a snapshot from the live service, and writing a snapshot file.

``record_snapshot`` asks the live :class:`~perphedge.market.live.service.MarketService` for each
figure and keeps, per figure, where it came from and when; a figure the exchange does not
give is listed as absent with the reason, never filled in. ``write_snapshot`` refuses a
document that could not be read back and replaces the target file whole.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from perphedge.atomicfile import remove_leftovers, write_text_atomic
from perphedge.core import validate as v
from perphedge.core.conventions import DEFAULT_EXCHANGE, utc_text
from perphedge.core.errors import InvalidInput, MarketError, UnknownSymbol
from perphedge.core.marketdata import DataStatus
from perphedge.market.snapshot.data import FORMAT_VERSION, SNAPSHOT_SOURCE, snapshot_from_document


class SnapshotAnswer(MarketError):
    """The service answered from the snapshot: there is nothing live to record."""


class _Recorder:
    def __init__(self, exchange: str) -> None:
        self.exchange = exchange
        self.markets: dict[tuple[str, str], dict[str, Any]] = {}

    def market(self, exchange: str, symbol: str, kind: str) -> dict[str, Any]:
        key = (exchange, symbol)
        if key not in self.markets:
            base, _, rest = symbol.partition("/")
            quote, _, settle = rest.partition(":")
            self.markets[key] = {
                "exchange": exchange, "symbol": symbol, "id": None, "base": base,
                "quote": quote, "settle": settle or None, "type": kind,
                "linear": None, "inverse": None, "figures": {}, "absent": {}}
        return self.markets[key]

    @staticmethod
    def figure(status: DataStatus, values: dict[str, Any]) -> dict[str, Any]:
        if status.source == SNAPSHOT_SOURCE:
            # Re-recording the snapshot would pass recorded figures off as a live reading.
            raise SnapshotAnswer("the market service answered from the recorded snapshot "
                              "(offline or unreachable); nothing live to record")
        out = {"source": f"live {status.source} API", "as_of_ms": int(status.as_of_ms), **values}
        if status.stale:
            out["stale_reason"] = status.reason or "stale"
        return out


def record_snapshot(service: Any, exchange: str | None, symbols: Sequence[str], days: int,
                    *, clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """Fetch each symbol's figures live through ``service`` (a MarketService) and return a
    snapshot document. A figure the exchange does not give is listed under ``absent`` with
    the reason; a symbol the exchange does not list goes to ``unresolved``."""
    n_days = v.integer("days", days, minimum=1)
    ex = (exchange or getattr(getattr(service, "config", None), "default_exchange", None)
          or DEFAULT_EXCHANGE)
    rec = _Recorder(ex)
    unresolved: dict[str, str] = {}
    for typed in symbols:
        try:
            symbol = service.resolve(typed, ex)
        except (UnknownSymbol, InvalidInput) as e:
            unresolved[str(typed)] = str(e)
            continue
        _record_market(service, rec, ex, symbol, n_days)
    recorded_at = int(clock() * 1000)
    document = {
        "format": FORMAT_VERSION,
        "description": (f"Recorded from the live {ex} API on {utc_text(recorded_at)} by "
                        "`perphedge snapshot record`: recorded figures, NOT live when read back."),
        "recorded_at_ms": recorded_at,
        "recorded_at": utc_text(recorded_at),
        "live": False,
        "notes": {},
        "sources": [{"file": None, "repository": None, "path": None, "commit": None,
                     "licence": None, "what": f"live {ex} API through ccxt"}],
        "markets": [rec.markets[k] for k in sorted(rec.markets)],
    }
    if unresolved:
        document["unresolved"] = unresolved
    return document


def _record_market(service: Any, rec: _Recorder, ex: str, symbol: str, days: int) -> None:
    perp = rec.market(ex, symbol, "swap" if ":" in symbol else "spot")

    def attempt(kind: str, fetch: Callable[[], dict[str, Any]]) -> None:
        try:
            perp["figures"][kind] = fetch()
        except SnapshotAnswer:
            raise
        except MarketError as e:
            perp["absent"][kind] = str(e)

    def spec() -> dict[str, Any]:
        o = service.contract_spec(symbol, ex)
        s = o.value
        perp["linear"], perp["inverse"], perp["settle"] = not s.inverse, s.inverse, s.settle
        return rec.figure(o.status, {
            "contract_size": s.contract_size, "amount_step": s.amount_step,
            "min_amount": s.min_amount, "inverse": s.inverse, "settle": s.settle,
            "maker_fee": s.maker_fee, "taker_fee": s.taker_fee})

    def ticker() -> dict[str, Any]:
        o = service.ticker(symbol, ex)
        t = o.value
        return rec.figure(o.status, {"last_price": t.last_price, "mark_price": t.mark_price,
                                     "index_price": t.index_price, "timestamp_ms": t.timestamp_ms})

    def funding() -> dict[str, Any]:
        o = service.funding(symbol, ex)
        f = o.value
        return rec.figure(o.status, {
            "rate_per_interval": f.rate_per_interval, "interval_hours": f.interval_hours,
            "interval_source": f.interval_source, "next_funding_ms": f.next_funding_ms,
            "timestamp_ms": f.timestamp_ms, "mark_price": f.mark_price,
            "index_price": f.index_price})

    def history() -> dict[str, Any]:
        o = service.funding_history(symbol, days, ex)
        return rec.figure(o.status, {"points": [[p.time_ms, p.rate_per_interval] for p in o.value]})

    def closes() -> dict[str, Any]:
        o = service.daily_closes(symbol, days, ex)
        return rec.figure(o.status, {"points": [[c.time_ms, c.close] for c in o.value]})

    def tiers() -> dict[str, Any]:
        o = service.leverage_tiers(symbol, ex)
        rows = [[t.tier, t.min_notional, None if t.max_notional == float("inf") else t.max_notional,
                 t.mmr, t.maint_amount, t.max_leverage, t.notional_unit] for t in o.value]
        return rec.figure(o.status, {"tiers": rows})

    for kind, fetch in (("contract_spec", spec), ("ticker", ticker), ("funding", funding),
                        ("funding_history", history), ("daily_closes", closes),
                        ("leverage_tiers", tiers)):
        attempt(kind, fetch)

    try:
        o = service.spot_price(symbol, ex)
        spot_figure = rec.figure(o.status, {
            "last_price": o.value, "mark_price": None, "index_price": None,
            "timestamp_ms": o.status.as_of_ms})
    except SnapshotAnswer:
        raise
    except MarketError as e:
        perp["absent"]["spot_price"] = str(e)
        return
    base, _, rest = symbol.partition("/")
    quote = rest.partition(":")[0]
    rec.market(o.status.source, f"{base}/{quote}", "spot")["figures"]["ticker"] = spot_figure


def write_snapshot(document: Mapping[str, Any], path: str | Path) -> Path:
    """Write a snapshot document atomically (a reader never sees half a file)."""
    from perphedge.market.snapshot.build import dumps

    text = dumps(dict(document))
    snapshot_from_document(json.loads(text))  # refuse to write what could not be read back
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target)  # temp files of a write a killed process left behind
    # a shipped data file: readable by all, Unix line ends on every OS
    write_text_atomic(target, text, newline="\n", file_mode=0o644)
    return target
