"""THE refresh: fill a Market table from one batched ``market_rows`` pass.

Used by the ribbon button (through ``perphedge.excel.xltable``) and by ``perphedge refresh
FILE`` (through ``perphedge.files.table``). Everything is computed before anything is written; each
contiguous run of data columns is written in a single block write. A row the source could
not serve at all keeps its previous figures and As-of time and says so in its Status.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from perphedge.core.conventions import cell_datetime
from perphedge.core.errors import PerphedgeError
from perphedge.core.marketdata import DataStatus, MarketRow, status_text
from perphedge.market.config import configured_secrets
from perphedge.market.source import MarketSource
from perphedge.refresh.table import KEEP, MarketTable, as_datetime

#: Header (lower case) -> MarketRow attribute, for every column a refresh writes.
WRITTEN: dict[str, str] = {
    "spot": "spot_price", "mark": "mark_price", "index": "index_price",
    "funding rate": "rate_per_interval", "interval (h)": "interval_hours",
    "next funding (utc)": "next_funding_ms", "contract size": "contract_size",
    "amount step": "amount_step", "min amount": "min_amount", "min cost": "min_cost",
    "inverse": "inverse",
    "taker fee": "taker_fee", "mmr": "mmr", "maint. amount": "maint_amount",
    "as of (utc)": "as_of", "status": "status",
}
FIGURES = tuple(a for a in WRITTEN.values() if a not in ("as_of", "status"))


class RefreshError(PerphedgeError):
    """The refresh could not run; nothing was written."""


@dataclass(frozen=True)
class RefreshResult:
    rows: int        # rows with a symbol
    fresh: int
    stale: int       # written, but marked stale (snapshot or last good values)
    kept: int        # nothing new: previous values kept, marked stale
    messages: tuple[str, ...]
    leftovers_removed: tuple[str, ...] = ()   # temp files of an earlier, unfinished write

    def summary(self) -> str:
        return (f"{self.rows} market rows: {self.fresh} fresh, {self.stale} stale, "
                f"{self.kept} kept previous values")


def _dt_to_ms(dt: datetime | None) -> int | None:
    return None if dt is None else int(dt.replace(tzinfo=UTC).timestamp() * 1000)


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None  # never a NaN or inf in a cell
    return v


def _has_figures(row: MarketRow) -> bool:
    return any(getattr(row, f) is not None for f in FIGURES)


def _redact(text: str, secrets: Sequence[str]) -> str:
    for s in secrets:
        text = text.replace(s, "***")
    return text


def refresh_table(table: MarketTable, source: MarketSource, *, now_ms: int | None = None,
                  progress: Callable[[str], None] = lambda _m: None,
                  secrets: Sequence[str] | None = None) -> RefreshResult:
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    secrets = configured_secrets() if secrets is None else secrets
    headers = [h.strip().lower() for h in table.headers()]
    for needed in ("symbol", "exchange"):
        if needed not in headers:
            raise RefreshError(f"the Market table has no {needed.title()} column "
                               f"(headers: {', '.join(table.headers())})")
    symbols = table.column(headers.index("symbol"))
    exchanges = table.column(headers.index("exchange"))
    wanted = [i for i, s in enumerate(symbols) if isinstance(s, str) and s.strip()]
    requests = [(str(symbols[i]).strip(),
                 str(exchanges[i]).strip() if isinstance(exchanges[i], str)
                 and exchanges[i].strip() else None) for i in wanted]
    progress(f"Perpetual Hedge: fetching market data for {len(requests)} rows…")
    try:
        rows = source.market_rows(requests) if requests else []
    except PerphedgeError as e:
        raise RefreshError(_redact(f"market data could not be fetched: {e}", secrets)) from e
    if len(rows) != len(requests):
        raise RefreshError(f"market data came back for {len(rows)} of {len(requests)} rows")

    cols = sorted(i for i, h in enumerate(headers) if h in WRITTEN)
    as_of_col = headers.index("as of (utc)") if "as of (utc)" in headers else None
    old_as_of = table.column(as_of_col) if as_of_col is not None else [None] * table.row_count()

    grid: dict[int, dict[int, Any]] = {}
    fresh = stale = kept = 0
    messages = []
    for i, row in zip(wanted, rows):
        values: dict[str, Any]
        if _has_figures(row):
            values = {a: _clean(getattr(row, a)) for a in FIGURES}
            values["next_funding_ms"] = cell_datetime(row.next_funding_ms)
            values["as_of"] = cell_datetime(row.status.as_of_ms)
            values["status"] = _redact(status_text(row, now_ms), secrets)
            if row.status.stale:
                stale += 1
            else:
                fresh += 1
        else:
            # nothing known for this row: keep what the table holds, say since when
            kept += 1
            prev = as_datetime(old_as_of[i])
            reason = f"{row.status.reason or 'no data'}; previous values kept"
            st = DataStatus(row.status.source, _dt_to_ms(prev) or row.status.as_of_ms,
                            stale=True, reason=reason)
            values = {a: KEEP for a in FIGURES}
            values["as_of"] = KEEP
            values["status"] = _redact(st.text(now_ms), secrets)
            messages.append(_redact(f"{row.symbol} on {row.exchange}: {row.status.reason}",
                                    secrets))
        grid[i] = {c: values[WRITTEN[headers[c]]] for c in cols}

    progress("Perpetual Hedge: writing the Market table…")
    for run in _runs(cols):
        block = [[grid[i][c] if i in grid else KEEP for c in run]
                 for i in range(table.row_count())]
        table.write_block(run[0], block)
    return RefreshResult(len(requests), fresh, stale, kept, tuple(messages))


def _runs(cols: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for c in cols:
        if runs and runs[-1][-1] == c - 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs
