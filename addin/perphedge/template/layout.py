"""Where everything sits in the hedge workbook: sheets, tables, columns and named cells.

Every other workbook module (and the tests) reads positions from here, so a column moved
in one place moves everywhere. Column letters are derived from the order of the lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from perphedge.core.position import TIER_WALK_STEPS as ROW_POLICY_WALK_STEPS
from perphedge.core.position import RowSettings

# ----------------------------------------------------------------------------- sheets

PORTFOLIO = "Portfolio"
MARKET = "Market"
SCENARIOS = "Scenarios"
FUNDING = "Funding"
BETA = "Beta"
GUIDE = "Guide"
TIERS = "Tiers"
SHEETS: tuple[str, ...] = (PORTFOLIO, MARKET, TIERS, SCENARIOS, FUNDING, BETA, GUIDE)

# ----------------------------------------------------------------------------- Market

#: The Market table's header row, exactly as the refresh looks it up (shared contract).
MARKET_HEADERS: tuple[str, ...] = (
    "Symbol", "Exchange", "Spot", "Mark", "Index", "Funding rate", "Interval (h)",
    "Next funding (UTC)", "Contract size", "Amount step", "Min amount", "Min cost", "Inverse",
    "Taker fee", "MMR", "Maint. amount", "As of (UTC)", "Status",
)
MARKET_TABLE = "Market"
MARKET_HEADER_ROW = 4
MARKET_FIRST_ROW = MARKET_HEADER_ROW + 1
#: Lookups cover this many rows below the header, so rows a user appends to the table
#: are found without editing a formula.
MARKET_LOOKUP_ROWS = 1000

#: Defined name of each Market column the Portfolio reads (name -> header).
MARKET_NAMES: dict[str, str] = {
    "MktSymbol": "Symbol", "MktExchange": "Exchange", "MktSpot": "Spot", "MktMark": "Mark",
    "MktIndex": "Index", "MktRate": "Funding rate", "MktInterval": "Interval (h)",
    "MktSize": "Contract size", "MktStep": "Amount step", "MktMin": "Min amount",
    "MktMinCost": "Min cost",
    "MktInverse": "Inverse", "MktFee": "Taker fee", "MktMMR": "MMR",
    "MktMaint": "Maint. amount", "MktAsOf": "As of (UTC)", "MktStatus": "Status",
}


def market_col(header: str) -> str:
    return get_column_letter(MARKET_HEADERS.index(header) + 1)


def market_range(header: str) -> str:
    c = market_col(header)
    last = MARKET_HEADER_ROW + MARKET_LOOKUP_ROWS
    return f"{MARKET}!${c}${MARKET_FIRST_ROW}:${c}${last}"


# ----------------------------------------------------------------------------- Tiers

#: The Tiers table: the leverage (maintenance) tiers of each hedge market, written by the
#: builder only (a refresh leaves it as built; tiers change rarely).
TIER_HEADERS: tuple[str, ...] = (
    "Symbol", "Exchange", "Tier", "Min notional", "Max notional", "Unit", "MMR",
    "Maint. amount", "Max leverage", "As of (UTC)",
)
TIER_TABLE = "Tiers"
TIER_HEADER_ROW = 4
TIER_FIRST_ROW = TIER_HEADER_ROW + 1
TIER_LOOKUP_ROWS = 2000
TIER_NAMES: dict[str, str] = {
    "TierSymbol": "Symbol", "TierExchange": "Exchange", "TierTier": "Tier",
    "TierMin": "Min notional", "TierMax": "Max notional", "TierUnit": "Unit",
    "TierMMR": "MMR", "TierMaint": "Maint. amount", "TierMaxLev": "Max leverage",
    "TierAsOf": "As of (UTC)",
}
#: LP computations of the tier walk the Portfolio formulas unroll (see portfolio.py).
TIER_WALK_STEPS = ROW_POLICY_WALK_STEPS


def tier_col(header: str) -> str:
    return get_column_letter(TIER_HEADERS.index(header) + 1)


def tier_range(header: str, n_rows: int = 0) -> str:
    c = tier_col(header)
    last = TIER_HEADER_ROW + max(TIER_LOOKUP_ROWS, n_rows)
    return f"{TIERS}!${c}${TIER_FIRST_ROW}:${c}${last}"


# ----------------------------------------------------------------------------- Portfolio


@dataclass(frozen=True)
class Column:
    """One Portfolio column. ``key`` is how code refers to it; ``kind`` is ``input``,
    ``formula`` or ``helper`` (a formula column kept hidden); ``total`` sums it in the
    totals row."""

    key: str
    header: str
    kind: str
    width: float
    number_format: str = "General"
    total: bool = False
    note: str = ""


USD = '"$"#,##0.00'
USD0 = '"$"#,##0'
#: Prices from $0.0001 coins to $100,000 coins: decimals by size (both Excel and Calc
#: read the bracketed conditions).
PRICE = '[>=100]"$"#,##0.00;[>=1]"$"#,##0.0000;"$"0.00000000'
PCT = "0.0%"
PCT2 = "0.00%"
RATE = "0.0000%"
BPS = '0.0" bps"'
QTY = "#,##0.########"
DATETIME = "yyyy-mm-dd hh:mm"
HOURS = '0.0" h"'
TIMES = '0.0"×"'
#: A logical shown as TRUE/FALSE whether the cell holds one or a 1/0.
LOGICAL = '"TRUE";"TRUE";"FALSE"'

#: Helper columns the Scenarios sheet reads, one number per holding.
SCENARIO_COLUMNS: tuple[Column, ...] = (
    Column("sc_spot", "Scenario spot value", "helper", 8),
    Column("sc_beta", "Scenario beta", "helper", 8),
    Column("sc_hedged", "Scenario hedged notional", "helper", 8),
    Column("sc_margin", "Scenario margin", "helper", 8),
    Column("sc_liq_shock", "Scenario liquidation shock", "helper", 8),
    Column("sc_funding", "Scenario funding", "helper", 8),
    Column("sc_fee_rate", "Scenario taker fee", "helper", 8),
    Column("sc_inverse", "Scenario inverse", "helper", 8),
)

PORTFOLIO_COLUMNS: tuple[Column, ...] = (
    # key columns: what a holding is, its hedge and the risks, on the first printed page
    Column("asset", "Asset", "input", 9, note="The coin you hold, e.g. BTC."),
    Column("qty", "Quantity", "input", 11, QTY, note="Spot quantity in coins (base units), 0 or more."),
    Column("spot_value", "Spot value", "formula", 13, USD0, total=True,
           note="Quantity × spot price; 'not priced' or 'invalid input' when the row sizes nothing "
                "(left out of the totals, counted in the risk summary)."),
    Column("notional", "Hedge notional", "formula", 16, USD0, total=True,
           note="Spot value × beta × ratio used: the short you aim for."),
    Column("contracts", "Contracts", "formula", 10, QTY,
           note="Hedge notional in contracts, rounded down to the amount step; 'below minimum' when the "
                "order is below the market's minimum amount or value (nothing hedged)."),
    Column("hedged", "Hedged notional", "formula", 13, USD0, total=True,
           note="What the contracts short, in USD."),
    Column("margin", "Margin", "formula", 12, USD0, total=True,
           note="Hedged notional / leverage (isolated margin, USD value); on Bybit plus the "
                "estimated fee to close, which Bybit asks for at opening."),
    Column("liq_price", "Liquidation price", "formula", 13, PRICE,
           note="The exchange's own isolated rule (Binance, Bybit, OKX; others by Binance's, "
                "flagged) with the MMR and maint. amount of the tier (Tiers sheet) the rule "
                "applies; without tier rows, the Market row's (first tier's) and a warning. "
                "none = the coin margin covers any rise; above tiers = larger than the largest "
                "tier's cap."),
    Column("liq_distance", "Distance to liq.", "formula", 9, PCT,
           note="How far the price may rise before liquidation."),
    Column("funding", "Funding over horizon (+ received, − paid)", "formula", 12, USD, total=True,
           note="Hedged notional × rate × settlements in HorizonDays (+ received)."),
    Column("warnings", "Warnings", "formula", 50,
           note="What needs attention on this row: errors (nothing sized) and risks first, in red; "
                "notes after. Shared notes are in the banner above the table."),
    # supporting columns (an outline group): the inputs and the figures behind the key ones
    Column("hedge_symbol", "Hedge symbol", "input", 15,
           note="Perpetual used for the short, as a Market row's Symbol (e.g. BTC/USDT:USDT)."),
    Column("exchange", "Exchange", "input", 16,
           note="Exchange of the perpetual; blank uses DefaultExchange."),
    Column("strategy", "Strategy", "input", 19,
           note="Tactical Defense (40-70 %), Capital Preservation (80-100 %) or Custom."),
    Column("ratio_in", "Hedge ratio", "input", 8, PCT,
           note="Share of the exposure to hedge; blank takes the strategy's default."),
    Column("leverage", "Leverage", "input", 8, TIMES,
           note="Leverage of the short, 1× to 125× and at most the tier's maximum; blank = 1×."),
    Column("beta", "Beta", "input", 7, "0.000",
           note="Exposure per $ of the hedge coin; blank = 1 (a cross hedge with a blank beta is flagged red). "
                "Built workbooks point a cross hedge at its pair's β on the Beta sheet."),
    Column("held", "Held contracts", "input", 9, QTY,
           note="Contracts already short, typed (optional; overrides the Positions sheet's): drives "
                "the rebalance column. Blank: the Positions sheet's, once a refresh has read them."),
    Column("held_from", "Held from", "formula", 22,
           note="typed, or exchange: and the market's reconciliation (matched, under-hedged, "
                "over-hedged, no position), from the Positions sheet's last read."),
    Column("ratio_held", "Ratio held", "formula", 8, PCT,
           note="The hedge ratio the held contracts give: their notional / (spot value × beta), "
                "beside Ratio used (the target)."),
    Column("margin_held", "Margin held (settle)", "formula", 11, "#,##0.00######",
           note="Isolated margin of the synced position, in its settle currency (USDT, or the coin "
                "for an inverse market); not isolated: a cross position, backed by the account."),
    Column("price_symbol", "Price symbol", "input", 14,
           note="Market row that prices the asset; blank = the asset's own market (the hedge symbol's row "
                "when it is the asset's coin, else the one Market row whose coin is the asset)."),
    Column("ratio", "Ratio used", "formula", 8, PCT,
           note="Hedge ratio, else the strategy's default."),
    Column("price", "Spot price", "formula", 12, PRICE,
           note="Spot of the price symbol's Market row; its Mark when no spot is given (Price source says which)."),
    Column("price_source", "Price source", "formula", 9,
           note="spot, or mark when the Market row has no spot price."),
    Column("perp_price", "Perp price", "formula", 12, PRICE,
           note="Mark of the hedge market (else Index, else Spot): entry price of the short."),
    Column("tier", "Tier", "formula", 6,
           note="Leverage tier used for the liquidation price (Tiers sheet); blank: no tier rows or no "
                "liquidation price."),
    Column("rate", "Funding rate", "formula", 9, RATE,
           note="Per interval; positive: the short receives."),
    Column("apr", "Funding APR", "formula", 9, PCT2,
           note="Rate × (24 / interval h) × 365."),
    Column("basis", "Basis", "formula", 9, BPS,
           note="(Mark − spot) / spot, in bps (index when no spot)."),
    Column("net", "Net exposure at target (β-adj.)", "formula", 13, USD0, total=True,
           note="Spot value × beta − hedged notional: what the Contracts column leaves unhedged."),
    Column("net_held", "Net exposure now (held)", "formula", 13, USD0,
           note="Spot value × beta − the notional of the Held contracts: what is unhedged today "
                "(blank without Held contracts)."),
    Column("fees", "Round-trip fees (a cost)", "formula", 10, USD, total=True,
           note="2 × hedged notional × taker fee (open and close)."),
    Column("rebalance", "Rebalance (contracts)", "formula", 11, QTY,
           note="Contracts to short (+) or buy back (−) when Held contracts drift outside the band: "
                "back to the target count rounded down to the amount step."),
    Column("age_shown", "Data age", "formula", 9, '#,##0" h"',
           note="Since the Market row's As of, measured at NowUTC: hours, in days from 48 h."),
    Column("hedge_row", "Hedge mkt row", "helper", 6),
    Column("age", "Data age (h)", "helper", 9, '#,##0.0" h"'),
    Column("price_row", "Price mkt row", "helper", 6),
    Column("exact", "Contracts before rounding", "helper", 10, QTY),
    Column("hedge_qty", "Hedge qty (coin)", "helper", 10, QTY),
    Column("mmr", "MMR used", "helper", 8, PCT2),
    Column("maint", "Maint. amount used", "helper", 9, "#,##0.00"),
    Column("tier_count", "Tier rows", "helper", 6),
    Column("tier_unit", "Tier unit", "helper", 8),
    *(Column(f"walk{i}", f"Tier walk {i}", "helper", 6) for i in range(1, TIER_WALK_STEPS + 1)),
    # where the held contracts come from (core.positions.held_view)
    Column("pos_key", "Hedge market key", "helper", 12),
    Column("pos_count", "Holdings on the market", "helper", 6),
    Column("pos_lines", "Position lines", "helper", 6),
    Column("held_synced", "Held (Positions sheet)", "helper", 8, QTY),
    Column("held_used", "Held used", "helper", 8, QTY),
    Column("interval", "Interval used (h)", "helper", 8),
    Column("lev", "Leverage used", "helper", 8),
    Column("beta_used", "Beta used", "helper", 8),
    Column("invalid", "Invalid input", "helper", 6),
    Column("w_errors", "Errors", "helper", 10),
    Column("w_risks", "Risks", "helper", 10),
    Column("w_notes", "Notes", "helper", 10),
    Column("severity", "Severity", "helper", 6),
    # 0/1 per holding, counted by the risk summary above the table
    Column("left_out", "Left out", "helper", 6),
    Column("f_liq", "Liquidation near", "helper", 6),
    Column("f_funding", "Funding cost", "helper", 6),
    Column("f_age", "Data old", "helper", 6),
    Column("f_beta", "Beta assumed", "helper", 6),
    Column("f_unhedged", "Not hedged", "helper", 6),
    Column("tier_max_lev", "Entry tier max leverage", "helper", 6),
    # Numeric views of the row for the Scenarios sheet's SUMPRODUCTs (0 on blank or
    # unpriced rows, so an array never meets a text cell); see template/scenario_columns.py.
    *SCENARIO_COLUMNS,
)
PORTFOLIO_KEYS = tuple(c.key for c in PORTFOLIO_COLUMNS)
#: The key columns, first and on the first printed page; the supporting ones follow.
KEY_COLUMNS = ("asset", "qty", "spot_value", "notional", "contracts", "hedged", "margin", "liq_price",
               "liq_distance", "funding", "warnings")
SUPPORT_COLUMNS = tuple(c.key for c in PORTFOLIO_COLUMNS if c.kind != "helper" and c.key not in KEY_COLUMNS)
PORTFOLIO_TABLE = "Holdings"
#: The risk summary sits between the settings and the table (rows 11-19).
RISK_SUMMARY_ROW = 11
PORTFOLIO_HEADER_ROW = 21
PORTFOLIO_FIRST_ROW = PORTFOLIO_HEADER_ROW + 1
#: Blank, formula-ready rows a built Portfolio always has at least.
MIN_PORTFOLIO_ROWS = 12
#: Holding rows the cross-row lookups (HoldingKeys) cover below the header.
PORTFOLIO_LOOKUP_ROWS = 1000
SPARE_PORTFOLIO_ROWS = 5


def pcol(key: str) -> str:
    """Column letter of a Portfolio column."""
    return get_column_letter(PORTFOLIO_KEYS.index(key) + 1)


def portfolio_rows(n_holdings: int) -> int:
    return max(MIN_PORTFOLIO_ROWS, n_holdings + SPARE_PORTFOLIO_ROWS)


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Setting:
    """A named input cell of the settings block. ``formula`` settings are computed."""

    name: str
    label: str
    default: object
    number_format: str
    cell: str
    note: str


#: The defaults are core.position.RowSettings' (the row policy's own).
_ROW = RowSettings()
SETTINGS: tuple[Setting, ...] = (
    Setting("HorizonDays", "Horizon (days)", _ROW.horizon_days, "0", "D5",
            "Days over which funding and fees are counted (Portfolio, Scenarios)."),
    Setting("DefaultExchange", "Default exchange", _ROW.default_exchange, "@", "D6",
            "Exchange used where a holding's Exchange is blank."),
    Setting("UtcOffsetHours", "This computer's UTC offset (h)", 0, "0.0", "D7",
            "NOW() is local time: e.g. 1 in Paris in winter, -5 in New York."),
    Setting("NowUTC", "Now (UTC)", "=NOW()-UtcOffsetHours/24", DATETIME, "D8",
            "Computed: the time data ages are measured against."),
    Setting("MaxDataAgeHours", "Warn: market data older than (h)", _ROW.max_data_age_hours, "0", "D9",
            "Market rows whose As of is older than this are flagged."),
    Setting("MaxAdvisedLeverage", "Warn: leverage above", _ROW.max_advised_leverage, TIMES, "I5",
            "Hedges are advised at 1-2×; above this a holding is flagged."),
    Setting("LiqWarnDistance", "Warn: liquidation within", _ROW.liq_warn_distance, PCT, "I6",
            "Flag when the price can rise less than this before liquidation."),
    Setting("FundingWarnAPR", "Warn: funding cost above (APR)", _ROW.funding_warn_apr, PCT, "I7",
            "Flag when the short pays funding at more than this annual rate."),
    Setting("RebalanceBand", "Rebalance band (±)", _ROW.rebalance_band, PCT, "I8",
            "Held contracts within this of the ratio used need no trade."),
    Setting("DefaultMMR", "MMR when the market gives none", _ROW.default_mmr, PCT2, "I9",
            "Maintenance margin rate for a Market row with MMR blank."),
)
SETTING_NAMES = tuple(s.name for s in SETTINGS)

PRESET_HEADER_ROW = 4
#: Name (merged over L:M, preset names are long), min, max, default.
PRESET_COLS = ("L", "N", "O", "P")
PRESET_NAMES = ("Tactical Defense", "Capital Preservation", "Custom")
PRESET_RANGE_NAMES = ("PresetNames", "PresetMin", "PresetMax", "PresetDefault")

# ----------------------------------------------------------------------------- Scenarios

SCENARIO_TABLE = "Scenarios"
SCENARIO_SUMMARY_ROW = 4
SCENARIO_HEADER_ROW = 11
SCENARIO_HEADERS: tuple[str, ...] = (
    "Shock", "Spot P&L", "Hedge P&L", "Funding", "Fees", "Net P&L", "Unhedged value",
    "Hedged value", "Hedge protects", "Liquidated",
)

# ----------------------------------------------------------------------------- Funding

FUNDING_TABLE = "FundingHistory"
FUNDING_SUMMARY_TABLE = "FundingSummary"
FUNDING_SUMMARY_HEADER_ROW = 4
FUNDING_WINDOWS_DAYS: tuple[int, ...] = (7, 30, 90)
FUNDING_SUMMARY_HEADERS: tuple[str, ...] = (
    "Symbol", "Exchange", "Interval (h)", "From (UTC)", "To (UTC)", "Settlements",
    "7-day avg rate", "7-day APR", "30-day avg rate", "30-day APR",
    "90-day avg rate", "90-day APR",
)
FUNDING_HISTORY_HEADERS: tuple[str, ...] = (
    "Time (UTC)", "Symbol", "Exchange", "Rate per interval", "APR", "Gap (h)",
)

# ----------------------------------------------------------------------------- Beta

BETA_TABLE = "BetaPrices"
BETA_HEADER_ROW = 11
BETA_HEADERS: tuple[str, ...] = (
    "Time (UTC)", "Asset price", "Hedge price", "Asset log return", "Hedge log return",
)
BETA_MIN_ROWS = 60
BETA_NAMES = ("BetaHedgeRatio", "BetaCorrelation", "BetaRSquared", "BetaReturns")
