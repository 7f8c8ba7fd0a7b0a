"""The Beta sheet: the minimum-variance ratio for hedging one coin with another's perp,
one block of columns per cross-hedged pair.

Each block holds two price series taken at the same times; β = SLOPE(asset returns, hedge
returns) = cov/var (``core.beta``), correlation = CORREL, R² = RSQ, over log returns. The
regression reads the price columns themselves (array formulas over ``BETA_MAX_ROWS`` rows),
so prices pasted below the written ones count too; the return columns beside them show the
written rows' returns. A return counts only where both prices of both times are positive
numbers. A Portfolio row whose Beta cell points at a block's β uses it; ``BetaHedgeRatio``
names the first block's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula
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
#: Columns per block: time, asset price, hedge price, two returns, a gap.
BLOCK_WIDTH = 6
#: Price rows the regression reads below each block's header.
BETA_MAX_ROWS = 20_000


def block_col(k: int, offset: int) -> str:
    """Column letter ``offset`` (0 time … 4 hedge return) of block ``k`` (0-based)."""
    return get_column_letter(1 + k * BLOCK_WIDTH + offset)


def beta_cell(k: int) -> str:
    """The absolute address of block ``k``'s β, for a Portfolio Beta cell."""
    return f"{L.BETA}!${block_col(k, 1)}${RESULT_ROWS['BetaHedgeRatio']}"


def _returns(price: str, other: str, first: int) -> str:
    """The log returns of ``price`` as an array, "" where either series has no valid pair."""
    end = first + BETA_MAX_ROWS - 1
    own = f"LN({price}{first + 1}:{price}{end}/{price}{first}:{price}{end - 1})"
    theirs = f"LN({other}{first + 1}:{other}{end}/{other}{first}:{other}{end - 1})"
    return f'IFERROR({own}+0*{theirs},"")'


def write_beta(ws: Worksheet, series: Sequence[BetaSeries]) -> None:
    blocks = list(series) or [None]
    S.title(ws, "Beta — hedging one coin with another coin's perpetual",
            "; ".join(dict.fromkeys(s.source for s in series)) if series else
            "Paste the asset's and the hedge coin's prices at the same times (e.g. daily closes).")
    hr = L.BETA_HEADER_ROW
    first = hr + 1
    for k, s in enumerate(blocks):
        _write_block(ws, k, s, first)
    ws.freeze_panes = f"A{first}"
    last_col = block_col(len(blocks) - 1, 4)
    S.wrap_across(ws, "A2", last_col, 92 * len(blocks))
    n = max([len(s.times_ms) for s in series] + [L.BETA_MIN_ROWS])
    S.page_setup(ws, f"A1:{last_col}{hr + n}", landscape=len(blocks) > 1, title_rows=f"{hr}:{hr}")


def _write_block(ws: Worksheet, k: int, s: BetaSeries | None, first: int) -> None:
    c = [block_col(k, i) for i in range(5)]
    ws[f"{c[0]}4"] = "Asset"
    ws[f"{c[0]}5"] = "Hedged with"
    ws[f"{c[1]}4"] = s.asset if s else None
    ws[f"{c[1]}5"] = s.hedge if s else None
    for ref in (f"{c[1]}4", f"{c[1]}5"):
        ws[ref].fill = S.INPUT_FILL
        ws[ref].font = S.BOLD_FONT
    ra, rh = _returns(c[1], c[2], first), _returns(c[2], c[1], first)
    results = {
        "BetaHedgeRatio": ("Min-variance hedge ratio (β)", f'IF(COUNT({ra})<2,"",SLOPE({ra},{rh}))', "0.0000"),
        "BetaCorrelation": ("Correlation of log returns", f'IF(COUNT({ra})<2,"",CORREL({ra},{rh}))', "0.0000"),
        "BetaRSquared": ("R²", f'IF(COUNT({ra})<2,"",RSQ({ra},{rh}))', "0.0000"),
        "BetaReturns": ("Returns used", f"COUNT({ra})", "0"),
    }
    for name, (label, formula, fmt) in results.items():
        r = RESULT_ROWS[name]
        ws[f"{c[0]}{r}"] = label
        ws[f"{c[0]}{r}"].font = S.LABEL_FONT
        ref = f"{c[1]}{r}"
        ws[ref] = ArrayFormula(ref, "=" + formula)
        ws[ref].number_format = fmt
        ws[ref].font = S.BOLD_FONT
    if k == 0:
        ws[f"{c[3]}7"] = ("β is the hedge coin's notional per $1 of the asset that minimises the "
                          "variance of the hedged position.")
        ws[f"{c[3]}8"] = "Hedge notional on the Portfolio = spot value × β × hedge ratio."
        ws[f"{c[3]}9"] = f"Prices pasted below count, up to {BETA_MAX_ROWS:,} rows per pair."
        for r in (7, 8, 9):
            ws[f"{c[3]}{r}"].font = S.LABEL_FONT
            S.wrap_across(ws, f"{c[3]}{r}", c[4], 32)
    hr = L.BETA_HEADER_ROW
    S.header_row(ws, hr, 1 + k * BLOCK_WIDTH, L.BETA_HEADERS)
    n = max(len(s.times_ms) if s else 0, L.BETA_MIN_ROWS)
    for i in range(n):
        r = first + i
        if s and i < len(s.times_ms):
            ws[f"{c[0]}{r}"] = utc_datetime(s.times_ms[i])
            ws[f"{c[1]}{r}"] = s.asset_prices[i]
            ws[f"{c[2]}{r}"] = s.hedge_prices[i]
        for col in c[:3]:
            ws[f"{col}{r}"].fill = S.INPUT_FILL
        if i > 0:
            a, h = c[1], c[2]
            guard = f"OR(N({a}{r})<=0,N({a}{r - 1})<=0,N({h}{r})<=0,N({h}{r - 1})<=0)"
            ws[f"{c[3]}{r}"] = f'=IF({guard},"",LN({a}{r}/{a}{r - 1}))'
            ws[f"{c[4]}{r}"] = f'=IF({guard},"",LN({h}{r}/{h}{r - 1}))'
        ws[f"{c[0]}{r}"].number_format = L.DATETIME
        ws[f"{c[1]}{r}"].number_format = ws[f"{c[2]}{r}"].number_format = L.PRICE
        ws[f"{c[3]}{r}"].number_format = ws[f"{c[4]}{r}"].number_format = "0.0000%"
    name = L.BETA_TABLE if k == 0 else f"{L.BETA_TABLE}{k + 1}"
    table = Table(displayName=name, ref=f"{c[0]}{hr}:{c[4]}{first + n - 1}")
    table.tableStyleInfo = TableStyleInfo(name=S.TABLE_STYLE, showRowStripes=True)
    ws.add_table(table)
    for col, width in zip(c, (30, 14, 14, 16, 16)):
        ws.column_dimensions[col].width = width
    if k > 0:
        ws.column_dimensions[block_col(k, -1)].width = 3
