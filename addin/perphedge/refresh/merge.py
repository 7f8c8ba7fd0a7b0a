"""One Market row's cells from a fetched (or recorded) row and the values the table holds.

The rule (DESIGN §3, "a figure's as-of never goes backwards"): per figure, the newer of the
workbook's value (dated by its row's As-of) and the answer wins; a figure the answer lacks
keeps the workbook's value and the Status names it; the recorded snapshot only fills
figures the table holds none for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

from perphedge.core.conventions import (
    DEFAULT_MAX_DATA_AGE_HOURS,
    EARLIEST_MARKET_MS,
    MAX_NEXT_FUNDING_AHEAD_MS,
    MS_PER_HOUR,
    cell_datetime,
    plausible_stamp_ms,
    utc_text,
)
from perphedge.core.marketdata import RECORDED_SOURCE, DataStatus, MarketRow, status_text
from perphedge.core.plausibility import figure_problems
from perphedge.refresh.table import KEEP

RowKind = Literal["fresh", "stale", "kept"]


@dataclass(frozen=True)
class MergedRow:
    """Cells to write by MarketRow attribute (:data:`KEEP` leaves a cell), the Status
    text, and how the row counts in the summary: ``kept`` when nothing new was written."""

    values: dict[str, Any]
    status: str
    kind: RowKind


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None  # never a NaN or inf in a cell
    return v


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _cell(row: MarketRow, attr: str) -> Any:
    v = getattr(row, attr)
    return cell_datetime(v) if attr == "next_funding_ms" else _clean(v)


def _names(attrs: list[str]) -> str:
    return ", ".join(a.removesuffix("_ms").replace("_", " ") for a in attrs)


def _kept_text(reason: str, since_ms: int | None, fallback_ms: int, now_ms: int) -> str:
    return DataStatus(RECORDED_SOURCE, since_ms or fallback_ms, stale=True,
                      reason=reason).text(now_ms)


def _gate_times(row: MarketRow, now_ms: int) -> tuple[MarketRow, list[str]]:
    """An exchange time outside its range is one bad field, never an exception: an
    implausible stamp is replaced by the time we received the answer, an implausible next
    funding time is dropped (its previous value stays); the reasons say which."""
    suspect = []
    if not row.status.undated and not plausible_stamp_ms(row.status.as_of_ms, now_ms):
        suspect.append(f"exchange time {row.status.as_of_ms} ms outside [2015-01-01, now + 5 min], "
                       "taken as received")
        row = replace(row, status=replace(row.status, as_of_ms=now_ms))
    nf = row.next_funding_ms
    if nf is not None and not EARLIEST_MARKET_MS <= nf <= now_ms + MAX_NEXT_FUNDING_AHEAD_MS:
        suspect.append(f"next funding time {nf} ms outside [2015-01-01, now + 7 days]")
        row = replace(row, next_funding_ms=None)
    return row, suspect


_GATED = ("spot_price", "mark_price", "index_price", "rate_per_interval", "contract_size",
          "amount_step", "min_amount")


def _gate_figures(row: MarketRow, previous: dict[str, Any]) -> tuple[MarketRow, list[str]]:
    """Figures outside core.plausibility's bounds, or jumping beyond its factor from the
    table's previous value, are dropped, so the previous value stays; the reasons name each."""
    bad = figure_problems({a: getattr(row, a) for a in _GATED}, previous)
    if not bad:
        return row, []
    cleared: dict[str, Any] = dict.fromkeys(bad)
    return replace(row, **cleared), list(dict.fromkeys(bad.values()))


def merge_row(row: MarketRow, previous: dict[str, Any], previous_as_of_ms: int | None,
              now_ms: int, *, replace_older: bool = False) -> MergedRow:
    """:func:`merge` with the exchange's times and figures gated first (``suspect`` when one
    is not plausible) and figures stamped beyond the default data age marked stale."""
    # figures the market layer refused already (``status.suspect``) arrive absent; spot
    # against mark and jumps against the table are judged here, where the table is known
    gated, suspect = _gate_times(replace(row, status=replace(row.status, suspect=())), now_ms)
    suspect = list(row.status.suspect) + suspect
    if gated.status.source != RECORDED_SOURCE:
        gated, bad = _gate_figures(gated, previous)
        suspect += bad
    merged = merge(gated, previous, previous_as_of_ms, now_ms, replace_older=replace_older)
    if suspect:
        text = merged.status.removeprefix("fresh")
        return replace(merged, status=f"suspect: {'; '.join(suspect)}" + (f"; {text}" if text else ""),
                       kind="kept" if merged.kind == "kept" else "stale")
    age_limit_ms = DEFAULT_MAX_DATA_AGE_HOURS * MS_PER_HOUR
    if (merged.kind == "fresh" and gated.status.source != RECORDED_SOURCE
            and gated.status.as_of_ms < now_ms - age_limit_ms):
        # the refresh cannot read the workbook's own MaxDataAgeHours: its default applies
        return replace(merged, kind="stale", status=(
            f"stale: the exchange's figures are stamped {utc_text(gated.status.as_of_ms)}, older than "
            f"{DEFAULT_MAX_DATA_AGE_HOURS:g} h (default MaxDataAgeHours)"
            + ("" if merged.status == "fresh" else f"; {merged.status}")))
    return merged


def merge(row: MarketRow, previous: dict[str, Any], previous_as_of_ms: int | None,
          now_ms: int, *, replace_older: bool = False) -> MergedRow:
    """``previous`` maps each figure column the table has (MarketRow attribute) to its cell.

    A recorded row fills only the table's empty figures, unless ``replace_older`` (the
    recording itself was asked for, ``--offline``) and the table's values are older than the
    recording or undated.
    """
    held = [a for a, v in previous.items() if not _empty(v)]
    got = [a for a in previous if _cell(row, a) is not None]
    reason = row.status.reason or "no data"
    recorded = row.status.source == RECORDED_SOURCE
    older = previous_as_of_ms is not None and row.status.as_of_ms < previous_as_of_ms
    if recorded and not (replace_older and not older):
        got = [a for a in got if a not in held]     # fills empty figures only
    elif held and older:
        got = []                                    # never replace a value by an older one
    keep = {a: KEEP for a in previous} | {"as_of": KEEP}
    if not got:
        why = reason if not older or not _has_any(row, previous) else \
            f"the answer ({reason}) is older than the workbook's values"
        return MergedRow(keep, _kept_text(f"{why}; previous values kept", previous_as_of_ms,
                                          row.status.as_of_ms, now_ms), "kept")
    kept = [a for a in held if a not in got]
    values = keep | {a: _cell(row, a) for a in got}
    if not held:
        values |= {a: None for a in previous if a not in got}
    if recorded and held and not replace_older:
        text = _kept_text(f"{reason}; previous values kept, {_names(got)} filled from the recording",
                          previous_as_of_ms, row.status.as_of_ms, now_ms)
        return MergedRow(values, text, "stale")
    values["as_of"] = None if row.status.undated else cell_datetime(row.status.as_of_ms)
    text = status_text(row, now_ms)
    if kept:
        text = _kept_text(f"{_names(kept)} not in the answer ({reason}); their previous values kept",
                          previous_as_of_ms, row.status.as_of_ms, now_ms)
    kind: RowKind = "stale" if row.status.stale or kept else "fresh"
    return MergedRow(values, text, kind)


def _has_any(row: MarketRow, previous: dict[str, Any]) -> bool:
    return any(_cell(row, a) is not None for a in previous)
