"""Property: any sequence of refreshes, with random figures failing, random clock offsets of
the exchange's stamp and the recording answering now and then, never moves a row's as-of
backwards, never writes a figure outside the plausibility bounds, and never calls a row fresh
when one of its figures failed or was gated."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from perphedge.core.conventions import MS_PER_DAY, cell_datetime
from perphedge.core.marketdata import DataStatus
from perphedge.refresh.merge import merge_row
from perphedge.refresh.table import KEEP
from tests.support.fake import NOW_MS, row

FIGURES = ("spot_price", "mark_price", "index_price", "rate_per_interval", "contract_size")
OFFSETS_MS = st.one_of(st.integers(-5 * MS_PER_DAY, 10 * 60_000),
                       st.sampled_from([3650 * MS_PER_DAY, 10**20 - NOW_MS, -NOW_MS + 1]))
STEP = st.fixed_dictionaries({
    "advance_ms": st.integers(0, 2 * MS_PER_DAY),
    "offset_ms": OFFSETS_MS,
    "failed": st.sets(st.sampled_from(FIGURES)),
    "absurd": st.sets(st.sampled_from(FIGURES)),
    "recorded": st.booleans(),
})
#: A value outside core.plausibility's bounds for each figure (synthetic).
ABSURD = {"spot_price": 1e300, "mark_price": 1e-300, "index_price": -5.0, "rate_per_interval": 0.5,
          "contract_size": 0.0}


def _ms(dt: datetime | None) -> int | None:
    return None if dt is None else round((dt - datetime(1970, 1, 1)).total_seconds() * 1000)


@settings(max_examples=300, deadline=None)
@given(st.lists(STEP, min_size=1, max_size=8))
def test_as_of_never_goes_backwards_and_failures_are_never_fresh(steps):
    now = NOW_MS
    cells: dict[str, object] = dict.fromkeys(FIGURES)
    as_of: datetime | None = None
    for s in steps:
        now += s["advance_ms"]
        stamp = now + s["offset_ms"]
        source = "snapshot" if s["recorded"] else "binanceusdm"
        # as the service does: a figure it could not get is named in the row's reason
        reason = ("binanceusdm unreachable; recorded snapshot of x" if s["recorded"]
                  else ", ".join(sorted(s["failed"])) + " unavailable" if s["failed"] else None)
        absurd = set() if s["recorded"] else s["absurd"] - s["failed"]   # recordings are not gated
        figs = {f: (None if f in s["failed"] else ABSURD[f] if f in absurd else 100.0 + now % 1000)
                for f in FIGURES}
        answer = row("BTC/USDT:USDT", "binanceusdm", 1.0, status=DataStatus(
            source, stamp, stale=s["recorded"], reason=reason), **figs)
        before_ms = _ms(as_of)
        merged = merge_row(answer, dict(cells), before_ms, now)
        gated = not (1_420_070_400_000 <= stamp <= now + 300_000)
        if s["failed"]:       # named in the Status (partial or stale), never a bare "fresh"
            assert not merged.status.startswith("fresh"), merged.status
        if gated or s["recorded"]:
            assert merged.kind != "fresh" and not merged.status.startswith(("fresh", "partial"))
        if absurd:            # refused, kept, and said: never fresh
            assert merged.status.startswith("suspect: ") and merged.kind != "fresh", merged.status
            # the previous value stays (KEEP), or the cell stays empty when it held none
            assert all(merged.values[f] is KEEP or merged.values[f] is None for f in absurd)
        for f in FIGURES:
            if merged.values[f] is not KEEP:
                cells[f] = merged.values[f]
        if merged.values["as_of"] is not KEEP:
            new_ms = _ms(merged.values["as_of"])
            assert before_ms is None or new_ms >= before_ms
            as_of = merged.values["as_of"]
        assert as_of is None or as_of <= cell_datetime(now + 300_000)
