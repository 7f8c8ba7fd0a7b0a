"""The Beta sheet: the minimum-variance ratio for hedging one coin with another's perp.

Paste two price series taken at the same times; the log returns and the regression are
formulas: β = SLOPE(asset returns, hedge returns) = cov/var (``core.beta``), correlation
= CORREL, R² = RSQ. A Portfolio row whose Beta cell reads ``=BetaHedgeRatio`` uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from perphedge.core.conventions import utc_datetime
from perphedge.template import layout as L
from perphedge.template import styles as S


@dataclass(frozen=True)
class BetaSeries:
    """Aligned prices of the asset and of the hedge coin (recorded, with their source)."""

    asset: str
    hedge: str
    times_ms: tuple[int, ...]
    asset_prices: tuple[float, ...]
    hedge_prices: tuple[float, ...]
    source: str


RESULT_ROWS = {"BetaHedgeRatio": 7, "BetaCorrelation": 8, "BetaRSquared": 9, "BetaReturns": 10}


def write_beta(ws: Worksheet, series: BetaSeries | None) -> None:
    S.title(ws, "Beta — hedging one coin with another coin's perpetual",
            series.source if series else
            "Paste the asset's and the hedge coin's prices at the same times (e.g. daily closes).")
    ws["A4"] = "Asset"
    ws["A5"] = "Hedged with"
    ws["B4"] = series.asset if series else None
    ws["B5"] = series.hedge if series else None
    for ref in ("B4", "B5"):
        ws[ref].fill = S.INPUT_FILL
        ws[ref].font = S.BOLD_FONT
    hr = L.BETA_HEADER_ROW
    n = max(len(series.times_ms) if series else 0, L.BETA_MIN_ROWS)
    first, last = hr + 1, hr + n
    ra, rh = f"D{first + 1}:D{last}", f"E{first + 1}:E{last}"
    results = {
        "BetaHedgeRatio": ("Min-variance hedge ratio (β)", f'=IF(COUNT({ra})<2,"",SLOPE({ra},{rh}))', "0.0000"),
        "BetaCorrelation": ("Correlation of log returns", f'=IF(COUNT({ra})<2,"",CORREL({ra},{rh}))', "0.0000"),
        "BetaRSquared": ("R²", f'=IF(COUNT({ra})<2,"",RSQ({ra},{rh}))', "0.0000"),
        "BetaReturns": ("Returns used", f"=COUNT({ra})", "0"),
    }
    for name, (label, formula, fmt) in results.items():
        r = RESULT_ROWS[name]
        ws[f"A{r}"] = label
        ws[f"A{r}"].font = S.LABEL_FONT
        ws[f"B{r}"] = formula
        ws[f"B{r}"].number_format = fmt
        ws[f"B{r}"].font = S.BOLD_FONT
    ws["D7"] = ("β is the hedge coin's notional per $1 of the asset that minimises the "
                "variance of the hedged position.")
    ws["D8"] = "Hedge notional on the Portfolio = spot value × β × hedge ratio."
    for ref in ("D7", "D8"):
        ws[ref].font = S.LABEL_FONT
    S.header_row(ws, hr, 1, L.BETA_HEADERS)
    for i in range(n):
        r = first + i
        if series and i < len(series.times_ms):
            ws[f"A{r}"] = utc_datetime(series.times_ms[i])
            ws[f"B{r}"] = series.asset_prices[i]
            ws[f"C{r}"] = series.hedge_prices[i]
        for col in "ABC":
            ws[f"{col}{r}"].fill = S.INPUT_FILL
        if i > 0:
            guard = f"OR(N(B{r})<=0,N(B{r - 1})<=0,N(C{r})<=0,N(C{r - 1})<=0)"
            ws[f"D{r}"] = f'=IF({guard},"",LN(B{r}/B{r - 1}))'
            ws[f"E{r}"] = f'=IF({guard},"",LN(C{r}/C{r - 1}))'
        ws[f"A{r}"].number_format = L.DATETIME
        ws[f"B{r}"].number_format = ws[f"C{r}"].number_format = L.PRICE
        ws[f"D{r}"].number_format = ws[f"E{r}"].number_format = "0.0000%"
    table = Table(displayName=L.BETA_TABLE, ref=f"A{hr}:E{last}")
    table.tableStyleInfo = TableStyleInfo(name=S.TABLE_STYLE, showRowStripes=True)
    ws.add_table(table)
    for col, width in zip("ABCDE", (30, 14, 14, 16, 16)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{first}"
    S.page_setup(ws, f"A1:E{last}", landscape=False, title_rows=f"{hr}:{hr}")
