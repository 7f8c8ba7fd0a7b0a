"""The recorded market snapshot as data: its records, and reading one from a file.

A snapshot is a JSON document of real recorded figures (``perphedge/data/snapshot.json``
ships one, built by :mod:`perphedge.market.snapshot.build`; ``perphedge snapshot record``
writes a fresh one). Each figure keeps its own ``source`` and ``as_of_ms``; a figure the
recording lacks is absent, never filled in.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from perphedge.core.errors import InvalidInput
from perphedge.core.marketdata import RECORDED_SOURCE, UNDATED_MS, recorded_reason

SNAPSHOT_SOURCE = RECORDED_SOURCE
EMBEDDED_PATH = Path(__file__).resolve().parents[2] / "data" / "snapshot.json"
#: Point this at a file written by ``perphedge snapshot record`` to serve it instead.
SNAPSHOT_ENV = "PERPHEDGE_SNAPSHOT"
FORMAT_VERSION = 1

FIGURE_KINDS = ("contract_spec", "ticker", "funding", "funding_history", "mark_history",
                "daily_closes", "leverage_tiers")
#: What a status calls each kind of figure; a history is dated by its last point.
FIGURE_LABELS = {"contract_spec": "contract spec", "ticker": "price", "funding": "funding",
                 "funding_history": "funding history, last settlement",
                 "mark_history": "mark-price history, last settlement",
                 "daily_closes": "daily closes, last day", "leverage_tiers": "leverage tiers"}


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
    def dated_ms(self) -> int:
        """When this figure was recorded, as a status states it: :data:`UNDATED_MS` when the
        recording carries no date (``as_of_ms`` is then only a bound, such as the newest
        listing time in ccxt's markets file, and ``as_of_basis`` says so)."""
        return UNDATED_MS if self.as_of_basis else self.as_of_ms

    @property
    def reason(self) -> str:
        """The status text of a value read from this figure: what was recorded, and when."""
        label = FIGURE_LABELS.get(self.kind, self.kind)
        if self.as_of_basis:
            return recorded_reason((), undated=f"{label}: {self.as_of_basis}")
        return recorded_reason([(label, self.as_of_ms)])


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
