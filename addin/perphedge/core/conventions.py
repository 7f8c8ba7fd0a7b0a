"""Units, signs and funding conventions (DESIGN §3), written once and pinned by tests.

- ``qty`` is in base units (BTC); ``contracts`` in exchange contracts; ``notional`` and
  ``*_value`` in quote currency (USDT/USDC/USD, treated as USD); ``price`` quote per base.
- ``contract_size`` is base units per contract (linear) or USD per contract (inverse).
- Ratios are fractions: 0.5 means 50 %.
- Long is positive, short negative; a positive P&L is a gain. Hedges are shorts.
- A positive funding rate means longs pay shorts: a short hedge *receives*
  ``notional × rate`` per settlement.
- APR is simple: ``rate_per_interval × (24 / interval_hours) × 365``.
- Basis = perp (mark) − spot (index); ``basis_pct`` = basis / spot.
- Times are UTC, milliseconds since the epoch inside Python.
- Contract counts round *down* to the amount step.
"""

from __future__ import annotations

from datetime import datetime, timedelta

HOURS_PER_DAY = 24.0
DAYS_PER_YEAR = 365.0
MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000

#: Used only where the exchange gives no interval and history cannot infer one;
#: every value that relies on it is flagged as assumed.
DEFAULT_INTERVAL_HOURS = 8.0

#: The exchange a market symbol means when none is named (perps: Binance USDⓈ-M).
DEFAULT_EXCHANGE = "binanceusdm"

#: Every error a function returns to its cell starts with this, e.g.
#: ``#HEDGE! hedge_ratio must be between 0 and 1, got 1.5``.
ERROR_PREFIX = "#HEDGE!"

LONG = 1
SHORT = -1

#: The guide's advice: hedge at 1-2x; above this the position is flagged.
MAX_ADVISED_LEVERAGE = 2.0


_UNIX_EPOCH = datetime(1970, 1, 1)

#: The earliest time a market figure may carry (2015-01-01 00:00 UTC): no venue this product
#: reads listed a perpetual swap before it, so an earlier stamp is a bad field, not old data.
EARLIEST_MARKET_MS = 1_420_070_400_000
#: How far an exchange's stamp may run ahead of our clock (clock skew) before it is suspect.
MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000
#: How far ahead a "next funding" time may lie: beyond a week no venue's interval reaches.
MAX_NEXT_FUNDING_AHEAD_MS = 7 * MS_PER_DAY
#: The largest funding rate per interval taken as plausible. Venues cap it well inside this
#: (Binance USDⓈ-M: ±0.75 % to ±3 % per interval depending on the market), so a larger
#: figure is a bad answer, not a market.
MAX_FUNDING_PER_INTERVAL = 0.05
#: The workbook's default MaxDataAgeHours: figures stamped earlier are stale, not fresh.
DEFAULT_MAX_DATA_AGE_HOURS = 24.0
#: The leverage a hedge may use: exchanges list 1× to 125×.
MIN_LEVERAGE, MAX_LEVERAGE = 1.0, 125.0


def plausible_stamp_ms(ms: float, now_ms: int) -> bool:
    """An exchange's "as of" stamp within [2015-01-01, now + 5 min]."""
    return EARLIEST_MARKET_MS <= ms <= now_ms + MAX_CLOCK_AHEAD_MS


def utc_datetime(ms: int) -> datetime:
    """Epoch milliseconds as a naive UTC datetime (what an Excel cell holds), exact to the
    millisecond."""
    return _UNIX_EPOCH + timedelta(milliseconds=int(ms))


def cell_datetime(ms: int | None) -> datetime | None:
    """A figure's time as a cell holds it: :func:`utc_datetime`, an absent time stays absent."""
    return None if ms is None else utc_datetime(ms)


def utc_text(ms: int) -> str:
    """Epoch milliseconds as ``YYYY-MM-DD HH:MM UTC``."""
    return utc_datetime(ms).strftime("%Y-%m-%d %H:%M UTC")


def short_funding_sign(rate_per_interval: float) -> int:
    """+1 if a short receives funding at this rate, -1 if it pays, 0 if neither."""
    if rate_per_interval > 0:
        return 1
    if rate_per_interval < 0:
        return -1
    return 0
