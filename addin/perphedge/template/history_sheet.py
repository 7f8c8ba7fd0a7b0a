"""The History sheet: the settlement path of each hedge market, as native formulas.

One block per market, side by side: the policy's inputs at the top (quantity, hedge ratio,
leverage, rebalance band, taker fee, the tier's rate and amount, contract size and step —
typed over, the whole path recalculates), then one row per recorded settlement with the walk
of :mod:`perphedge.core.backtest` written as formulas, in the same order of events: the
short opened at the first settlement's mark before it settles; at each later settlement the
price move, the liquidation check against the liquidation price of the venue's rule
(:mod:`perphedge.core.margin_rules`), funding on the short held at the settlement's mark, then
the rebalance to the target when the ratio is outside the band. Below the inputs: the yearly
funding table (funding received and the sum of rates per UTC calendar year).

Signs as DESIGN §3: funding + received, − paid; fees are costs, shown positive and subtracted;
the short's size is shown negative. A column the path does not reach (no short held) is blank.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from perphedge.core.backtest import HedgePolicy, Settlement
from perphedge.core.conventions import utc_datetime
from perphedge.core.holdings import HoldingInput
from perphedge.core.margin_rules import rule_for
from perphedge.core.marketdata import FundingPoint, MarketRow
from perphedge.core.position import RowSettings, preset_ratio
from perphedge.template import styles as S
from perphedge.template.funding_sheet import excel_serial

#: The sheet's name (added to a workbook only where a block has marks).
HISTORY_SHEET = "History"
#: The first block's top row; each block: its title, the inputs (with the yearly table and
#: the chart beside them), the settlement table's header, one row per settlement.
TOP_ROW = 5
INPUTS = ("Quantity (base)", "Hedge ratio", "Leverage", "Rebalance band", "Taker fee",
          "MMR", "Maint. amount", "Contract size", "Amount step", "Target contracts")
MAX_YEARS = len(INPUTS) - 1
COLUMNS = ("Time (UTC)", "Rate", "Mark", "Liquidated", "Loss", "Hedge P&L", "Funding", "Trade",
           "Contracts", "Fee", "Entry", "Margin", "Liq. price", "P&L since open", "Hedge net",
           "Hedged equity", "Unhedged equity", "Funding to date", "Short (base)")
#: Rows of a block above its first settlement, and blank rows after its last.
HEAD_ROWS, GAP_ROWS = len(INPUTS) + 3, 2
#: Columns of the yearly table (beside the inputs) and where the chart goes.
YEARS_COL, CHART_COL = 4, 8
#: The band edge is inside the band (0.55 − 0.50 is 0.05000000000000004), as core.backtest.
_EPS = "1E-12"


@dataclass(frozen=True)
class HistoryBlock:
    """One market's path: its settlements (marks on every one) and the policy's inputs."""

    symbol: str
    exchange: str
    qty: float
    policy: HedgePolicy
    settlements: tuple[Settlement, ...]


def blocks_for(holdings: Sequence[HoldingInput], market_rows: Sequence[MarketRow],
               history: Mapping[tuple[str, str], Sequence[FundingPoint]],
               settings: RowSettings | None = None) -> list[HistoryBlock]:
    """A block per linear hedge market whose history has a mark on every settlement, with
    the inputs of the first Portfolio holding hedged there (its quantity, ratio and leverage;
    the Market row's fee, first tier and contract spec; the Portfolio's rebalance band). A
    market without marks, or inverse, gets no block (the Funding sheet still has its rates)."""
    settings = settings or RowSettings()   # a new workbook's settings
    rows = {(r.symbol, r.exchange): r for r in market_rows}
    out: list[HistoryBlock] = []
    for h in holdings:
        key = (h.hedge_symbol, h.exchange or settings.default_exchange)
        points = sorted(history.get(key, ()), key=lambda pt: pt.time_ms)
        row = rows.get(key)
        if key in {(b.symbol, b.exchange) for b in out} or row is None or row.inverse or len(points) < 2 \
                or any(pt.mark_price is None for pt in points):
            continue
        ratio = h.hedge_ratio if h.hedge_ratio is not None else preset_ratio(h.strategy)
        policy = HedgePolicy(hedge_ratio=ratio, leverage=h.leverage, band=settings.rebalance_band,
                             contract_size=row.contract_size or 1.0, amount_step=row.amount_step or 0.0,
                             taker_fee=row.taker_fee or 0.0,
                             mmr=row.mmr if row.mmr is not None else settings.default_mmr,
                             maint_amount=row.maint_amount or 0.0, exchange=key[1])
        out.append(HistoryBlock(key[0], key[1], h.qty, policy,
                                tuple(Settlement(pt.time_ms, pt.rate_per_interval, pt.mark_price) for pt in points)))
    return out


class BlockCells:
    """Cell addresses of one block whose title is on row ``top``, holding ``n_rows``
    settlements."""

    def __init__(self, top: int, n_rows: int) -> None:
        self.top = top
        self.n = n_rows

    @property
    def header_row(self) -> int:
        return self.top + HEAD_ROWS - 1

    @property
    def first_row(self) -> int:
        return self.top + HEAD_ROWS

    @property
    def last_row(self) -> int:
        return self.first_row + self.n - 1

    @property
    def next_top(self) -> int:
        return self.last_row + 1 + GAP_ROWS

    def input_row(self, name: str) -> int:
        return self.top + 1 + INPUTS.index(name)

    def col(self, name: str) -> str:
        return get_column_letter(1 + COLUMNS.index(name))

    def at(self, name: str, row: int) -> str:
        return f"{self.col(name)}{row}"

    def inp(self, name: str) -> str:
        return f"$B${self.input_row(name)}"


def block_tops(blocks: Sequence[HistoryBlock]) -> list[int]:
    """The top row of each block, stacked down the sheet."""
    tops, top = [], TOP_ROW
    for block in blocks:
        tops.append(top)
        top = BlockCells(top, len(block.settlements)).next_top
    return tops


def liquidation_formula(exchange: str, entry: str, qty: str, margin: str, mmr: str, amount: str,
                        fee: str) -> str:
    """The venue's linear isolated liquidation price as a formula (core.margin_rules' algebra);
    #N/A where the margin is below maintenance at entry, where core refuses."""
    rule = rule_for(exchange, inverse=False)
    f = fee if rule.fee_in_maintenance else "0"
    if rule.maintenance_at_entry:
        x = f"{entry}*(1-{mmr})+({margin}+{amount})/{qty}"
    else:
        x = f"({margin}+{amount}+{qty}*{entry})/({qty}*(1+{mmr}+{f}))"
    return f"IF({x}<={entry},NA(),{x})"


def _row_formulas(b: BlockCells, r: int, exchange: str) -> dict[str, str]:
    first = r == b.first_row
    p = r - 1
    cs, qty, w = b.inp("Contract size"), b.inp("Quantity (base)"), b.inp("Target contracts")
    mark, rate = b.at("Mark", r), b.at("Rate", r)
    held = "0" if first else f"{b.at('Contracts', p)}"       # contracts into this settlement
    f: dict[str, str] = {}
    if first:
        f["Liquidated"] = "1=0"   # FALSE as a formula result (a bare =FALSE reads 0 in some engines)
        f["Loss"] = "0"
        f["Hedge P&L"] = "0"
        f["Funding"] = f"{w}*{cs}*{mark}*{rate}"
        f["Trade"] = f"{w}>0"
    else:
        liq_p = b.at("Liq. price", p)
        f["Liquidated"] = f"IF({held}>0,{mark}>={liq_p},FALSE)"
        lq = b.at("Liquidated", r)
        f["Loss"] = f"IF({lq},MIN({held}*{cs}*({mark}-{b.at('Entry', p)}),{b.at('Margin', p)}),0)"
        f["Hedge P&L"] = (f"IF({lq},-{b.at('Loss', r)}-{b.at('P&L since open', p)},"
                          f"-{held}*{cs}*({mark}-{b.at('Mark', p)}))")
        f["Funding"] = f"IF({lq},0,{held}*{cs}*{mark}*{rate})"
        f["Trade"] = (f"AND(NOT({lq}),ABS({held}*{cs}/{qty}-{b.inp('Hedge ratio')})>"
                      f"{b.inp('Rebalance band')}+{_EPS},{w}<>{held})")
    lq, tr = b.at("Liquidated", r), b.at("Trade", r)
    kept = "0" if first else f"IF({lq},0,{held})"          # contracts after, without a trade
    f["Contracts"] = f"IF({tr},{w},{kept})"
    f["Fee"] = f"IF({tr},{b.inp('Taker fee')}*ABS({w}-{kept})*{cs}*{mark},0)"
    entry_kept = "0" if first else f"IF({lq},0,{b.at('Entry', p)})"
    margin_kept = "0" if first else f"IF({lq},0,{b.at('Margin', p)})"
    f["Entry"] = f"IF({tr},IF({w}>0,{mark},0),{entry_kept})"
    f["Margin"] = f"IF({tr},{w}*{cs}*{mark}/{b.inp('Leverage')},{margin_kept})"
    k = b.at("Contracts", r)
    liq_new = liquidation_formula(exchange, b.at("Entry", r), f"({k}*{cs})", b.at("Margin", r),
                                  b.inp("MMR"), b.inp("Maint. amount"), b.inp("Taker fee"))
    f["Liq. price"] = f'IF({k}>0,IF({tr},{liq_new},{"NA()" if first else b.at("Liq. price", p)}),"")'
    f["P&L since open"] = f"IF(OR({tr},{lq}),0,{'0' if first else b.at('P&L since open', p)}+{b.at('Hedge P&L', r)})"
    before = "0" if first else b.at("Hedge net", p)
    f["Hedge net"] = f"{before}+{b.at('Hedge P&L', r)}+{b.at('Funding', r)}-{b.at('Fee', r)}"
    f["Hedged equity"] = f"{qty}*{mark}+{b.at('Hedge net', r)}"
    f["Unhedged equity"] = f"{qty}*{mark}"
    f["Funding to date"] = f"{'0' if first else b.at('Funding to date', p)}+{b.at('Funding', r)}"
    f["Short (base)"] = f"-{k}*{cs}"
    return {name: "=" + text for name, text in f.items()}


def _target(b: BlockCells) -> str:
    ratio, qty = b.inp("Hedge ratio"), b.inp("Quantity (base)")
    cs, step = b.inp("Contract size"), b.inp("Amount step")
    exact = f"{ratio}*{qty}/{cs}"
    return f"=IF(N({step})>0,ROUNDDOWN(ROUND({exact}/{step},9),0)*{step},{exact})"


def _years(times_ms: Sequence[int]) -> list[int]:
    """Every UTC year of the settlements (the caller says so when not all of them fit)."""
    return sorted({time.gmtime(t // 1000).tm_year for t in times_ms})


#: Number formats by column: money in the quote currency, rates as %, sizes in base units.
_MONEY, _RATE, _SIZE = "#,##0.00;[Red]-#,##0.00", "0.0000%", "0.000####"
#: Logical columns: Excel shows a logical as TRUE/FALSE whatever the format; LibreOffice
#: stores it as 1/0 and may show the number unless the format says how.
_LOGICAL = '"TRUE";"TRUE";"FALSE"'
_FORMATS = {"Time (UTC)": "yyyy-mm-dd hh:mm", "Rate": _RATE, "Liquidated": _LOGICAL, "Trade": _LOGICAL,
            "Mark": _MONEY, "Loss": _MONEY,
            "Hedge P&L": _MONEY, "Funding": _MONEY, "Contracts": _SIZE, "Fee": _MONEY, "Entry": _MONEY,
            "Margin": _MONEY, "Liq. price": _MONEY, "P&L since open": _MONEY, "Hedge net": _MONEY,
            "Hedged equity": _MONEY, "Unhedged equity": _MONEY, "Funding to date": _MONEY,
            "Short (base)": _SIZE}
_INPUT_FORMATS = {"Hedge ratio": "0.0%", "Rebalance band": "0.0%", "Taker fee": "0.000%", "MMR": "0.00%",
                  "Leverage": '0.0"x"', "Maint. amount": _MONEY}


def write_history(ws: Worksheet, blocks: Sequence[HistoryBlock], subtitle: str) -> None:
    S.title(ws, "History — what the hedge would have received, paid and saved", subtitle)
    ws["A3"] = ("Type over a block's inputs (ratio, leverage, band, fee …) and its whole path "
                "recalculates. Funding + received / − paid at each settlement's mark; fees are costs.")
    ws["A3"].font = S.LABEL_FONT
    for block, top in zip(blocks, block_tops(blocks)):
        _write_block(ws, block, BlockCells(top, len(block.settlements)))
    for j in range(len(COLUMNS)):
        ws.column_dimensions[get_column_letter(1 + j)].width = 16 if j == 0 else 12.5
    if blocks:
        first = BlockCells(TOP_ROW, len(blocks[0].settlements))
        ws.print_title_rows = f"{first.header_row}:{first.header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _write_block(ws: Worksheet, block: HistoryBlock, b: BlockCells) -> None:
    p = block.policy
    ws.cell(b.top, 1, f"{block.symbol} on {block.exchange}").font = S.HEADING_FONT
    values = (block.qty, p.hedge_ratio, p.leverage, p.band, p.taker_fee, p.mmr, p.maint_amount,
              p.contract_size, p.amount_step)
    for name, value in zip(INPUTS, values):
        ws.cell(b.input_row(name), 1, name).font = S.LABEL_FONT
        cell = ws.cell(b.input_row(name), 2, value)
        cell.fill = S.INPUT_FILL
        cell.number_format = _INPUT_FORMATS.get(name, "General")
    ws.cell(b.input_row(INPUTS[-1]), 1, INPUTS[-1]).font = S.LABEL_FONT
    ws.cell(b.input_row(INPUTS[-1]), 2, _target(b))
    # the yearly funding table, beside the inputs
    years = _years([s.time_ms for s in block.settlements])
    # the table fits beside the inputs: a longer path shows its latest years, and says so
    shown = years[-MAX_YEARS:]
    first_heading = "Year" if shown == years else f"Year (latest {len(shown)} of {len(years)})"
    for j, text in enumerate((first_heading, "Funding", "Sum of rates")):
        ws.cell(b.top + 1, YEARS_COL + j, text).font = S.BOLD_FONT
    t_col, f_col, r_col = b.col("Time (UTC)"), b.col("Funding"), b.col("Rate")
    times = f"${t_col}${b.first_row}:${t_col}${b.last_row}"
    for i, year in enumerate(shown):
        r = b.top + 2 + i
        ws.cell(r, YEARS_COL, year)
        inside = f"(YEAR({times})={get_column_letter(YEARS_COL)}{r})"
        ws.cell(r, YEARS_COL + 1, f"=SUMPRODUCT({inside}*${f_col}${b.first_row}:${f_col}${b.last_row})"
                ).number_format = _MONEY
        ws.cell(r, YEARS_COL + 2, f"=SUMPRODUCT({inside}*${r_col}${b.first_row}:${r_col}${b.last_row})"
                ).number_format = "0.00%"
    S.header_row(ws, b.header_row, 1, COLUMNS)
    for i, s in enumerate(block.settlements):
        r = b.first_row + i
        ws.cell(r, 1, utc_datetime(s.time_ms))
        ws.cell(r, 2, s.rate)
        ws.cell(r, 3, s.mark)
        for name, formula in _row_formulas(b, r, block.exchange).items():
            ws.cell(r, 1 + COLUMNS.index(name), formula)
        for name, fmt in _FORMATS.items():
            ws.cell(r, 1 + COLUMNS.index(name)).number_format = fmt
    _chart(ws, b, block.settlements[0].time_ms, block.settlements[-1].time_ms)


#: The charts beside a block: title, the columns drawn, width (cm), the column it starts in.
#: Both fit above the settlement table (columns H to S, about 2.4 cm each).
_CHARTS = (("Hedged vs unhedged equity", ("Hedged equity", "Unhedged equity"), 16, CHART_COL),
           ("Cumulative funding (+ received)", ("Funding to date",), 11.5, CHART_COL + 7))
#: Line colours by column: the hedged path blue, the unhedged red, as on the Scenarios chart.
_COLOURS = {"Hedged equity": "1F77B4", "Unhedged equity": "D62728", "Funding to date": "2CA02C"}


def _chart(ws: Worksheet, b: BlockCells, first_ms: int, last_ms: int) -> None:
    # A scatter chart on a date value axis: the engine spaces the date labels itself (a line
    # chart's category axis labels every settlement, and they overprint each other).
    times = Reference(ws, min_col=1, min_row=b.first_row, max_row=b.last_row)
    for title, columns, width_cm, col in _CHARTS:
        chart = ScatterChart()
        chart.title = title
        chart.height, chart.width = 5.5, width_cm
        chart.y_axis.number_format = S.AXIS_MONEY
        chart.x_axis.number_format = S.AXIS_DATE
        chart.x_axis.title = "settlement time (UTC)"
        # the axis spans the settlements, not the engine's round numbers around them
        chart.x_axis.scaling.min = excel_serial(utc_datetime(first_ms))
        chart.x_axis.scaling.max = excel_serial(utc_datetime(last_ms))
        for name in columns:
            ref = Reference(ws, min_col=1 + COLUMNS.index(name), min_row=b.header_row, max_row=b.last_row)
            series = Series(ref, times, title_from_data=True)
            series.marker.symbol = "none"
            series.graphicalProperties.line.solidFill = _COLOURS[name]
            series.graphicalProperties.line.width = 15_000   # EMU: about 1.2 pt
            series.smooth = False
            chart.series.append(series)
        if len(columns) == 1:
            chart.legend = None
        ws.add_chart(chart, f"{get_column_letter(col)}{b.top}")

