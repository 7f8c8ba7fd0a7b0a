"""Market-data records that cross package boundaries.

``perphedge.market`` turns exchange answers into these; ``excel``, ``workbook`` and the
CLI read them. Raw ccxt dicts never travel past ``perphedge.market``. A datum the
exchange did not give is ``None`` (absent), never a made-up number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from perphedge.core import validate as v
from perphedge.core.conventions import utc_text
from perphedge.core.errors import InvalidInput

T = TypeVar("T")

IntervalSource = Literal["exchange", "history", "assumed"]

#: ``DataStatus.source`` of figures from a recording (the embedded snapshot or one written by
#: ``perphedge snapshot record``).
RECORDED_SOURCE = "snapshot"
#: ``DataStatus.as_of_ms`` of a recorded figure whose recording carries no date (ccxt's
#: markets files, Binance's leverage brackets): never shown as a time.
UNDATED_MS = 0
#: How every Status of recorded figures starts (DESIGN §3's ``recorded``); the Portfolio's
#: formulas count rows by its first word.
RECORDED = "recorded snapshot"


@dataclass(frozen=True)
class DataStatus:
    """Where a value came from, when it was observed, and whether it is stale.

    ``source`` is an exchange id (``binanceusdm``) or ``snapshot``; ``as_of_ms`` is the
    exchange's own timestamp when it gives one, else the time we received it, and
    :data:`UNDATED_MS` for a recording that carries no date (its As of cell stays blank).
    """

    source: str
    as_of_ms: int
    stale: bool = False
    reason: str | None = None
    #: Figures the venue answered outside the plausibility bounds (core.plausibility), each
    #: with its reason: they were not used.
    suspect: tuple[str, ...] = ()
    #: Recorded data served because the live fetch failed (the reason says why), as opposed
    #: to recorded data asked for (offline).
    in_place_of_live: bool = False

    @property
    def undated(self) -> bool:
        """A recorded figure with no recording date: it has no As of and no age."""
        return self.source == RECORDED_SOURCE and self.as_of_ms == UNDATED_MS

    def age_s(self, now_ms: int) -> float:
        return max(0.0, (now_ms - self.as_of_ms) / 1000.0)

    def text(self, now_ms: int) -> str:
        """``fresh``, ``stale: <reason> (age 3m 20s)`` or ``suspect: <reasons>; …`` for a
        status cell."""
        if self.suspect:
            head = f"suspect: {'; '.join(self.suspect)}"
            if self.stale:
                return f"{head}; {DataStatus(self.source, self.as_of_ms, True, self.reason).text(now_ms)}"
            return head + (f"; {self.reason}" if self.reason else "")
        if not self.stale:
            return "fresh"
        age = "no recording date" if self.undated else f"age {_age_text(self.age_s(now_ms))}"
        return f"stale: {self.reason or 'unknown reason'} ({age})"


@dataclass(frozen=True)
class Observed(Generic[T]):
    """A value with its provenance; stale values are still usable numbers."""

    value: T
    status: DataStatus


@dataclass(frozen=True)
class Ticker:
    """Prices of one market. Any price the exchange did not send is ``None``."""

    symbol: str
    exchange: str
    last_price: float | None
    mark_price: float | None
    index_price: float | None
    timestamp_ms: int | None


@dataclass(frozen=True)
class FundingRate:
    symbol: str
    exchange: str
    rate_per_interval: float
    interval_hours: float
    interval_source: IntervalSource
    next_funding_ms: int | None
    timestamp_ms: int | None
    mark_price: float | None = None
    index_price: float | None = None


@dataclass(frozen=True)
class FundingPoint:
    """One funding settlement: the rate that applied for the interval ending at time_ms, and
    the mark price it settled at where the exchange gives it (Binance's ``markPrice``)."""

    time_ms: int
    rate_per_interval: float
    mark_price: float | None = None


@dataclass(frozen=True)
class DailyClose:
    time_ms: int
    close: float


@dataclass(frozen=True)
class ContractSpec:
    """What the exchange accepts for one market.

    ``contract_size`` is base units per contract (linear) or USD per contract (inverse);
    ``amount_step`` and ``min_amount`` are in contracts (0 when the exchange gives none).
    Fees are fractions of notional; ``None`` when not published. ``min_cost`` is the
    minimum order value in quote currency (ccxt ``limits.cost.min``), ``None`` when the
    exchange gives none.
    """

    symbol: str
    exchange: str
    contract_size: float
    amount_step: float
    min_amount: float
    inverse: bool
    settle: str
    maker_fee: float | None
    taker_fee: float | None
    min_cost: float | None = None

    def __post_init__(self) -> None:
        v.positive("contract_size", self.contract_size)
        v.non_negative("amount_step", self.amount_step)
        v.non_negative("min_amount", self.min_amount)
        if self.min_cost is not None:
            v.non_negative("min_cost", self.min_cost)


@dataclass(frozen=True)
class LeverageTier:
    """One maintenance-margin bracket.

    ``min_notional``/``max_notional`` bound the position size the tier covers, in the
    unit ``notional_unit`` names: quote currency for linear markets; for inverse markets
    whatever the exchange brackets by (``contracts`` on OKX, the coin on Binance COIN-M).
    ``max_leverage`` is ``None`` where the source does not give it (a recording of floors
    and rates only), never a made-up figure.
    """

    tier: int
    min_notional: float
    max_notional: float
    mmr: float
    maint_amount: float
    max_leverage: float | None
    notional_unit: str = "quote"

    def __post_init__(self) -> None:
        lo = v.non_negative("min_notional", self.min_notional)
        hi = v.positive("max_notional", self.max_notional) if self.max_notional != float("inf") else self.max_notional
        if hi <= lo:
            raise InvalidInput("max_notional", self.max_notional, f"must exceed min_notional {lo}")
        v.fraction("mmr", self.mmr)
        v.non_negative("maint_amount", self.maint_amount)
        if self.max_leverage is not None:
            v.positive("max_leverage", self.max_leverage)


def _age_text(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60}s"
    if s < 86400:
        return f"{s // 3600}h {(s % 3600) // 60}m"
    return f"{s // 86400}d {(s % 86400) // 3600}h"


@dataclass(frozen=True)
class MarketRow:
    """One row of a workbook's Market table, as a refresh writes it.

    Every market figure is optional: absent means the source did not give it (the
    status says why), never a default passed off as data. ``mmr``/``maint_amount`` are
    those of the first (smallest) leverage tier when the exchange publishes tiers.
    """

    symbol: str
    exchange: str
    spot_price: float | None
    mark_price: float | None
    index_price: float | None
    rate_per_interval: float | None
    interval_hours: float | None
    next_funding_ms: int | None
    contract_size: float | None
    amount_step: float | None
    min_amount: float | None
    inverse: bool | None
    taker_fee: float | None
    mmr: float | None
    maint_amount: float | None
    status: DataStatus
    #: The market's minimum order value in quote currency (ccxt ``limits.cost.min``).
    min_cost: float | None = None


#: The words a Status cell starts with (DESIGN §3), and those that need the user's attention.
STATUS_WORDS = ("fresh", "partial", "stale", "recorded", "suspect")
ATTENTION_WORDS = ("partial", "stale", "suspect")


def status_word(text: object) -> str | None:
    """The status word a Status cell starts with, or None for anything else."""
    if not isinstance(text, str):
        return None
    head = text.strip().split(":", 1)[0].split(" ", 1)[0].lower()
    return head if head in STATUS_WORDS else None


#: The Status of a Market row an offline build keeps for a market the recorded snapshot does
#: not hold: the holding keeps its row, sized once a refresh fills the figures.
NO_DATA = "no recorded data — refresh to fill"


def no_data_row(symbol: str, exchange: str) -> MarketRow:
    """The Market row of a market the recorded snapshot lacks: symbol, exchange, no figure."""
    return MarketRow(symbol, exchange, None, None, None, None, None, None, None, None, None,
                     None, None, None, None, DataStatus(RECORDED_SOURCE, UNDATED_MS, True, NO_DATA))


def status_of_cell(text: object, exchange: str, as_of_ms: int) -> DataStatus:
    """The status a Market row's Status cell states, read as the Portfolio's formulas read
    it (Excel compares texts ignoring case): ``no recorded data…`` exactly, then by how the
    text starts — ``recorded`` (the snapshot: the banner counts it), ``stale`` and
    ``partial`` (the row's warnings quote it); anything else (fresh, suspect, a word typed in)
    raises no warning."""
    t = text if isinstance(text, str) else ""
    low = t.casefold()
    if low == NO_DATA.casefold():
        return DataStatus(RECORDED_SOURCE, UNDATED_MS, True, NO_DATA)
    if low.startswith("recorded"):
        return DataStatus(RECORDED_SOURCE, as_of_ms, True, "recorded" + t[len("recorded"):])
    if low.startswith("stale"):
        return DataStatus(exchange, as_of_ms, True, t)
    if low.startswith("partial"):
        return DataStatus(exchange, as_of_ms, False, t)
    return DataStatus(exchange, as_of_ms)


def status_text(row: MarketRow, now_ms: int) -> str:
    """A Market row's Status cell (DESIGN §3's status words): recorded snapshot data always
    says so, with its dates; fresh figures with some missing or assumed say ``partial``."""
    st = row.status
    if st.source == RECORDED_SOURCE:
        # The age of recorded data depends on the day the file is opened; the Portfolio's
        # Data age column measures it. The status keeps the recording dates only.
        if st.reason and (st.reason.startswith("recorded") or st.reason == NO_DATA):
            return st.reason
        if st.reason and RECORDED in st.reason:      # served because live failed: why, then which
            return f"recorded in place of live: {st.reason}"
        return recording_of(st) + (f" ({st.reason})" if st.reason else "")
    if not st.stale and st.reason:
        # Fresh figures with some missing or assumed (no tiers without an API key, an
        # interval assumed 8 h): the reason must reach the cell, not read as plain "fresh".
        return f"partial: {st.reason}"
    return st.text(now_ms)


def recording_of(st: DataStatus) -> str:
    """A recorded status whose reason does not say which recording it is, by its As of
    alone: ``recorded snapshot: figures recorded <date>``, or no date when undated."""
    return RECORDED if st.undated else recorded_reason([("figures", st.as_of_ms)])


def recorded_reason(dated: Sequence[tuple[str, int]], *, absent: Sequence[str] = (),
                    undated: str | None = None) -> str:
    """The Status of recorded figures: each recording date with the figures it dates, newest
    first (``recorded snapshot: mark price and funding recorded 2026-10-03 08:00 UTC; spot
    price recorded 2025-07-29 11:39 UTC``), then what the recording lacks, then what it holds
    without a date. A date here is always when a figure was recorded, never a listing time."""
    by_date: dict[str, list[str]] = {}
    for what, ms in sorted(dated, key=lambda d: -d[1]):
        by_date.setdefault(utc_text(ms), []).append(what)
    parts = [f"{_joined(whats, 'and')} recorded {when}" for when, whats in by_date.items()]
    if absent:
        parts.append(f"no {_joined(absent, 'or')} recorded")
    if undated:
        parts.append(undated)
    return f"{RECORDED}: " + "; ".join(parts) if parts else RECORDED


def _joined(words: Sequence[str], last: str) -> str:
    words = list(dict.fromkeys(words))
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def recorded_note(rows: Sequence[MarketRow]) -> str:
    """The banner of a book whose Market values are recorded: the venues, the span of the
    recording dates the rows hold (each row's Status says which figure each date is), and
    the rows with no recorded price or not in the recording at all, counted."""
    recorded = [r for r in rows if r.status.source == RECORDED_SOURCE]
    venues = sorted({r.exchange for r in recorded})
    missing = sum(1 for r in recorded if r.status.reason == NO_DATA)
    undated = sum(1 for r in recorded if r.status.undated) - missing
    dates = sorted(r.status.as_of_ms for r in recorded if not r.status.undated)
    head = f"Market values: {RECORDED}" + (f" ({', '.join(venues)})" if venues else "") + ", not live"
    parts = []
    if dates and utc_text(dates[0]) == utc_text(dates[-1]):
        parts.append(f"figures recorded {utc_text(dates[0])}")
    elif dates:
        parts.append(f"figures recorded {utc_text(dates[0])[:10]} to {utc_text(dates[-1])[:10]}: "
                     "each row's Status says which figure is from when")
    if undated:
        parts.append(f"{_rows(undated, 'has', 'have')} no recorded price or funding (As of blank)")
    if missing:
        parts.append(f"{_rows(missing, 'is', 'are')} not in the recording ({NO_DATA})")
    return head + (" — " + "; ".join(parts) if parts else "") + ". Refresh before trading."


def _rows(n: int, one: str, many: str) -> str:
    return f"1 row {one}" if n == 1 else f"{n} rows {many}"
