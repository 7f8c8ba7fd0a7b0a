"""Answers to the MarketService questions from a recorded snapshot.

:class:`SnapshotSource` answers like ``MarketService`` with the same records. Every status
it gives is ``source="snapshot"``, ``as_of_ms`` = the recorded time of that figure, and
``stale=True`` with a reason that names each figure with its recording date (``recorded
snapshot: mark price and funding recorded <date>``; a figure the recording holds undated has
no As of and says so): the number is a real recording but not a current price, and
MARKET_STATUS and the Market table must say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perphedge.core import validate as v
from perphedge.core.conventions import DEFAULT_EXCHANGE, MS_PER_DAY, utc_text
from perphedge.core.errors import DataUnavailable, InvalidInput, MarketError
from perphedge.core.marketdata import (
    UNDATED_MS,
    ContractSpec,
    DailyClose,
    DataStatus,
    FundingPoint,
    FundingRate,
    LeverageTier,
    MarketRow,
    Observed,
    Ticker,
    recorded_reason,
)
from perphedge.market.snapshot.data import SNAPSHOT_SOURCE, Figure, Snapshot, SnapshotMarket, load_snapshot
from perphedge.market.snapshot.symbols import resolve_market


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
        return DataStatus(SNAPSHOT_SOURCE, f.dated_ms, stale=True, reason=f.reason)

    # -- the MarketService questions
    def resolve(self, symbol: str, exchange: str | None = None) -> str:
        return self._market(symbol, exchange).symbol

    def ticker(self, symbol: str, exchange: str | None = None) -> Observed[Ticker]:
        m = self._market(symbol, exchange)
        f = self._figure(m, "ticker", "a price")
        val = f.values
        return Observed(Ticker(m.symbol, m.exchange, val.get("last_price"), val.get("mark_price"),
                               val.get("index_price"), val.get("timestamp_ms")), self._status(f))

    def mark_index(self, symbol: str, exchange: str | None = None) -> Observed[Ticker]:
        """Mark and index (``last_price`` None) from the recorded ticker, else from the
        recorded funding answer where that carries them, as the live service does."""
        m = self._market(symbol, exchange)
        for kind in ("ticker", "funding"):
            f = m.figure(kind)
            if f is not None and f.values.get("mark_price") is not None:
                val = f.values
                return Observed(Ticker(m.symbol, m.exchange, None, val["mark_price"],
                                       val.get("index_price"), val.get("timestamp_ms")), self._status(f))
        f = self._figure(m, "ticker", "a price")
        return Observed(Ticker(m.symbol, m.exchange, None, None, f.values.get("index_price"),
                               f.values.get("timestamp_ms")), self._status(f))

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
        """The recorded tiers, smallest first. A last tier without a recorded cap covers
        every size above its floor; the status reason says where the recording stops."""
        m = self._market(symbol, exchange)
        f = m.figure("leverage_tiers")
        if f is None:
            why = m.absent.get("leverage_tiers") or self.snapshot.notes.get("leverage_tiers")
            tail = f" ({why})" if why else ""
            raise DataUnavailable(
                f"leverage tiers for {m.symbol} on {m.exchange}: the recorded snapshot holds no "
                f"recorded leverage tiers for this market{tail}", m.exchange)
        tiers = _tiers(m, f)
        reason = f"{f.reason}; {f.note}" if f.note else f.reason
        return Observed(tiers, DataStatus(SNAPSHOT_SOURCE, f.dated_ms, stale=True, reason=reason))

    def funding_history(self, symbol: str, days: float = 30,
                        exchange: str | None = None) -> Observed[tuple[FundingPoint, ...]]:
        """Settlements in the ``days`` before the snapshot's own last one (not before today):
        the window (last − days, last], so 1 day of 8-hourly funding is 3 settlements."""
        points, status = self._history(symbol, exchange, "funding_history", "funding history", days)
        marks_at = self._marks_at(symbol, exchange)   # the mark each settlement settled at, where recorded
        return Observed(tuple(FundingPoint(t, r, marks_at.get(t)) for t, r in points), status)

    def _marks_at(self, symbol: str, exchange: str | None) -> dict[int, float]:
        recorded = self._market(symbol, exchange).figure("mark_history")
        return {int(t): float(m) for t, m in recorded.values["points"]} if recorded is not None else {}

    def daily_closes(self, symbol: str, days: float = 90,
                     exchange: str | None = None) -> Observed[tuple[DailyClose, ...]]:
        """Daily prices in the ``days`` before the last recorded one. In the embedded
        snapshot these are mark prices at the 00:00 UTC settlement (the status says so)."""
        points, status = self._history(symbol, exchange, "daily_closes", "daily closes", days)
        return Observed(tuple(DailyClose(t, c) for t, c in points), status)

    def mark_history(self, symbol: str, days: float = 90,
                     exchange: str | None = None) -> Observed[tuple[tuple[int, float], ...]]:
        """(time_ms, mark_price) at every recorded funding settlement in the window."""
        points, status = self._history(symbol, exchange, "mark_history", "mark-price history", days)
        return Observed(tuple((t, p) for t, p in points), status)

    def _history(self, symbol: str, exchange: str | None, kind: str, label: str,
                 days: float) -> tuple[list, DataStatus]:
        """The recorded points of ``kind`` in the window, and their status."""
        f = self._figure(self._market(symbol, exchange), kind, label)
        points = _window(f.values["points"], v.positive("days", days))
        reason = f"{f.reason}; {f.note}" if f.note else f.reason
        return points, DataStatus(SNAPSHOT_SOURCE, f.dated_ms, stale=True, reason=reason)

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
                SNAPSHOT_SOURCE, UNDATED_MS, stale=True, reason=str(e)))
        ticker, funding, spec = m.figure("ticker"), m.figure("funding"), m.figure("contract_spec")
        tv = ticker.values if ticker else {}
        fv = funding.values if funding else {}
        sv = spec.values if spec else {}
        spot_price, spot_status = None, None
        try:
            spot = self.spot_price(m.symbol, m.exchange)
            spot_price, spot_status = spot.value, spot.status
        except DataUnavailable:
            pass
        mark = tv.get("mark_price") if ticker else fv.get("mark_price")
        index = tv.get("index_price") if ticker else fv.get("index_price")
        as_of, reason = _row_status(m, ticker, funding, spec, spot_status, mark, index)
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


def _row_status(m: SnapshotMarket, ticker: Figure | None, funding: Figure | None,
                spec: Figure | None, spot: DataStatus | None, mark: Any,
                index: Any) -> tuple[int, str]:
    """A Market row's As of (its newest recording date) and Status: each figure the row
    shows with the date it was recorded, what a perp row lacks, and — for a row with no
    dated figure — the contract spec's own basis, with no As of (a listing time is not a
    recording date)."""
    perp = m.type == "swap"
    dated: list[tuple[str, int]] = []
    if ticker is not None and (perp or spot is None):   # a spot market's spot price is its ticker
        dated.append(("perp price" if perp else "price", ticker.dated_ms))
    if funding is not None:
        dated.append(("funding", funding.dated_ms))
        if ticker is None and mark is not None:
            dated.append(("mark price", funding.dated_ms))
    if spot is not None and not spot.undated:
        dated.append(("spot price", spot.as_of_ms))
    dated = [(what, ms) for what, ms in dated if ms != UNDATED_MS]
    absent = []
    if perp and mark is None and index is None:
        absent.append("perp price")
    if perp and funding is None:
        absent.append("funding")
    if dated:
        return max(ms for _, ms in dated), recorded_reason(dated, absent=absent)
    if spec is not None:
        basis = f"contract spec: {spec.as_of_basis}" if spec.as_of_basis else None
        extra = [] if basis else [("contract spec", spec.as_of_ms)]
        return spec.dated_ms, recorded_reason(extra, absent=absent, undated=basis)
    return UNDATED_MS, recorded_reason((), absent=absent or ["figures"])


def _tiers(m: SnapshotMarket, f: Figure) -> tuple[LeverageTier, ...]:
    """A leverage_tiers figure's rows [tier, min, max or None, mmr, amount, max leverage or
    None, unit] as records (numbers as JSON numbers or decimal texts); a row that is not one
    makes the figure unavailable, named, rather than a traceback."""
    try:
        tiers = tuple(
            LeverageTier(tier=int(t[0]), min_notional=float(t[1]),
                         max_notional=float("inf") if t[2] is None else float(t[2]),
                         mmr=float(t[3]), maint_amount=float(t[4]),
                         max_leverage=None if t[5] is None else float(t[5]),
                         notional_unit=str(t[6]))
            for t in f.values["tiers"])
    except (KeyError, IndexError, TypeError, ValueError) as e:  # InvalidInput is a ValueError
        raise DataUnavailable(f"the recorded leverage tiers of {m.symbol} on {m.exchange} are "
                              f"unusable: {e}", m.exchange) from None
    if not tiers:
        raise DataUnavailable(f"the recorded leverage tiers of {m.symbol} on {m.exchange} are "
                              "empty", m.exchange)
    return tiers


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

