"""THE refresh: fill a Market table from one batched ``market_rows`` pass.

Used by the ribbon button (through the xlwings table) and by ``perphedge refresh FILE``
(through the package table). Everything is computed before anything is written; each
contiguous run of data columns is written in a single block write. A row the source could
not serve at all keeps its previous figures and As-of time and says so in its Status.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

from perphedge.atomicfile import atomic_target, remove_leftovers
from perphedge.core.errors import PerphedgeError
from perphedge.core.marketdata import DataStatus, MarketRow
from perphedge import ooxml

from perphedge.template.market_sheet import status_text, utc_datetime
from perphedge.refresh.table import KEEP, MarketTable, PackageMarketTable, as_datetime

#: Header (lower case) -> MarketRow attribute, for every column a refresh writes.
WRITTEN: dict[str, str] = {
    "spot": "spot_price", "mark": "mark_price", "index": "index_price",
    "funding rate": "rate_per_interval", "interval (h)": "interval_hours",
    "next funding (utc)": "next_funding_ms", "contract size": "contract_size",
    "amount step": "amount_step", "min amount": "min_amount", "inverse": "inverse",
    "taker fee": "taker_fee", "mmr": "mmr", "maint. amount": "maint_amount",
    "as of (utc)": "as_of", "status": "status",
}
FIGURES = tuple(a for a in WRITTEN.values() if a not in ("as_of", "status"))
PAUSE_ENV = "PERPHEDGE_TEST_PAUSE_MID_WRITE"   # tests: seconds to pause mid-write


class RefreshError(PerphedgeError):
    """The refresh could not run; nothing was written."""


class MarketSource(Protocol):
    def market_rows(self, requests: Sequence[tuple[str, str | None]]) -> list[MarketRow]: ...


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
    return None if dt is None else int(dt.replace(tzinfo=timezone.utc).timestamp() * 1000)


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None  # never a NaN or inf in a cell
    return v


def _has_figures(row: MarketRow) -> bool:
    return any(getattr(row, f) is not None for f in FIGURES)


def configured_secrets(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """API keys and secrets configured for the exchanges (environment or user settings):
    text that must never reach a cell, however an exchange's message quotes it."""
    env = os.environ if environ is None else environ
    found = {v for k, v in env.items()
             if k.upper().startswith("PERPHEDGE_") and re.search(r"_API_(KEY|SECRET)$", k.upper())}
    try:
        from perphedge.market.config import MarketConfig

        for pair in MarketConfig.from_env(env).api_keys.values():
            found |= set(pair)
    except Exception:   # an unreadable settings file: the environment's are still known
        pass
    return tuple(sorted((s for s in found if len(s) >= 4), key=len, reverse=True))


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
            values["next_funding_ms"] = utc_datetime(row.next_funding_ms)
            values["as_of"] = utc_datetime(row.status.as_of_ms)
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


# ----------------------------------------------------------------------------- files

def lock_file(path: Path) -> Path:
    """Excel's owner file for an open workbook: ``~$`` + the name."""
    return path.with_name("~$" + path.name)


def backup_file(path: Path) -> Path:
    """Where a refresh keeps the previous version: ``FILE.bak``."""
    return path.with_name(path.name + ".bak")


def default_source(offline: bool) -> MarketSource:
    if offline:
        from perphedge.market.snapshot import SnapshotSource

        return SnapshotSource()
    from perphedge.market.live.service import get_service

    return get_service()


def refresh_file(path: str | Path, *, offline: bool = False, source: MarketSource | None = None,
                 backup: bool = True, now_ms: int | None = None,
                 progress: Callable[[str], None] = lambda _m: None) -> RefreshResult:
    """Refresh the Market table inside a workbook file, changing nothing else in it.

    The new file is written beside the old one, fsync'd and swapped in with
    ``os.replace``; the previous file is kept as ``FILE.bak``. Any error leaves the file
    as it was.
    """
    path = Path(path)
    if not path.is_file():
        raise RefreshError(f"{path} does not exist")
    if lock_file(path).exists():
        raise RefreshError(f"{path.name} is open in Excel ({lock_file(path).name} exists); "
                           "close it there, or use Refresh prices in Excel")
    # an earlier refresh killed mid-write left its temp file (the workbook itself is
    # intact); only this file's and its backup's, and only ones too old to be in use
    removed = tuple(p.name for t in (path, backup_file(path)) for p in remove_leftovers(t))
    before = path.stat()
    try:
        pkg = ooxml.Package.read(path)
        table = PackageMarketTable(pkg)
    except ooxml.PackageError as e:
        raise RefreshError(str(e)) from e
    try:
        result = refresh_table(table, source or default_source(offline), now_ms=now_ms,
                               progress=progress)
        _recalc_on_load(pkg)
    except RefreshError:
        raise
    except (ooxml.PackageError, ValueError, AttributeError) as e:
        # a Market sheet or workbook part not laid out as Excel writes it
        raise RefreshError(f"{path.name} could not be updated: {e}") from e
    after = path.stat()
    if (after.st_mtime_ns, after.st_size) != (before.st_mtime_ns, before.st_size):
        raise RefreshError(f"{path} changed while refreshing; nothing written, try again")
    try:
        if backup:
            with atomic_target(backup_file(path)) as tmp:
                shutil.copy2(path, tmp)
        pkg.save(path, on_partial_write=_test_pause_hook())
    except OSError as e:
        # e.g. Windows refuses to replace a file another program holds open
        raise RefreshError(f"could not write {path}: {e.strerror or e}") from e
    return replace(result, leftovers_removed=removed)


def _recalc_on_load(pkg: ooxml.Package) -> None:
    """Ask Excel/LibreOffice to recalculate on open: formulas read the new Market values."""
    import re

    part = pkg.workbook_part()
    xml = pkg.data[part].decode("utf-8")
    m = re.search(r"<(\w+:)?calcPr\b[^>]*?/?>", xml)
    if m:
        tag = m.group(0)
        if "fullCalcOnLoad=" in tag:
            new = re.sub(r'fullCalcOnLoad="[^"]*"', 'fullCalcOnLoad="1"', tag)
        else:
            new = tag.replace("calcPr", 'calcPr fullCalcOnLoad="1"', 1)
        xml = xml[:m.start()] + new + xml[m.end():]
    else:
        p = (re.search(r"<(\w+:)?workbook[\s>]", xml).group(1) or "")
        anchors = [f"</{p}definedNames>", f"</{p}externalReferences>", f"</{p}sheets>"]
        for a in anchors:
            at = xml.find(a)
            if at >= 0:
                at += len(a)
                xml = xml[:at] + f'<{p}calcPr fullCalcOnLoad="1"/>' + xml[at:]
                break
    pkg.replace(part, xml.encode("utf-8"))


def _test_pause_hook():
    seconds = os.environ.get(PAUSE_ENV)
    if not seconds:
        return None

    def pause() -> None:
        sys.stderr.write("perphedge: paused mid-write\n")
        sys.stderr.flush()
        time.sleep(float(seconds))

    return pause
