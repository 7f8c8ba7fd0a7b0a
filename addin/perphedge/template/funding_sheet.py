"""The Funding sheet: recorded funding settlements of the portfolio's hedge symbols, the
7/30/90-day averages and APRs as formulas over them, and a chart.

A window of N days holds the settlements in the N days up to the last recorded one:
times ≥ last − N days + 1 minute (the minute absorbs the exchanges' millisecond jitter, so
a 7-day window of 8-hourly funding holds 21 settlements). A window longer than the
history shows blank rather than an average of fewer days. The summary's interval is the
median gap between settlements rounded to the hour (``core.funding.infer_interval_hours``).

Each settlement's rate is per its own interval (``core.funding.settlement_intervals``): the
gap since the settlement before it rounded to the hour, the first one's the gap to the next,
a lone settlement's the summary's interval (the column beside the gaps). A window's APR is
what it earned: its rates' sum ÷ its hours (the sum of those intervals) × 24 × 365, so a
market whose interval changed (8 h to 4 h, say) is annualised correctly; a note beside the
summary row says when the interval changed within the history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.styles import Alignment
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from perphedge.core.conventions import DEFAULT_INTERVAL_HOURS, utc_datetime
from perphedge.core.marketdata import FundingPoint
from perphedge.template import layout as L
from perphedge.template import styles as S

_COLORS = ("1F4E79", "C55A11", "548235", "7030A0", "BF8F00", "2E75B6")

History = Mapping[tuple[str, str], Sequence[FundingPoint]]


_CENTRED = Alignment(horizontal="center")

#: The history table's columns: the layout's, then each settlement's own interval.
_HISTORY_HEADERS = (*L.FUNDING_HISTORY_HEADERS, "Interval (h)")
#: Where the summary row's note goes: beside the summary table.
_NOTE_COL = "M"



def blocks(history: History) -> list[tuple[tuple[str, str], list[FundingPoint], int, int]]:
    """(key, points sorted by time, first row, last row) of each symbol's history block."""
    out = []
    hr = history_header_row(len(history))
    r = hr + 1
    for key in sorted(history):
        pts = sorted(history[key], key=lambda p: p.time_ms)
        if not pts:
            continue
        out.append((key, pts, r, r + len(pts) - 1))
        r += len(pts)
    return out


def excel_serial(dt: datetime) -> float:
    """Excel serial day number of a naive UTC datetime (chart axis bounds)."""
    delta = dt - datetime(1899, 12, 30)
    return round(delta.days + delta.seconds / 86400, 6)


def history_header_row(n_symbols: int) -> int:
    return L.FUNDING_SUMMARY_HEADER_ROW + max(n_symbols, 1) + 3


def write_funding(ws: Worksheet, history: History, subtitle: str) -> None:
    S.title(ws, "Funding — recorded history and averages", subtitle)
    ws["A3"] = ("Rates are per funding interval; positive: longs pay shorts, so the hedge "
                "receives. APR = rate × (24 / interval h) × 365, simple, each settlement over "
                "its own interval; a window's APR = its rates' sum ÷ its hours × 24 × 365.")
    ws["A3"].font = S.LABEL_FONT
    parts = blocks(history)
    sh = L.FUNDING_SUMMARY_HEADER_ROW
    S.header_row(ws, sh, 1, L.FUNDING_SUMMARY_HEADERS)
    hh = history_header_row(len(parts))
    S.header_row(ws, hh, 1, _HISTORY_HEADERS)
    ws[f"A{hh - 1}"] = "Settlements"
    ws[f"A{hh - 1}"].font = S.HEADING_FONT

    for i, ((symbol, exchange), pts, fb, lb) in enumerate(parts):
        s = sh + 1 + i
        for r, p in zip(range(fb, lb + 1), pts):
            ws[f"A{r}"] = utc_datetime(p.time_ms)
            ws[f"B{r}"] = symbol
            ws[f"C{r}"] = exchange
            # Right-aligned times would run into the left-aligned symbols beside them.
            ws[f"A{r}"].alignment = _CENTRED
            ws[f"D{r}"] = p.rate_per_interval
            ws[f"E{r}"] = f"=D{r}*24/G{r}*365"
            ws[f"F{r}"] = None if r == fb else f"=(A{r}-A{r - 1})*24"
            # The settlement's own interval: its gap; the first's the next gap; a lone one's C.
            if r > fb:
                ws[f"G{r}"] = f"=ROUND(F{r},0)"
            else:
                ws[f"G{r}"] = f"=ROUND(F{r + 1},0)" if lb > fb else f"=$C${s}"
            for col, fmt in zip("ADEFG", (L.DATETIME, L.RATE, L.PCT2, "0.00", "0")):
                ws[f"{col}{r}"].number_format = fmt
        times, rates, gaps = f"$A${fb}:$A${lb}", f"$D${fb}:$D${lb}", f"$F${fb}:$F${lb}"
        hours = f"$G${fb}:$G${lb}"
        ws[f"A{s}"] = symbol
        ws[f"B{s}"] = exchange
        ws[f"C{s}"] = f"=IF(COUNT({gaps})=0,{DEFAULT_INTERVAL_HOURS:g},ROUND(MEDIAN({gaps}),0))"
        ws[f"D{s}"] = f"=MIN({times})"
        ws[f"E{s}"] = f"=MAX({times})"
        ws[f"F{s}"] = f"=COUNT({rates})"
        for j, days in enumerate(L.FUNDING_WINDOWS_DAYS):
            avg_col = "GIK"[j]
            apr_col = "HJL"[j]
            since = f"($E{s}-{days}+1/1440)"
            # Blank unless the history reaches back to the window's first settlement (the
            # first one's own interval before the window's start).
            ws[f"{avg_col}{s}"] = (f'=IF($D{s}>{since}+$G${fb}/24,"",SUMPRODUCT(({times}>={since})*{rates})'
                                   f"/SUMPRODUCT(--({times}>={since})))")
            # What the window earned: its rates' sum over its hours, each settlement's own.
            ws[f"{apr_col}{s}"] = (f'=IF({avg_col}{s}="","",SUMPRODUCT(({times}>={since})*{rates})'
                                   f"/SUMPRODUCT(({times}>={since})*{hours})*24*365)")
            ws[f"{avg_col}{s}"].number_format = L.RATE
            ws[f"{apr_col}{s}"].number_format = L.PCT2
            ws[f"{apr_col}{s}"].font = S.BOLD_FONT
        ws[f"C{s}"].number_format = "0"
        ws[f"D{s}"].number_format = ws[f"E{s}"].number_format = L.DATETIME
        note = f"{_NOTE_COL}{s}"
        ws[note] = (f'=IF(MAX({hours})>MIN({hours}),"Interval changed within the history ("'
                    f'&MIN({hours})&"–"&MAX({hours})&" h): each settlement counts over its own '
                    f'interval","")')
        ws[note].font = S.WARN_FONT

    n_sum = max(len(parts), 1)
    summary = Table(displayName=L.FUNDING_SUMMARY_TABLE, ref=f"A{sh}:L{sh + n_sum}")
    summary.tableStyleInfo = TableStyleInfo(name=S.TABLE_STYLE, showRowStripes=True)
    ws.add_table(summary)
    last = parts[-1][3] if parts else hh + 1
    hist = Table(displayName=L.FUNDING_TABLE, ref=f"A{hh}:G{last}")
    hist.tableStyleInfo = TableStyleInfo(name=S.TABLE_STYLE, showRowStripes=True)
    ws.add_table(hist)
    for col, width in zip("ABCDEFGHIJKL", (19, 17, 13, 17, 17, 11, 11, 10, 11, 10, 11, 10)):
        ws.column_dimensions[col].width = width

    if parts:
        chart = ScatterChart()
        chart.title = "Funding APR (+: the short receives)"
        chart.style = 13
        chart.y_axis.title = "APR"
        chart.y_axis.number_format = S.AXIS_PERCENT
        chart.x_axis.number_format = S.AXIS_DATE
        chart.x_axis.title = "Settlement (UTC)"
        chart.height, chart.width = 10, 22
        chart.legend.position = "b"
        for i, ((symbol, exchange), _pts, fb, lb) in enumerate(parts):
            xs = Reference(ws, min_col=1, min_row=fb, max_row=lb)
            ys = Reference(ws, min_col=5, min_row=fb, max_row=lb)
            series = Series(ys, xs, title=f"{symbol} ({exchange})")
            series.marker.symbol = "none"
            series.smooth = False
            series.graphicalProperties.line.solidFill = _COLORS[i % len(_COLORS)]
            series.graphicalProperties.line.width = 15875
            chart.series.append(series)
        first_t = min(utc_datetime(p[1][0].time_ms) for p in parts)
        last_t = max(utc_datetime(p[1][-1].time_ms) for p in parts)
        chart.x_axis.scaling.min = excel_serial(first_t)
        chart.x_axis.scaling.max = excel_serial(last_t)
        chart.x_axis.tickLblPos = chart.y_axis.tickLblPos = "low"
        chart.x_axis.crosses = chart.y_axis.crosses = "min"
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        ws.add_chart(chart, f"H{hh}")
    ws.freeze_panes = f"A{sh + 1}"
    # The settlements run over several pages: each repeats their header row.
    S.page_setup(ws, f"A1:T{max(last, hh + 22)}", title_rows=f"{hh}:{hh}")
