"""The recorded market snapshot: what every market function serves when offline.

A snapshot is a JSON document of real recorded figures (``perphedge/data/snapshot.json``
ships one, built by :mod:`perphedge.market.snapshot_build`; ``perphedge snapshot record``
writes a fresh one). Each figure keeps its own ``source`` and ``as_of_ms``; a figure the
recording lacks is absent, never filled in.

:class:`SnapshotSource` answers like ``MarketService`` with the same records. Every status
it gives is ``source="snapshot"``, ``as_of_ms`` = the recorded time of that figure, and
``stale=True`` with reason ``recorded snapshot of <date>``: the number is a real recording
but not a current price, and MARKET_STATUS and the Market table must say so.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from perphedge.core import validate as v
from perphedge.core.conventions import MS_PER_DAY
from perphedge.core.errors import DataUnavailable, InvalidInput, MarketError, UnknownSymbol
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

SNAPSHOT_SOURCE = "snapshot"
DEFAULT_EXCHANGE = "binanceusdm"
EMBEDDED_PATH = Path(__file__).resolve().parent.parent / "data" / "snapshot.json"
#: Point this at a file written by ``perphedge snapshot record`` to serve it instead.
SNAPSHOT_ENV = "PERPHEDGE_SNAPSHOT"
FORMAT_VERSION = 1

FIGURE_KINDS = ("contract_spec", "ticker", "funding", "funding_history", "mark_history",
                "daily_closes", "leverage_tiers")
_QUOTES = ("USDT", "USDC", "USD")
_SUFFIXES = ("-PERPETUAL", "-PERP", "_PERP", "PERP", "-SWAP", "_SWAP")


# ----------------------------------------------------------------------------- records

@dataclass(frozen=True)
class Figure:
    """One recorded figure of one market: its values, where they came from, and when."""

    kind: str
    values: Mapping[str, Any]
    source: str
    as_of_ms: int
    as_of_basis: str | None = None
    note: str | None = None
    stale_reason: str | None = None

    @property
    def reason(self) -> str:
        """The status text of a value read from this figure."""
        if self.as_of_basis:
            return f"recorded snapshot, {self.as_of_basis}"
        return f"recorded snapshot of {utc_text(self.as_of_ms)}"


@dataclass(frozen=True)
class SnapshotMarket:
    exchange: str
    symbol: str
    id: str | None
    base: str
    quote: str
    settle: str | None
    type: str                      # "swap" or "spot"
    linear: bool | None
    inverse: bool | None
    figures: Mapping[str, Figure]
    absent: Mapping[str, str]      # figure kind -> why the recording lacks it

    def figure(self, kind: str) -> Figure | None:
        return self.figures.get(kind)


@dataclass(frozen=True)
class Snapshot:
    """A loaded snapshot. ``markets`` is keyed by (exchange, unified symbol)."""

    recorded_at_ms: int
    description: str
    markets: Mapping[tuple[str, str], SnapshotMarket]
    notes: Mapping[str, str]
    sources: tuple[Mapping[str, Any], ...]
    path: str | None = None

    def exchanges(self) -> tuple[str, ...]:
        return tuple(sorted({ex for ex, _ in self.markets}))

    def symbols(self, exchange: str) -> tuple[str, ...]:
        return tuple(sorted(sym for ex, sym in self.markets if ex == exchange))

    def market(self, exchange: str, symbol: str) -> SnapshotMarket | None:
        return self.markets.get((exchange, symbol))

    def figure(self, exchange: str, symbol: str, kind: str) -> Figure | None:
        m = self.markets.get((exchange, symbol))
        return None if m is None else m.figure(kind)

    @property
    def figures(self) -> Mapping[tuple[str, str], Mapping[str, Figure]]:
        """Every recorded figure, keyed by (exchange, symbol), then by kind."""
        return MappingProxyType({key: m.figures for key, m in self.markets.items()})


def utc_text(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


_PERP_FIGURES = ("contract_spec", "ticker", "funding", "funding_history", "daily_closes",
                 "leverage_tiers")
_PRICE_FIELDS = (("last_price", "last price"), ("mark_price", "mark price"),
                 ("index_price", "index price"))


def absent_figures(snapshot: Snapshot, market: SnapshotMarket) -> list[tuple[str, str]]:
    """(figure, why) for each figure a live exchange gives that this recording lacks."""
    out: list[tuple[str, str]] = []
    kinds = ("ticker",) if market.type == "spot" else _PERP_FIGURES
    for kind in kinds:
        if market.figure(kind) is None:
            why = market.absent.get(kind) or snapshot.notes.get(kind) or "not recorded"
            out.append((kind, why))
    ticker = market.figure("ticker")
    if ticker is not None:
        fields = _PRICE_FIELDS[:1] if market.type == "spot" else _PRICE_FIELDS
        for key, label in fields:
            if ticker.values.get(key) is None:
                out.append((label, ticker.note or f"not in the recorded {market.exchange} answer"))
    if market.type == "swap":
        spots = [snapshot.market(market.exchange, f"{market.base}/{q}") for q in (market.quote, "USDT")]
        if not any(sm is not None and sm.figure("ticker") is not None for sm in spots):
            why = market.absent.get("spot_price") or snapshot.notes.get("spot_price") or "not recorded"
            out.append(("spot price", why))
    return out


# ----------------------------------------------------------------------------- loading

def load_snapshot(path: str | Path | None = None,
                  environ: Mapping[str, str] | None = None) -> Snapshot:
    """Read a snapshot file: ``path``, else ``$PERPHEDGE_SNAPSHOT``, else the embedded one."""
    env = os.environ if environ is None else environ
    chosen = path if path is not None else env.get(SNAPSHOT_ENV) or None
    if chosen is None:
        return _load_embedded()
    return _load(Path(chosen))


@lru_cache(maxsize=1)
def _load_embedded() -> Snapshot:
    return _load(EMBEDDED_PATH)


def _load(path: Path) -> Snapshot:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput("path", str(path), "must be an existing snapshot file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InvalidInput("path", str(path), f"is not a readable snapshot file ({e})") from None
    try:
        return snapshot_from_document(document, str(path))
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, InvalidInput):
            raise
        raise InvalidInput("path", str(path), f"is not a perphedge snapshot ({e!r})") from None


def snapshot_from_document(document: Mapping[str, Any], path: str | None = None) -> Snapshot:
    if document.get("format") != FORMAT_VERSION:
        raise InvalidInput("format", document.get("format"), f"must be {FORMAT_VERSION}")
    markets: dict[tuple[str, str], SnapshotMarket] = {}
    for m in document["markets"]:
        figures = {}
        for kind, f in m["figures"].items():
            if kind not in FIGURE_KINDS:
                raise ValueError(f"unknown figure kind {kind}")
            meta = {"source", "as_of_ms", "as_of_basis", "note", "file", "stale_reason"}
            figures[kind] = Figure(
                kind=kind,
                values=MappingProxyType({k: val for k, val in f.items() if k not in meta}),
                source=str(f["source"]), as_of_ms=int(f["as_of_ms"]),
                as_of_basis=f.get("as_of_basis"), note=f.get("note"),
                stale_reason=f.get("stale_reason"))
        key = (m["exchange"], m["symbol"])
        markets[key] = SnapshotMarket(
            exchange=m["exchange"], symbol=m["symbol"], id=m.get("id"), base=m["base"],
            quote=m["quote"], settle=m.get("settle"), type=m["type"], linear=m.get("linear"),
            inverse=m.get("inverse"), figures=MappingProxyType(figures),
            absent=MappingProxyType(dict(m.get("absent", {}))))
    return Snapshot(
        recorded_at_ms=int(document["recorded_at_ms"]), description=str(document["description"]),
        markets=MappingProxyType(markets), notes=MappingProxyType(dict(document.get("notes", {}))),
        sources=tuple(MappingProxyType(dict(s)) for s in document.get("sources", ())), path=path)


# ----------------------------------------------------------------------------- symbols

class NotInSnapshot(UnknownSymbol):
    """A symbol the recorded snapshot does not hold for that exchange (it may well exist
    live); the message lists close matches and where else the snapshot has it."""

    def __init__(self, symbol: str, exchange: str, suggestions: tuple[str, ...] = (),
                 elsewhere: tuple[str, ...] = ()) -> None:
        self.symbol, self.suggestions, self.exchange = symbol, suggestions, exchange
        self.argument, self.value = "symbol", symbol
        self.requirement = "is not in the recorded snapshot"
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        other = f"; recorded on {', '.join(elsewhere)}" if elsewhere else ""
        # Set up directly: the message is the snapshot's own, not "unknown symbol".
        Exception.__init__(
            self, f"{symbol} on {exchange} is not in the recorded snapshot{other}{hint}")


def _split(text: str) -> tuple[str, str | None]:
    """``BTC`` / ``BTCUSDT`` / ``BTC-USDT`` / ``BTC-PERP`` -> (base, quote or None)."""
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    for sep in ("-", "_"):
        if sep in text:
            base, _, quote = text.partition(sep)
            return base, quote or None
    for quote in _QUOTES:
        if text.endswith(quote) and len(text) > len(quote):
            return text[: -len(quote)], quote
    return text, None


def _rank(m: SnapshotMarket) -> tuple[int, int]:
    # A bare coin means its linear USDT perp, as on the live service; spot comes last.
    if m.type == "swap" and m.linear and m.quote == "USDT":
        return (0, 0)
    if m.type == "swap" and m.linear:
        return (1, _QUOTES.index(m.quote) if m.quote in _QUOTES else 9)
    if m.type == "swap":
        return (2, 0)
    return (3, _QUOTES.index(m.quote) if m.quote in _QUOTES else 9)


def resolve_market(snapshot: Snapshot, symbol: Any, exchange: str) -> SnapshotMarket:
    """The snapshot market a typed symbol means on ``exchange``; NotInSnapshot if none."""
    if not isinstance(symbol, str) or not symbol.strip():
        raise InvalidInput("symbol", symbol, "must be a market symbol such as BTC or BTC/USDT:USDT")
    found = _find(snapshot, symbol, exchange)
    if found is not None:
        return found
    held = [m for (ex, _), m in snapshot.markets.items() if ex == exchange]
    names = sorted({m.symbol for m in held} | {m.base for m in held})
    close = difflib.get_close_matches(symbol.strip().upper(), names, n=3, cutoff=0.5)
    elsewhere = tuple(f"{m.exchange} ({m.symbol})" for other in snapshot.exchanges()
                      if other != exchange and (m := _find(snapshot, symbol, other)) is not None)
    raise NotInSnapshot(symbol.strip(), exchange, tuple(close), elsewhere)


def _find(snapshot: Snapshot, symbol: str, exchange: str) -> SnapshotMarket | None:
    text = symbol.strip().upper()
    held = [m for (ex, _), m in snapshot.markets.items() if ex == exchange]
    for m in held:  # perps first, as on the live service: BTC/USDT on okx is its perp
        if m.type == "swap" and text in (m.symbol.upper(), (m.id or "").upper()):
            return m
    if ":" in text:  # a full unified symbol means exactly that market
        return None
    if "/" in text:  # BTC/USDT: its perp when held (as live), else the spot market
        base, _, quote = text.partition("/")
    else:
        base, quote = _split(text)
    found = sorted((m for m in held if m.base == base and quote in (None, m.quote)), key=_rank)
    return found[0] if found else None


# ----------------------------------------------------------------------------- source

class SnapshotSource:
    """Answers the MarketService questions from a recorded snapshot."""

    def __init__(self, snapshot: Snapshot | None = None,
                 default_exchange: str = DEFAULT_EXCHANGE) -> None:
        self.snapshot = load_snapshot() if snapshot is None else snapshot
        self.default_exchange = default_exchange

    # -- lookup
    def _exchange(self, exchange: str | None) -> str:
        if exchange is None or (isinstance(exchange, str) and not exchange.strip()):
            return self.default_exchange
        if not isinstance(exchange, str):
            raise InvalidInput("exchange", exchange, "must be an exchange id such as binanceusdm")
        ex = exchange.strip().lower()
        if ex not in self.snapshot.exchanges():
            raise DataUnavailable(
                f"the recorded snapshot holds no data for exchange {ex}; it holds "
                f"{', '.join(self.snapshot.exchanges())}", ex)
        return ex

    def _market(self, symbol: Any, exchange: str | None) -> SnapshotMarket:
        return resolve_market(self.snapshot, symbol, self._exchange(exchange))

    def _figure(self, m: SnapshotMarket, kind: str, label: str) -> Figure:
        f = m.figure(kind)
        if f is None:
            why = m.absent.get(kind) or self.snapshot.notes.get(kind)
            tail = f" ({why})" if why else ""
            raise DataUnavailable(
                f"{label} for {m.symbol} on {m.exchange} is not in the recorded snapshot{tail}",
                m.exchange)
        return f

    @staticmethod
    def _status(f: Figure) -> DataStatus:
        return DataStatus(SNAPSHOT_SOURCE, f.as_of_ms, stale=True, reason=f.reason)

    # -- the MarketService questions
    def resolve(self, symbol: str, exchange: str | None = None) -> str:
        return self._market(symbol, exchange).symbol

    def ticker(self, symbol: str, exchange: str | None = None) -> Observed[Ticker]:
        m = self._market(symbol, exchange)
        f = self._figure(m, "ticker", "a price")
        val = f.values
        return Observed(Ticker(m.symbol, m.exchange, val.get("last_price"), val.get("mark_price"),
                               val.get("index_price"), val.get("timestamp_ms")), self._status(f))

    def spot_price(self, symbol: str, exchange: str | None = None) -> Observed[float]:
        """The spot price recorded on the same exchange id (figures are never borrowed from
        another exchange or another date)."""
        m = self._market(symbol, exchange)
        for quote in dict.fromkeys((m.quote, "USDT")):
            spot = self.snapshot.market(m.exchange, f"{m.base}/{quote}")
            f = spot.figure("ticker") if spot else None
            if f is not None and f.values.get("last_price") is not None:
                return Observed(float(f.values["last_price"]), self._status(f))
        recorded = [f"{s.exchange} {s.symbol} ({utc_text(s.figures['ticker'].as_of_ms)[:10]})"
                    for s in self.snapshot.markets.values()
                    if s.type == "spot" and s.base == m.base and "ticker" in s.figures]
        tail = f"; recorded spot prices: {', '.join(recorded)}" if recorded else ""
        raise DataUnavailable(f"spot price for {m.base} on {m.exchange} is not in the recorded "
                              f"snapshot{tail}", m.exchange)

    def funding(self, symbol: str, exchange: str | None = None) -> Observed[FundingRate]:
        m = self._market(symbol, exchange)
        f = self._figure(m, "funding", "the funding rate")
        val = f.values
        rate = FundingRate(
            symbol=m.symbol, exchange=m.exchange, rate_per_interval=val["rate_per_interval"],
            interval_hours=val["interval_hours"], interval_source=val["interval_source"],
            next_funding_ms=val.get("next_funding_ms"), timestamp_ms=val.get("timestamp_ms"),
            mark_price=val.get("mark_price"), index_price=val.get("index_price"))
        return Observed(rate, self._status(f))

    def contract_spec(self, symbol: str, exchange: str | None = None) -> Observed[ContractSpec]:
        m = self._market(symbol, exchange)
        f = self._figure(m, "contract_spec", "the contract spec")
        val = f.values
        spec = ContractSpec(
            symbol=m.symbol, exchange=m.exchange, contract_size=val["contract_size"],
            amount_step=val["amount_step"], min_amount=val["min_amount"],
            inverse=val["inverse"], settle=val["settle"], maker_fee=val.get("maker_fee"),
            taker_fee=val.get("taker_fee"))
        return Observed(spec, self._status(f))

    def leverage_tiers(self, symbol: str,
                       exchange: str | None = None) -> Observed[tuple[LeverageTier, ...]]:
        m = self._market(symbol, exchange)
        f = m.figure("leverage_tiers")
        if f is None:
            raise DataUnavailable(
                f"leverage tiers for {m.symbol} on {m.exchange}: the recorded snapshot holds no "
                "recorded leverage tiers", m.exchange)
        tiers = tuple(
            LeverageTier(tier=int(t[0]), min_notional=t[1],
                         max_notional=float("inf") if t[2] is None else t[2], mmr=t[3],
                         maint_amount=t[4], max_leverage=t[5], notional_unit=t[6])
            for t in f.values["tiers"])
        return Observed(tiers, self._status(f))

    def funding_history(self, symbol: str, days: float = 30,
                        exchange: str | None = None) -> Observed[tuple[FundingPoint, ...]]:
        """Settlements in the ``days`` before the snapshot's own last one (not before today):
        the window (last − days, last], so 1 day of 8-hourly funding is 3 settlements."""
        m = self._market(symbol, exchange)
        f = self._figure(m, "funding_history", "funding history")
        points = _window(f.values["points"], v.positive("days", days))
        return Observed(tuple(FundingPoint(t, r) for t, r in points), self._history_status(f))

    def daily_closes(self, symbol: str, days: float = 90,
                     exchange: str | None = None) -> Observed[tuple[DailyClose, ...]]:
        """Daily prices in the ``days`` before the last recorded one. In the embedded
        snapshot these are mark prices at the 00:00 UTC settlement (the status says so)."""
        m = self._market(symbol, exchange)
        f = self._figure(m, "daily_closes", "daily closes")
        points = _window(f.values["points"], v.positive("days", days))
        return Observed(tuple(DailyClose(t, c) for t, c in points), self._history_status(f))

    def mark_history(self, symbol: str, days: float = 90,
                     exchange: str | None = None) -> Observed[tuple[tuple[int, float], ...]]:
        """(time_ms, mark_price) at every recorded funding settlement in the window."""
        m = self._market(symbol, exchange)
        f = self._figure(m, "mark_history", "mark-price history")
        points = _window(f.values["points"], v.positive("days", days))
        return Observed(tuple((t, p) for t, p in points), self._history_status(f))

    def _history_status(self, f: Figure) -> DataStatus:
        reason = f"{f.reason}; {f.note}" if f.note else f.reason
        return DataStatus(SNAPSHOT_SOURCE, f.as_of_ms, stale=True, reason=reason)

    def status(self, symbol: str, exchange: str | None = None) -> DataStatus:
        """Status of the newest price data held for the market (its spec if no price)."""
        m = self._market(symbol, exchange)
        priced = [f for k in ("ticker", "funding") if (f := m.figure(k)) is not None]
        if priced:
            return self._status(max(priced, key=lambda f: f.as_of_ms))
        if m.figures:
            newest = max(m.figures.values(), key=lambda f: f.as_of_ms)
            return self._status(newest)
        raise DataUnavailable(f"{m.symbol} on {m.exchange} has no recorded figures", m.exchange)

    def market_rows(self, requests: Sequence[tuple[str, str | None]]) -> list[MarketRow]:
        return [self._row(symbol, exchange) for symbol, exchange in requests]

    def clear(self) -> None:
        """Nothing is cached per call; present so callers can treat both sources alike."""

    def _row(self, symbol: Any, exchange: str | None) -> MarketRow:
        try:
            m = self._market(symbol, exchange)
        except (MarketError, InvalidInput) as e:
            ex = exchange if isinstance(exchange, str) and exchange.strip() else self.default_exchange
            return _empty_row(str(symbol), str(ex), DataStatus(
                SNAPSHOT_SOURCE, self.snapshot.recorded_at_ms, stale=True, reason=str(e)))
        ticker, funding, spec = m.figure("ticker"), m.figure("funding"), m.figure("contract_spec")
        tv = ticker.values if ticker else {}
        fv = funding.values if funding else {}
        sv = spec.values if spec else {}
        times = [f.as_of_ms for f in (ticker, funding) if f is not None]
        spot_price = None
        try:
            spot = self.spot_price(m.symbol, m.exchange)
            spot_price = spot.value
            times.append(spot.status.as_of_ms)
        except DataUnavailable:
            pass
        mark = tv.get("mark_price") if ticker else fv.get("mark_price")
        index = tv.get("index_price") if ticker else fv.get("index_price")
        if times:
            as_of = max(times)
            dates = sorted({utc_text(t) for t in times}, reverse=True)
            reason = f"recorded snapshot of {', '.join(dates)}"
        elif spec is not None:
            as_of, reason = spec.as_of_ms, spec.reason
        else:
            as_of, reason = self.snapshot.recorded_at_ms, "no recorded figures"
        return MarketRow(
            symbol=m.symbol, exchange=m.exchange, spot_price=spot_price,
            mark_price=mark if m.type == "swap" else None,
            index_price=index if m.type == "swap" else None,
            rate_per_interval=fv.get("rate_per_interval"), interval_hours=fv.get("interval_hours"),
            next_funding_ms=fv.get("next_funding_ms"), contract_size=sv.get("contract_size"),
            amount_step=sv.get("amount_step"), min_amount=sv.get("min_amount"),
            inverse=sv.get("inverse") if spec else None, taker_fee=sv.get("taker_fee"),
            mmr=None, maint_amount=None,
            status=DataStatus(SNAPSHOT_SOURCE, as_of, stale=True, reason=reason))


def _empty_row(symbol: str, exchange: str, status: DataStatus) -> MarketRow:
    return MarketRow(symbol, exchange, None, None, None, None, None, None, None, None, None,
                     None, None, None, None, status)


def _window(points: Sequence[Sequence[Any]], days: float) -> list[tuple[int, float]]:
    # Raw settlement stamps carry a few ms of jitter: compare whole minutes.
    if not points:
        return []
    last_min = int(points[-1][0]) // 60_000
    start_min = last_min - round(days * MS_PER_DAY / 60_000)
    return [(int(t), float(x)) for t, x in points if int(t) // 60_000 > start_min]


# ----------------------------------------------------------------------------- recording

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
    from perphedge.market.snapshot_build import dumps

    text = dumps(dict(document))
    snapshot_from_document(json.loads(text))  # refuse to write what could not be read back
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
