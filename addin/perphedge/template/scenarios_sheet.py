"""The Scenarios sheet: the whole portfolio under price shocks of −50 % … +50 %.

Every asset and every hedge coin moves by the same shock. The hedges are the shorts the
Portfolio sized (contracts after rounding), so per shock, as ``core.scenario_table``:
spot P&L = spot value × shock; hedge P&L = −hedged notional × shock; funding = the
Portfolio's funding over the horizon; fees = taker fee × (notional at entry + notional
at the shocked price); net = spot + hedge + funding − fees.
"""

from __future__ import annotations

from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from perphedge.core.scenarios import DEFAULT_SHOCKS
from perphedge.template import layout as L
from perphedge.template import styles as S

SUMMARY = (
    ("spot_value", "Spot value today"),
    ("hedged", "Hedged notional (short)"),
    ("funding", "Funding over the horizon (+ received)"),
    ("fees", "Round-trip taker fees"),
)


def summary_cells() -> dict[str, str]:
    """Address of each summary figure (key -> 'B5')."""
    return {key: f"B{L.SCENARIO_SUMMARY_ROW + 1 + i}" for i, (key, _) in enumerate(SUMMARY)}


def write_scenarios(ws: Worksheet, portfolio_total_row: int, subtitle: str) -> None:
    S.title(ws, "Scenarios — the whole portfolio under price shocks", subtitle)
    r0 = L.SCENARIO_SUMMARY_ROW
    ws[f"A{r0}"] = "Portfolio today"
    ws[f"A{r0}"].font = S.HEADING_FONT
    cells = summary_cells()
    for i, (key, label) in enumerate(SUMMARY):
        r = r0 + 1 + i
        ws[f"A{r}"] = label
        ws[f"A{r}"].font = S.LABEL_FONT
        c = ws[cells[key]]
        c.value = f"={L.PORTFOLIO}!${L.pcol(key)}${portfolio_total_row}"
        c.number_format = L.USD
        c.font = S.BOLD_FONT
    hr_days = r0 + 1 + len(SUMMARY)
    ws[f"A{hr_days}"] = "Horizon (days)"
    ws[f"A{hr_days}"].font = S.LABEL_FONT
    ws[f"B{hr_days}"] = "=HorizonDays"
    ws[f"B{hr_days}"].font = S.BOLD_FONT
    sv, hn, fu, fe = (cells[k].replace("B", "$B$") for k in ("spot_value", "hedged", "funding", "fees"))

    hr = L.SCENARIO_HEADER_ROW
    S.header_row(ws, hr, 1, L.SCENARIO_HEADERS)
    first = hr + 1
    for i, shock in enumerate(DEFAULT_SHOCKS):
        r = first + i
        ws[f"A{r}"] = shock
        ws[f"A{r}"].fill = S.INPUT_FILL
        ws[f"A{r}"].alignment = S.CENTER
        formulas = {
            "B": f"={sv}*A{r}",
            "C": f"=-{hn}*A{r}",
            "D": f"={fu}",
            "E": f"={fe}/2*(2+A{r})",
            "F": f"=B{r}+C{r}+D{r}-E{r}",
            "G": f"={sv}*(1+A{r})",
            "H": f"={sv}+F{r}",
            "I": f"=H{r}-G{r}",
        }
        for col, text in formulas.items():
            ws[f"{col}{r}"] = text
        for col in "ABCDEFGHI":
            ws[f"{col}{r}"].number_format = "0%" if col == "A" else L.USD0
            ws[f"{col}{r}"].font = S.BOLD_FONT if col in "FH" else S.BODY_FONT
    last = first + len(DEFAULT_SHOCKS) - 1
    table = Table(displayName=L.SCENARIO_TABLE, ref=f"A{hr}:I{last}")
    table.tableStyleInfo = TableStyleInfo(name=S.TABLE_STYLE, showRowStripes=True)
    ws.add_table(table)
    ws.column_dimensions["A"].width = 36
    for col in "BCDEFGHI":
        ws.column_dimensions[col].width = 14

    # A scatter chart with a numeric shock axis reads as a price line (−50 % … +50 %).
    chart = ScatterChart()
    chart.title = "Portfolio value: hedged vs unhedged"
    chart.style = 13
    chart.y_axis.title = "Value ($)"
    chart.x_axis.title = "Price shock"
    chart.y_axis.number_format = '"$"#,##0'
    chart.x_axis.number_format = "0%"
    chart.x_axis.scaling.min, chart.x_axis.scaling.max = -0.5, 0.5
    chart.x_axis.majorUnit = 0.1
    # Axes along the bottom and the left edge, not through the origin.
    chart.x_axis.tickLblPos = chart.y_axis.tickLblPos = "low"
    chart.x_axis.crosses = chart.y_axis.crosses = "min"
    chart.height, chart.width = 10.5, 19
    chart.legend.position = "b"
    xs = Reference(ws, min_col=1, min_row=first, max_row=last)
    for col, color in ((7, "C00000"), (8, "1F4E79")):
        series = Series(Reference(ws, min_col=col, min_row=first, max_row=last), xs,
                        title_from_data=False, title=L.SCENARIO_HEADERS[col - 1])
        series.marker.symbol = "none"
        series.smooth = False
        series.graphicalProperties.line.solidFill = color
        series.graphicalProperties.line.width = 28575
        chart.series.append(series)
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    ws.add_chart(chart, "J4")
    ws.freeze_panes = f"B{first}"
    S.page_setup(ws, f"A1:U{last}", title_rows=None)
