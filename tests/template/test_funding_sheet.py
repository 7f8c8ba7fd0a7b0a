"""The Funding sheet, recalculated in LibreOffice: interval, 7/30/90-day averages and
APRs equal ``core.funding`` over the same settlements."""

from __future__ import annotations

import pytest

from perphedge.core.conventions import MS_PER_DAY, MS_PER_HOUR
from perphedge.core.funding import funding_apr, infer_interval_hours, summarize_funding
from perphedge.market.snapshot.data import load_snapshot
from perphedge.market.snapshot.source import SnapshotSource
from perphedge.template import layout as L
from perphedge.template.funding_sheet import blocks
from tests.support.reference import same

pytestmark = pytest.mark.libreoffice


def check_funding(wb, history):
    ws = wb["Funding"]
    for i, ((symbol, exchange), pts, fb, lb) in enumerate(blocks(history)):
        s = L.FUNDING_SUMMARY_HEADER_ROW + 1 + i
        assert (ws[f"A{s}"].value, ws[f"B{s}"].value) == (symbol, exchange)
        hours = infer_interval_hours([p.time_ms for p in pts])
        assert ws[f"C{s}"].value == hours
        assert ws[f"F{s}"].value == len(pts)
        last = pts[-1].time_ms
        for j, days in enumerate(L.FUNDING_WINDOWS_DAYS):
            avg, apr = ws[f"{'GIK'[j]}{s}"].value, ws[f"{'HJL'[j]}{s}"].value
            since = last - days * MS_PER_DAY + 60_000
            if pts[0].time_ms > since + hours * MS_PER_HOUR:
                assert avg in (None, "") and apr in (None, ""), (symbol, days)
                continue
            summary = summarize_funding(list(pts), interval_hours=hours, since_ms=since)
            assert summary.count == round(days * 24 / hours), (symbol, days)
            assert same(avg, summary.mean_rate_per_interval), (symbol, days)
            assert same(apr, summary.apr), (symbol, days)
        for r, p, prev in zip(range(fb, lb + 1), pts, [None] + list(pts)):
            assert same(ws[f"E{r}"].value, funding_apr(p.rate_per_interval, hours))
            if prev is not None:
                gap = (p.time_ms - prev.time_ms) / MS_PER_HOUR
                assert ws[f"F{r}"].value == pytest.approx(gap, abs=1e-6)


def test_demo_funding_matches_core(recalc, demo_path):
    src = SnapshotSource(load_snapshot())
    history = {(sym, "binanceusdm"): src.funding_history(sym, 90, "binanceusdm").value
               for sym in ("BTC/USDT:USDT", "ETH/USDT:USDT")}
    check_funding(recalc(demo_path), history)


@pytest.mark.parametrize("index", [0, 1])
def test_generated_funding_matches_core(recalc, generated, index):
    path, _h, _r, history, _t = generated[index]
    check_funding(recalc(path), history)


def test_recorded_90_day_history_gives_a_90_day_average(recalc, demo_path):
    """The snapshot holds the 270 settlements of (last − 90 d, last]; all of them average."""
    ws = recalc(demo_path)["Funding"]
    s = L.FUNDING_SUMMARY_HEADER_ROW + 1
    assert ws[f"C{s}"].value == 8 and ws[f"F{s}"].value == 270
    assert isinstance(ws[f"K{s}"].value, float)
