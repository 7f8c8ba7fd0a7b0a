"""The Funding sheet, recalculated in LibreOffice: interval, 7/30/90-day averages and
APRs equal ``core.funding`` over the same settlements, each settlement annualised over its
own interval (a history whose interval changed included)."""

from __future__ import annotations

import pytest

from perphedge.core.conventions import DEFAULT_INTERVAL_HOURS, MS_PER_DAY, MS_PER_HOUR
from perphedge.core.funding import funding_apr, infer_interval_hours, settlement_intervals, summarize_funding
from perphedge.core.marketdata import FundingPoint
from perphedge.market.snapshot.data import load_snapshot
from perphedge.market.snapshot.source import SnapshotSource
from perphedge.template import layout as L
from perphedge.template.build import build_workbook
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
        # A lone settlement's interval: C's, the 8 h default.
        own = settlement_intervals([p.time_ms for p in pts], DEFAULT_INTERVAL_HOURS)
        last = pts[-1].time_ms
        for j, days in enumerate(L.FUNDING_WINDOWS_DAYS):
            avg, apr = ws[f"{'GIK'[j]}{s}"].value, ws[f"{'HJL'[j]}{s}"].value
            since = last - days * MS_PER_DAY + 60_000
            if pts[0].time_ms > since + own[0] * MS_PER_HOUR:
                assert avg in (None, "") and apr in (None, ""), (symbol, days)
                continue
            summary = summarize_funding(list(pts), since_ms=since)
            # The window is N days of settlements, each over its own interval.
            assert summary.window_hours == days * 24, (symbol, days)
            assert same(avg, summary.mean_rate_per_interval), (symbol, days)
            assert same(apr, summary.apr), (symbol, days)
            if not summary.interval_changed:  # one interval: the rule it always was
                assert summary.count == round(days * 24 / hours), (symbol, days)
                assert same(apr, funding_apr(summary.mean_rate_per_interval, hours)), (symbol, days)
        changed = summarize_funding(list(pts))
        note = ws[f"M{s}"].value
        if changed.interval_changed:
            lo, hi = changed.intervals_hours[0], changed.intervals_hours[-1]
            assert note.startswith(f"Interval changed within the history ({lo:g}–{hi:g} h)"), note
        else:
            assert note in (None, ""), note
        for r, p, prev, h in zip(range(fb, lb + 1), pts, [None] + list(pts), own):
            assert ws[f"G{r}"].value == h
            assert same(ws[f"E{r}"].value, funding_apr(p.rate_per_interval, h))
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


# SYNTHETIC inputs (not market data): 60 settlements 8 h apart, then 60 settlements 4 h
# apart (the market moved to 4-hourly funding), every one at +0.01 %; the last at
# 2026-03-20 00:00 UTC.
H = MS_PER_HOUR
LAST = 1_773_964_800_000
CHANGED_TIMES = [LAST - 60 * 4 * H - (59 - i) * 8 * H for i in range(60)] + [
    LAST - (59 - i) * 4 * H for i in range(60)]
CHANGED = {("SYN/USDT:USDT", "binanceusdm"): tuple(FundingPoint(t, 0.0001) for t in CHANGED_TIMES),
           ("SYN8/USDT:USDT", "binanceusdm"): tuple(FundingPoint(LAST - k * 8 * H, 0.0001)
                                                    for k in range(270))}


@pytest.fixture(scope="module")
def changed_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("changed") / "changed_interval.xlsx"
    build_workbook((), (), CHANGED, path, data_note="Synthetic inputs.", now_ms=LAST + H)
    return path


def test_changed_interval_history_annualised_per_settlement(recalc, changed_book):
    wb = recalc(changed_book)
    check_funding(wb, CHANGED)
    ws = wb["Funding"]
    s = L.FUNDING_SUMMARY_HEADER_ROW + 1
    assert ws[f"A{s}"].value == "SYN/USDT:USDT"
    # By hand, 30 days: 120 settlements earn 120 * 0.0001 = 0.012 over 60 * 8 h + 60 * 4 h
    # = 720 h = 30 days: 0.012 * 365 / 30 = 0.146 = 14.6 %. (One interval for all, the
    # median gap of 4 h: 21.9 %; 8 h: 10.95 %.)
    assert ws[f"J{s}"].value == pytest.approx(0.146, rel=1e-12)
    assert ws[f"I{s}"].value == pytest.approx(0.0001, rel=1e-12)
    # 7 days: the 42 four-hourly settlements of the last 168 h: 0.0042 * 8760 / 168 = 21.9 %.
    assert ws[f"H{s}"].value == pytest.approx(0.219, rel=1e-12)
    # 90 days: the history holds 30 days only, so blank.
    assert ws[f"L{s}"].value in (None, "")
    assert ws[f"C{s}"].value == 4  # the median gap (60 of the 119 gaps are 4 h)
    assert ws[f"M{s}"].value == ("Interval changed within the history (4–8 h): each settlement "
                                 "counts over its own interval")
    # The history rows: 8 h rows at 0.0001 * 3 * 365 = 10.95 %, 4 h rows at 21.9 %.
    (_, _, fb, lb), = [b for b in blocks(CHANGED) if b[0][0] == "SYN/USDT:USDT"]
    assert [ws[f"G{r}"].value for r in range(fb, lb + 1)] == [8] * 60 + [4] * 60
    assert [ws[f"E{r}"].value for r in range(fb, fb + 60)] == pytest.approx([0.1095] * 60)
    assert [ws[f"E{r}"].value for r in range(fb + 60, lb + 1)] == pytest.approx([0.219] * 60)
    # A constant 8-hourly history beside it: 0.0001 * 3 * 365 = 10.95 % in every window, no note.
    c = s + 1
    assert [ws[f"{col}{c}"].value for col in "HJL"] == pytest.approx([0.1095] * 3)
    assert ws[f"M{c}"].value in (None, "")
