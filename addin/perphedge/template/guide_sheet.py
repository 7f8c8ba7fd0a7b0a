"""The Guide sheet: the hedging checklist, the four risks and where the workbook measures
each, the sign conventions, the settings, and what the formulas assume."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from perphedge.core.backtest import HedgePolicy, Settlement, backtest
from perphedge.core.conventions import utc_text
from perphedge.market.snapshot.histories import (
    RECORDED_EXCHANGE,
    parse_settlements,
    recorded_assets,
    recorded_history,
)
from perphedge.template import layout as L
from perphedge.template import styles as S

CHECKLIST: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("1. Assessment", (
        "List what you hold (Portfolio: Asset, Quantity) and why you want protection: a drawdown you cannot sit through, a date you need the cash, a tax reason not to sell.",
        "Pick the exchange and perpetual for each coin; a coin without its own perp can be hedged with a correlated one at its Beta.",
        "Check funding (Funding sheet, 7/30/90-day APR): a short earns positive funding and pays negative funding.",
    )),
    ("2. Sizing", (
        "Choose a strategy: Tactical Defense hedges 40-70 % (default 50 %), Capital Preservation 80-100 % (default 100 %), Custom is your ratio.",
        "Read Hedge notional and Contracts: contracts are rounded DOWN to the market's amount step; below the minimum the holding is not hedged (Warnings).",
        "Keep leverage at 1-2×: Margin, Liquidation price and Distance to liq. show what a price rise would do to the short.",
    )),
    ("3. Execution", (
        "Refresh prices first (Perpetual Hedge ▸ Refresh prices, or `perphedge refresh`); the Status column must not say stale.",
        "Move the Margin to the futures account, set isolated margin and the leverage you planned, then sell the Contracts shown.",
        "Type what was filled into Held contracts so the workbook tracks the real position.",
    )),
    ("4. Maintenance", (
        "Refresh daily; read the Warnings column: liquidation distance, funding cost, stale data, rebalance.",
        "Rebalance (contracts) says what to short (+) or buy back (−) once the hedge drifts outside the Rebalance band.",
        "Top up margin before the price nears the Liquidation price; on Scenarios, see the portfolio at −50 % … +50 %.",
    )),
    ("5. De-hedge", (
        "When the risk has passed, buy back the short (a market or reduce-only order) and withdraw the margin.",
        "Count what the hedge cost or earned: funding received or paid, fees (Round-trip fees), and the upside you gave up.",
        "Clear Held contracts; keep the workbook as the record.",
    )),
)

RISKS: tuple[tuple[str, str, str], ...] = (
    ("Liquidation", "The price rises far enough that the short's margin runs out and the exchange closes it, leaving the spot unhedged at the worst time.",
     "Portfolio: Margin, Liquidation price, Distance to liq. (warns within LiqWarnDistance), Leverage (warns above MaxAdvisedLeverage); Scenarios: Liquidated (the shorts a shock liquidates, their margin lost)."),
    ("Funding cost", "When funding is negative the short pays every interval; over months it can cost more than the protection is worth.",
     "Portfolio: Funding rate, Funding APR (warns above FundingWarnAPR), Funding over horizon; Funding sheet: 7/30/90-day averages; Scenarios: Funding."),
    ("Opportunity cost", "A hedged portfolio does not gain when prices rise: the short loses what the spot gains.",
     "Scenarios: Unhedged value vs Hedged value and 'Hedge protects' (negative when prices rise), Liquidated; Portfolio: Net exposure (β-adj.)."),
    ("Basis and correlation", "The perp can trade away from spot (basis), and a coin hedged with another coin's perp moves only partly with it.",
     "Portfolio: Basis (bps, mark vs spot or index); Beta sheet: β, correlation and R² of the cross hedge."),
)

CONVENTIONS: tuple[str, ...] = (
    "Ratios are fractions shown as %: 50 % is 0.5 in the cell.",
    "Long is positive, short negative; a positive P&L is a gain. Every hedge here is a short perpetual.",
    "Funding rate is per interval. Positive funding: longs pay shorts, so the short hedge RECEIVES notional × rate at each settlement. Negative funding: the short pays.",
    "A premium (perp above spot, contango) goes with positive funding; a discount (backwardation) with negative funding.",
    "APR = rate per interval × (24 / interval hours) × 365, simple, not compounded. Where the exchange gives no interval, 8 h is assumed and the Warnings say so.",
    "Basis = mark − spot (index where spot is absent), shown in bps of spot (1 bp = 0.01 %).",
    "Quantities are coins; contracts are exchange contracts (coins per contract for linear perps, USD per contract for inverse perps); money is in USD (USDT/USDC counted as USD).",
    "Contract counts are rounded DOWN to the market's amount step: never hedge more than asked.",
    "Times are UTC. NowUTC = NOW() − UtcOffsetHours / 24, because NOW() is the computer's local time.",
)

ASSUMPTIONS: tuple[str, ...] = (
    "The asset is valued at its Price symbol's Market row; a blank Price symbol means the asset's own market: the hedge symbol's row when the hedge is the asset's coin, else the one Market row of the exchange whose coin is the asset (none or several: 'not priced', set the Price symbol). Spot, else the Mark (Price source says 'mark'; the banner above the table counts them).",
    "Inputs are checked by the row as well as by Excel's validation (pasted values bypass it): a blank or negative quantity, a ratio outside 0-100 %, a leverage outside 1-125×, a beta that is not positive or negative held contracts make the row 'invalid input': nothing is sized and the Warnings say which cell. Blank ratio: the strategy's default; blank leverage: 1×; blank beta: 1, flagged red on a cross hedge (a guess). A row that sizes nothing is left out of the totals and Scenarios, and the risk summary counts it.",
    "A cross hedge in a built workbook points its Beta cell at its pair's β on the Beta sheet: the minimum-variance slope of the two coins' daily log returns (recorded or live prices), recomputed when you paste more prices.",
    "The short is sized, entered and liquidated at the hedge market's Mark (else Index, else Spot).",
    "Hedge notional = spot value × Beta × ratio used. Contracts: linear = notional / price / contract size; inverse = notional / contract size (USD per contract), rounded down to the amount step; an order below the market's minimum amount or value shows 'below minimum' and hedges nothing.",
    "Net exposure at target = spot value × Beta − hedged notional (what the Contracts column leaves unhedged); Net exposure now = spot value × Beta − the Held contracts' notional (what is unhedged today).",
    "Margin = hedged notional / leverage (USD; an inverse perp posts it in the coin, worth the same at entry).",
    "Liquidation price (isolated short) by the exchange's own rule. Binance: linear (margin + maint. amount + qty × entry) / (qty × (1 + MMR)); inverse qty × entry × (1 − MMR) / (qty − margin in coin − maint. amount). OKX: the same at the mark with the taker fee rate added to the MMR (no maint. amount). Bybit USDT: entry × (1 − MMR) + (margin + maint. amount) / qty, maintenance on the value at entry; Bybit's Margin also holds the fee to close. Other exchanges: Binance's rule, flagged. 'none' when the coin margin covers the whole position.",
    "MMR and maint. amount come from the market's leverage tiers (Tiers sheet): the tier that holds the short's size AT the liquidation price, found as the exchange does it: the tier at the entry size gives a first price; if the size there (quote value for linear perps, coins or contracts as the exchange brackets) falls in another tier, the price is recomputed with that tier, until it stays (the Tier column shows which). Without tier rows for a market (Binance without an API key, a recorded snapshot), the Market row's MMR and maint. amount are used, those of the smallest tier, and the Warnings say so: a larger short is then liquidated sooner than shown. DefaultMMR where the Market row gives none either.",
    "Funding over horizon = hedged notional × rate × HorizonDays × 24 / interval. Round-trip fees = 2 × hedged notional × taker fee.",
    ("Scenarios: the shock moves each hedge instrument's price; a holding moves Beta × the shock (1 for a same-coin hedge), "
     "floored at −100 %. The hedges are the shorts as sized (after rounding). A short the shock does not liquidate makes "
     "−hedged notional × shock (an inverse short too, its coin P&L valued at the shocked price), gets the horizon's funding "
     "and pays the taker fee to open and to close. A short whose liquidation price the shocked price reaches (shock ≥ its "
     "Distance to liq.; 'at entry': any shock) loses its whole Margin and no more — the isolated margin is the most it can "
     "lose, and Binance, Bybit and OKX take their liquidation fee out of it; an inverse short's coin margin is valued at the "
     "shocked price — pays only the opening fee and, as if the move came at once, no funding; from there the holding is "
     "unhedged. The Liquidated column counts those shorts and turns the row red; the chart's kink is where they go. "
     "Holdings without a price or with an invalid input are left out, counted above the table."),
)


def measured_funding() -> list[tuple[str, str, str]]:
    """(asset, text, span) per recorded history: the funding a short received per calendar year, as
    a fraction of its notional (the sum of the year's rates, ``core.backtest``), then one line
    The recorded span is named beside (its first and last years are partial)."""
    out = []
    for asset in recorded_assets():
        rec = recorded_history(asset)
        points = parse_settlements(rec.text, rec.name)
        # the rates alone: a funding-only walk gives the year table without the marks
        result = backtest(HedgePolicy(hedge_ratio=1.0), 1.0,
                          [Settlement(p.time_ms, p.rate) for p in points])
        cells = [f"{y.year}: {y.sum_rates:+.1%}" for y in result.by_year]
        out.append((asset, " · ".join(cells),
                    f"recorded {utc_text(points[0].time_ms)[:10]} to {utc_text(points[-1].time_ms)[:10]}"))
    return out


def write_guide(ws: Worksheet) -> None:
    S.title(ws, "Guide — hedging spot crypto with short perpetuals",
            "Read top to bottom once; afterwards use it as the checklist. Yellow cells are inputs everywhere.")
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 70
    r = 4

    def heading(text: str) -> None:
        nonlocal r
        r += 1
        c = ws.cell(row=r, column=1, value=text)
        c.font = S.HEADING_FONT
        for col in (1, 2, 3):
            ws.cell(row=r, column=col).fill = S.SECTION_FILL
        r += 1

    def line(a: str | None, b: str, c: str | None = None, bold: bool = False) -> None:
        nonlocal r
        for col, text in ((1, a), (2, b), (3, c)):
            if text is not None:
                cell = ws.cell(row=r, column=col, value=text)
                cell.alignment = S.WRAP
                cell.font = S.BOLD_FONT if (bold or col == 1) else S.BODY_FONT
        longest = max(len(b), len(c or ""))
        ws.row_dimensions[r].height = 14 * max(1, -(-longest // 92))
        r += 1

    heading("The checklist")
    for stage, items in CHECKLIST:
        for i, item in enumerate(items):
            line(stage if i == 0 else None, "☐ " + item)
    heading("The four risks")
    line("Risk", "What can go wrong", "Where this workbook measures it", bold=True)
    for name, what, where in RISKS:
        line(name, what, where)
    heading(f"Measured: funding a short received per calendar year ({RECORDED_EXCHANGE}, recorded)")
    line(None, "Sum of the year's funding rates = what a short received as a fraction of its notional (+ received, "
               "− paid); the first and last years are partial. Read it before believing that a rising market makes "
               "a short hedge pay: positive funding, the usual state when prices rise, pays the short.")
    for asset, text, span in measured_funding():
        line(asset, text, span)
    heading("Signs and units")
    for text in CONVENTIONS:
        line(None, text)
    heading("What the formulas assume")
    for text in ASSUMPTIONS:
        line(None, text)
    heading("Portfolio columns")
    line("Column", "What it holds", "Input or formula", bold=True)
    for col in L.PORTFOLIO_COLUMNS:
        if col.kind != "helper":
            line(col.header, col.note, "input (yellow)" if col.kind == "input" else "formula")
    heading("Settings (named cells on the Portfolio sheet)")
    line("Name", "Meaning", "Default", bold=True)
    for s in L.SETTINGS:
        default = s.default if not (isinstance(s.default, str) and s.default.startswith("=")) else "computed"
        line(s.name, f"{s.label}: {s.note}", str(default))
    heading("Market data")
    line(None, "The Market table is the only source of market figures. Refresh prices (add-in ribbon) or `perphedge refresh FILE` rewrite it; a colleague without the add-in still sees and recalculates every number.")
    line(None, "Status says 'fresh', 'stale: <reason> (age …)' or 'recorded snapshot: <figures> recorded <date>' (each date is when those figures were recorded; a row with no recorded price has no As of). Recorded figures are history, not live prices: refresh before trading.")
    line(None, "The Tiers table holds each hedge market's leverage tiers as they were when the workbook was built. Refresh prices does not rewrite it (tiers change rarely); `perphedge new` rebuilds the workbook with current tiers.")
    ws.freeze_panes = "A4"
    # Landscape: the three columns (164 characters) print at a readable size across.
    S.page_setup(ws, f"A1:C{r}", landscape=True, title_rows=None)
