"""The Scenarios sheet: the whole portfolio under price shocks of −50 % … +50 %.

Per shock, the sum over the Portfolio's holdings of ``core.scenarios``' rule (its
``portfolio_scenarios``): the shock moves each hedge instrument's price and a holding
β × shock (floored at −100 %); a short that stays open makes −hedged notional × shock,
gets the horizon's funding and pays the taker fee to open and to close (linear: on the
notional at the shocked price; inverse: on its USD face); a short the shock liquidates
(shock ≥ its distance to liquidation) loses its whole margin (inverse: valued at the
shocked price), pays only the opening fee, gets no funding, and leaves its holding
unhedged. The sums are SUMPRODUCTs over the Portfolio's hidden numeric ``sc_*`` columns
(template/scenario_columns.py), in arithmetic only: a comparison counts 1/0 and
MAX(a, b) is (a + b + |a − b|) / 2, because an IF inside SUMPRODUCT needs an array
formula in Excel before dynamic arrays.
"""

from __future__ import annotations

from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.formatting.rule import FormulaRule
from openpyxl.utils import get_column_letter
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


def left_out_cell() -> str:
    """Address of the count of holdings the sheet leaves out (below Horizon)."""
    return f"B{L.SCENARIO_SUMMARY_ROW + len(SUMMARY) + 2}"


def _ranges(n_rows: int) -> dict[str, str]:
    """Each Portfolio column the sheet sums, as an absolute range over the holding rows."""
    first, last = L.PORTFOLIO_FIRST_ROW, L.PORTFOLIO_FIRST_ROW + n_rows - 1
    keys = [c.key for c in L.SCENARIO_COLUMNS] + ["asset", "spot_value"]
    return {k: f"{L.PORTFOLIO}!${L.pcol(k)}${first}:${L.pcol(k)}${last}" for k in keys}


def _letters() -> dict[str, str]:
    """Column letter of each Scenarios header."""
    return {h: get_column_letter(i + 1) for i, h in enumerate(L.SCENARIO_HEADERS)}


def shock_formulas(n_rows: int, r: int, spot_value: str) -> dict[str, str]:
    """The formula of each computed column of shock row ``r`` (header -> formula; the
    shock is in column A), ``spot_value`` the summary's Spot value today."""
    g = _ranges(n_rows)
    sp, be, hn, mg, lq = g["sc_spot"], g["sc_beta"], g["sc_hedged"], g["sc_margin"], g["sc_liq_shock"]
    fu, fr, iv = g["sc_funding"], g["sc_fee_rate"], g["sc_inverse"]
    s = f"$A{r}"
    kept = f"({lq}>{s})"  # 1 while the short stays open, 0 once the shock reaches its liquidation
    gone = f"({lq}<={s})"
    move = f"({be}*{s}-1+ABS({be}*{s}+1))/2"  # MAX(β × shock, −1)
    c = {h: f"{letter}{r}" for h, letter in _letters().items()}
    return {
        "Spot P&L": f"=SUMPRODUCT({sp}*{move})",
        # open: −N × s; liquidated: the margin (inverse: its coins at the shocked price)
        "Hedge P&L": f"=SUMPRODUCT(-{hn}*{s}*{kept}-{mg}*{gone}*(1+{iv}*{s}))",
        "Funding": f"=SUMPRODUCT({fu}*{kept})",
        # opening fee always; the closing one only while open (linear: at the shocked price)
        "Fees": f"=SUMPRODUCT({hn}*{fr}*(1+{kept}*(1+(1-{iv})*{s})))",
        "Net P&L": f"={c['Spot P&L']}+{c['Hedge P&L']}+{c['Funding']}-{c['Fees']}",
        "Unhedged value": f"={spot_value}+{c['Spot P&L']}",
        "Hedged value": f"={spot_value}+{c['Net P&L']}",
        "Hedge protects": f"={c['Hedged value']}-{c['Unhedged value']}",
        "Liquidated": f"=SUMPRODUCT(({hn}>0)*{gone})",
    }


def left_out_formula(n_rows: int) -> str:
    """Portfolio rows with an Asset but no numeric Spot value (not priced, invalid input)."""
    g = _ranges(n_rows)
    return f'=SUMPRODUCT(({g["asset"]}<>"")*(1-ISNUMBER({g["spot_value"]})))'


def write_scenarios(ws: Worksheet, n_portfolio_rows: int, subtitle: str) -> None:
    """The sheet over the Portfolio's ``n_portfolio_rows`` holding rows."""
    S.title(ws, "Scenarios — the whole portfolio under price shocks", subtitle)
    total_row = L.PORTFOLIO_FIRST_ROW + n_portfolio_rows
    r0 = L.SCENARIO_SUMMARY_ROW
    ws[f"A{r0}"] = "Portfolio today"
    ws[f"A{r0}"].font = S.HEADING_FONT
    cells = summary_cells()
    for i, (key, label) in enumerate(SUMMARY):
        r = r0 + 1 + i
        ws[f"A{r}"] = label
        ws[f"A{r}"].font = S.LABEL_FONT
        c = ws[cells[key]]
        c.value = f"={L.PORTFOLIO}!${L.pcol(key)}${total_row}"
        c.number_format = L.USD
        c.font = S.BOLD_FONT
    hr_days = r0 + 1 + len(SUMMARY)
    ws[f"A{hr_days}"] = "Horizon (days)"
    ws[f"A{hr_days}"].font = S.LABEL_FONT
    ws[f"B{hr_days}"] = "=HorizonDays"
    ws[f"B{hr_days}"].font = S.BOLD_FONT
    out = left_out_cell()
    ws[f"A{hr_days + 1}"] = "Holdings left out (no price or invalid input)"
    ws[f"A{hr_days + 1}"].font = S.LABEL_FONT
    ws[out] = left_out_formula(n_portfolio_rows)
    ws[out].font = S.BOLD_FONT
    ws.conditional_formatting.add(out, FormulaRule(formula=[f"N({out})>0"], fill=S.BAD_FILL,
                                                   font=S.RED_FONT))
    sv = cells["spot_value"].replace("B", "$B$")

    hr = L.SCENARIO_HEADER_ROW
    S.header_row(ws, hr, 1, L.SCENARIO_HEADERS)
    first = hr + 1
    letters = list(_letters().values())
    last_col = letters[-1]
    for i, shock in enumerate(DEFAULT_SHOCKS):
        r = first + i
        ws[f"A{r}"] = shock
        ws[f"A{r}"].fill = S.INPUT_FILL
        ws[f"A{r}"].alignment = S.CENTER
        formulas = shock_formulas(n_portfolio_rows, r, sv)
        for col, header in zip(letters[1:], L.SCENARIO_HEADERS[1:]):
            cell = ws[f"{col}{r}"]
            cell.value = formulas[header]
            cell.number_format = "0" if header == "Liquidated" else L.USD0
            cell.font = S.BOLD_FONT if header in ("Net P&L", "Hedged value") else S.BODY_FONT
        ws[f"A{r}"].number_format = "0%"
    last = first + len(DEFAULT_SHOCKS) - 1
    # A shock that liquidates a short: the whole row in red (its Hedge P&L is margins lost
    # and those holdings move unhedged from there on).
    ws.conditional_formatting.add(f"A{first}:{last_col}{last}", FormulaRule(
        formula=[f"N(${last_col}{first})>0"], fill=S.BAD_FILL, font=S.RED_FONT))
    table = Table(displayName=L.SCENARIO_TABLE, ref=f"A{hr}:{last_col}{last}")
    table.tableStyleInfo = TableStyleInfo(name=S.TABLE_STYLE, showRowStripes=True)
    ws.add_table(table)
    ws.column_dimensions["A"].width = 40
    for col in letters[1:]:
        ws.column_dimensions[col].width = 14

    # A scatter chart with a numeric shock axis reads as a price line (−50 % … +50 %).
    chart = ScatterChart()
    chart.title = "Portfolio value: hedged vs unhedged"
    chart.style = 13
    chart.y_axis.title = "Value ($)"
    chart.x_axis.title = "Price shock"
    chart.y_axis.number_format = S.AXIS_MONEY
    chart.x_axis.number_format = S.AXIS_SHOCK
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
    ws.add_chart(chart, "L4")
    ws.freeze_panes = f"B{first}"
    S.page_setup(ws, f"A1:W{last}", title_rows=None)
