"""THE refresh: fill a Market table from one batched ``market_rows`` pass.

Used by the ribbon button (through ``perphedge.excel.xltable``) and by ``perphedge refresh
FILE`` (through ``perphedge.files.table``). Everything is computed before anything is written; each
contiguous run of data columns is written in a single block write. Each row's cells come
from ``perphedge.refresh.merge``: a figure never goes back to an older value, a figure the
answer lacks keeps its previous value, and a refresh that got nothing newer from any
exchange raises :class:`RefreshError` before anything is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from perphedge.core.errors import PerphedgeError
from perphedge.core.marketdata import RECORDED_SOURCE, STATUS_WORDS, MarketRow, status_word
from perphedge.market.source import MarketSource
from perphedge.refresh.merge import merge_row
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
    #: rows by the status word their Status starts with (core.marketdata.STATUS_WORDS)
    words: tuple[tuple[str, int], ...] = ()

    def summary(self) -> str:
        """``3 market rows: 1 fresh, 1 partial, 1 suspect; 1 kept previous values`` — the
        Status words the Market table shows, counted."""
        counted = ", ".join(f"{n} {w}" for w, n in self.words if n) or \
            f"{self.fresh} fresh, {self.stale} stale"
        return f"{self.rows} market rows: {counted}; {self.kept} kept previous values"


def _dt_to_ms(dt: datetime | None) -> int | None:
    return None if dt is None else int(dt.replace(tzinfo=UTC).timestamp() * 1000)


def _failed(row: MarketRow) -> bool:
    """An exchange was asked and did not answer: a stale live row, or the recording served
    in its place (its reason names the failure before the recording's date)."""
    st = row.status
    return st.in_place_of_live if st.source == RECORDED_SOURCE else st.stale


def refresh_table(table: MarketTable, source: MarketSource, *, now_ms: int | None = None,
                  progress: Callable[[str], None] = lambda _m: None) -> RefreshResult:
    # Exchange texts arrive redacted of every configured key (market.live.faults, where
    # they enter the package): nothing here adds one.
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
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
        raise RefreshError(f"market data could not be fetched: {e}") from e
    if len(rows) != len(requests):
        raise RefreshError(f"market data came back for {len(rows)} of {len(requests)} rows")

    cols = sorted(i for i, h in enumerate(headers) if h in WRITTEN)
    as_of_col = headers.index("as of (utc)") if "as of (utc)" in headers else None
    old_as_of = table.column(as_of_col) if as_of_col is not None else [None] * table.row_count()
    figure_cols = {WRITTEN[headers[c]]: c for c in cols if WRITTEN[headers[c]] in FIGURES}
    old = {a: table.column(c) for a, c in figure_cols.items()}

    grid: dict[int, dict[int, Any]] = {}
    fresh = stale = kept = 0
    messages = []
    merges = [merge_row(row, {a: old[a][i] for a in figure_cols},
                        _dt_to_ms(as_datetime(old_as_of[i])), now_ms, replace_older=not _failed(row))
              for i, row in zip(wanted, rows)]
    advanced = any(m.kind != "kept" and r.status.source != RECORDED_SOURCE for m, r in zip(merges, rows))
    if requests and not advanced and any(_failed(r) for r in rows):
        # No exchange gave anything newer than the workbook holds: writing would only put
        # older recorded figures in or restamp the rows, so the file stays as it is.
        why = next(r.status.reason or "no answer" for r in rows if _failed(r))
        raise RefreshError(f"nothing could be fetched ({why}); the Market table keeps "
                           "its values (--offline fills its empty figures from the "
                           "recorded snapshot)")
    for i, row, merged in zip(wanted, rows, merges):
        values = dict(merged.values)
        values["status"] = merged.status
        if merged.kind == "kept":
            kept += 1
            messages.append(f"{row.symbol} on {row.exchange}: {row.status.reason}")
        elif merged.kind == "fresh":
            fresh += 1
        else:
            stale += 1
        grid[i] = {c: values.get(WRITTEN[headers[c]], KEEP) for c in cols}

    progress("Perpetual Hedge: writing the Market table…")
    for run in _runs(cols):
        block = [[grid[i][c] if i in grid else KEEP for c in run]
                 for i in range(table.row_count())]
        table.write_block(run[0], block)
    said = [status_word(merged.status) or "stale" for merged in merges]
    words = tuple((w, said.count(w)) for w in STATUS_WORDS)
    return RefreshResult(len(requests), fresh, stale, kept, tuple(messages), words=words)


def _runs(cols: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for c in cols:
        if runs and runs[-1][-1] == c - 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs
