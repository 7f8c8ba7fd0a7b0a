"""The Excel function catalogue (DESIGN §4), written once.

Everything that needs to know the add-in's functions reads this module: the decorators in
``perphedge.excel.udfs`` (argument docs for Excel's function wizard), the tests, the README
reference table, ``perphedge functions``, the workbook builder and ``perphedge check``.
It imports only the standard library and ``perphedge.core.conventions`` (the defaults it
documents), so any of them can load it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from perphedge.core.conventions import DEFAULT_EXCHANGE, DEFAULT_INTERVAL_HOURS, ERROR_PREFIX

#: Excel built-ins the template's formulas use (all in Excel 2010+ and LibreOffice Calc 7).
EXCEL_BUILTINS: frozenset[str] = frozenset({
    "ABS", "AND", "CORREL", "COUNT", "COUNTIF", "FIND", "IF", "IFERROR", "INDEX", "ISERROR",
    "ISNA", "ISNUMBER", "ISTEXT", "LEFT", "LEN", "LN", "MATCH", "MAX", "MEDIAN", "MID", "MIN",
    "N", "NA", "NOT", "NOW", "OR", "ROUND", "ROUNDDOWN", "ROW", "RSQ", "SLOPE", "SUBTOTAL", "SUM",
    "SUMPRODUCT", "TEXT", "YEAR", "SEARCH", "SUBSTITUTE", "TRIM",
})

#: Excel built-ins a formula in a shared copy may call: ones that compute from the
#: workbook's own cells only. Left out on purpose: anything that reaches outside the file
#: or runs code (WEBSERVICE, FILTERXML, RTD, CALL, REGISTER, REGISTER.ID, EXEC, DDE
#: forms, INDIRECT, which can build a link to another workbook at run time, IMAGE, which
#: fetches a URL, INFO), and HYPERLINK, allowed only to a web or mail address (see
#: ``perphedge.files.allowlist``).
SHAREABLE_BUILTINS: frozenset[str] = EXCEL_BUILTINS | frozenset({
    # maths and trigonometry
    "ACOS", "ACOSH", "AGGREGATE", "ASIN", "ASINH", "ATAN", "ATAN2", "ATANH", "CEILING",
    "CEILING.MATH", "COMBIN", "COS", "COSH", "DEGREES", "EVEN", "EXP", "FACT", "FLOOR",
    "FLOOR.MATH", "GCD", "INT", "LCM", "LOG", "LOG10", "MOD", "MROUND", "ODD", "PI", "POWER",
    "PRODUCT", "QUOTIENT", "RADIANS", "RAND", "RANDBETWEEN", "ROUNDUP", "SIGN", "SIN", "SINH",
    "SQRT", "SUMIF", "SUMIFS", "SUMSQ", "TAN", "TANH", "TRUNC", "MMULT", "SEQUENCE",
    "RANDARRAY", "SUMX2MY2", "SUMX2PY2", "SUMXMY2",
    # statistics
    "AVERAGE", "AVERAGEA", "AVERAGEIF", "AVERAGEIFS", "COUNTA", "COUNTBLANK", "COUNTIFS",
    "COVAR", "COVARIANCE.P", "COVARIANCE.S", "FORECAST", "FORECAST.LINEAR", "GEOMEAN",
    "INTERCEPT", "KURT", "LARGE", "MAXA", "MAXIFS", "MINA", "MINIFS", "MODE", "MODE.SNGL",
    "NORM.DIST", "NORM.INV", "NORM.S.DIST", "NORM.S.INV", "NORMDIST", "NORMINV", "NORMSDIST",
    "NORMSINV", "PEARSON", "PERCENTILE", "PERCENTILE.EXC", "PERCENTILE.INC", "PERCENTRANK",
    "QUARTILE", "QUARTILE.INC", "RANK", "RANK.AVG", "RANK.EQ", "SKEW", "SMALL", "STDEV",
    "STDEV.P", "STDEV.S", "STDEVA", "STDEVP", "STEYX", "T.DIST", "T.INV", "VAR", "VAR.P",
    "VAR.S", "VARP", "LINEST", "TREND", "GROWTH",
    # logic
    "FALSE", "IFNA", "IFS", "SWITCH", "TRUE", "XOR", "LET", "LAMBDA",
    # lookup and reference inside the workbook
    "ADDRESS", "CHOOSE", "COLUMN", "COLUMNS", "HLOOKUP", "LOOKUP", "OFFSET", "ROWS",
    "TRANSPOSE", "VLOOKUP", "XLOOKUP", "XMATCH", "FILTER", "SORT", "SORTBY", "UNIQUE",
    # information
    "ISBLANK", "ISERR", "ISEVEN", "ISLOGICAL", "ISNONTEXT", "ISODD", "ISREF", "NA", "TYPE",
    "ERROR.TYPE", "ISFORMULA",
    # text
    "CHAR", "CLEAN", "CODE", "CONCAT", "CONCATENATE", "DOLLAR", "EXACT", "FIXED", "LOWER",
    "PROPER", "REPLACE", "REPT", "RIGHT", "SEARCH", "SUBSTITUTE", "T", "TEXTJOIN", "TRIM",
    "UPPER", "VALUE", "NUMBERVALUE", "UNICHAR", "UNICODE", "TEXTBEFORE", "TEXTAFTER",
    # date and time
    "DATE", "DATEDIF", "DATEVALUE", "DAY", "DAYS", "EDATE", "EOMONTH", "HOUR", "ISOWEEKNUM",
    "MINUTE", "MONTH", "NETWORKDAYS", "SECOND", "TIME", "TIMEVALUE", "TODAY", "WEEKDAY",
    "WEEKNUM", "WORKDAY", "YEAR", "YEARFRAC",
    # financial
    "FV", "IPMT", "IRR", "NPER", "NPV", "PMT", "PPMT", "PV", "RATE", "XIRR", "XNPV", "EFFECT",
    "NOMINAL",
})

#: Category under which Excel's function wizard lists the functions.
CATEGORY = "Perpetual Hedge"



@dataclass(frozen=True)
class ArgSpec:
    """One argument. ``default`` is what an omitted (or empty) optional argument means;
    ``None`` for an optional argument means "the service's choice" (e.g. the default
    exchange). ``range`` marks arguments that take a block of cells."""

    name: str
    doc: str
    default: Any = None
    required: bool = True
    range: bool = False


@dataclass(frozen=True)
class FunctionSpec:
    """One Excel function. ``columns`` labels the cells of a row or table result."""

    name: str
    args: tuple[ArgSpec, ...]
    doc: str
    returns: str
    live: bool = False
    table: bool = False
    columns: tuple[str, ...] = ()

    @property
    def arg_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.args)

    def signature(self) -> str:
        """As DESIGN §4 and the README write it: ``HEDGE_MARGIN(notional, leverage)``,
        optional arguments in brackets with their default."""
        return f"{self.name}({', '.join(_show_arg(a) for a in self.args)})"


def _req(name: str, doc: str, *, range: bool = False) -> ArgSpec:
    return ArgSpec(name, doc, None, True, range)


def _opt(name: str, doc: str, default: Any = None, *, range: bool = False) -> ArgSpec:
    return ArgSpec(name, doc, default, False, range)


def _show_default(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _show_arg(a: ArgSpec) -> str:
    if a.required:
        return a.name
    if a.default is None:
        return f"[{a.name}]"
    return f"[{a.name}={_show_default(a.default)}]"


_SYMBOL = _req("symbol", "Market symbol: BTC, BTCUSDT or the ccxt form BTC/USDT:USDT "
                         "(linear USDT perp); BTC/USD:BTC for the inverse perp.")
_EXCHANGE = _opt("exchange", f"ccxt exchange id: {DEFAULT_EXCHANGE} (default), bybit, okx, ...")
_INTERVAL = _opt("interval_hours",
                 f"Hours between funding settlements (default {DEFAULT_INTERVAL_HOURS:g}).",
                 DEFAULT_INTERVAL_HOURS)
_INVERSE = _opt("inverse", "TRUE for an inverse (coin-margined) market, whose contract_size "
                           "is USD per contract (default FALSE).", False)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "HEDGE_SIZE",
        (_req("spot_value", "Value of the spot holding in quote currency (USD), 0 or more."),
         _req("hedge_ratio", "Fraction of the holding to hedge, 0 to 1 (50% = 0.5).")),
        "Hedge notional: spot_value times hedge_ratio.",
        "hedge notional = spot_value × hedge_ratio",
    ),
    FunctionSpec(
        "HEDGE_CONTRACTS",
        (_req("notional", "Hedge notional in quote currency (USD)."),
         _req("price", "Price of the perp, quote per base (USD per BTC)."),
         _opt("contract_size", "Base units per contract (linear) or USD per contract "
                               "(inverse); default 1.", 1.0),
         _opt("amount_step", "The market's amount step in contracts; 0 = no rounding "
                             "(default).", 0.0),
         _opt("min_amount", "The market's minimum order in contracts (default 0).", 0.0),
         _INVERSE,
         _opt("min_cost", "The market's minimum order value in quote currency (USD; ccxt "
                          "limits.cost.min, e.g. 5 on Binance USDT-M); 0 = none known "
                          "(default).", 0.0)),
        "Contracts to short for a notional, rounded down to the market's step.",
        "contracts to short, rounded down to the step",
    ),
    FunctionSpec(
        "HEDGE_MARGIN",
        (_req("notional", "Hedge notional in quote currency (USD)."),
         _req("leverage", "Leverage of the short, greater than 0 (the guide advises 1 to 2).")),
        "Initial margin of the short: notional divided by leverage.",
        "initial margin",
    ),
    FunctionSpec(
        "HEDGE_LIQ_PRICE",
        (_req("entry_price", "Entry price of the short, quote per base."),
         _req("qty", "Size of the short in base units (1 BTC of exposure = 1, inverse too)."),
         _req("margin", "Isolated margin in the settle currency (USDT linear, the coin "
                        "inverse)."),
         _opt("mmr", "Maintenance margin rate of the exchange tier (default 0.005).", 0.005),
         _opt("maint_amount", "Maintenance amount of the exchange tier, in the settle "
                              "currency like margin (default 0).", 0.0),
         _INVERSE,
         _opt("exchange", "ccxt exchange id whose liquidation rule applies: binanceusdm (default), "
                          "binancecoinm, bybit, okx."),
         _opt("fee_rate", "Taker fee rate, for a venue that counts it in the liquidation "
                          "condition (okx: required).")),
        "Liquidation price of the isolated short, by the exchange's own rule.",
        "liquidation price of the short (isolated)",
    ),
    FunctionSpec(
        "HEDGE_PNL",
        (_req("spot_qty", "Spot holding in base units (BTC)."),
         _req("entry_price", "Price when the hedge was opened, quote per base."),
         _req("new_price", "Price now (or in the scenario), quote per base."),
         _req("hedge_ratio", "Fraction of the holding hedged, 0 to 1."),
         _opt("funding_pnl", "Funding received (+) or paid (-) by the short (default 0).", 0.0),
         _opt("fees", "Trading fees paid, 0 or more, a cost (default 0).", 0.0)),
        "P&L of the hedged holding: spot, futures, funding+fees, net (one row).",
        "1×4 row: spot P&L, futures P&L, funding+fees, net",
        table=True,
        columns=("spot P&L", "futures P&L", "funding+fees", "net"),
    ),
    FunctionSpec(
        "HEDGE_SCENARIOS",
        (_req("spot_qty", "Spot holding in base units (BTC)."),
         _req("price", "Price now, quote per base."),
         _req("hedge_ratio", "Fraction of the holding hedged, 0 to 1."),
         _opt("shocks", "Price moves as fractions (-0.2 = -20%), a row, column or block; "
                        "default -50% to +50% in 5% steps.", range=True),
         _opt("rate_per_interval", "Funding rate per interval (+: the short receives); "
                                   "default 0.", 0.0),
         _opt("days", "Days the hedge is held, for funding (default 0).", 0.0),
         _INTERVAL,
         _opt("fee_rate", "Taker fee as a fraction of notional, paid to open and to close "
                          "(default 0).", 0.0),
         _opt("leverage", "Leverage of the isolated short: a shock reaching its liquidation "
                          "price loses the whole margin (notional / leverage) and leaves the "
                          "holding unhedged; blank = never liquidated."),
         _opt("beta", "Holding's move per 1 of the hedge's: the shock moves the hedge's price, "
                      "the holding moves beta x shock (floored at -100%); the hedge is "
                      "sized spot value x beta x ratio (default 1).", 1.0),
         _INVERSE,
         _opt("mmr", "Maintenance margin rate of the exchange tier, for the liquidation "
                     "price (default 0.005).", 0.005),
         _opt("exchange", "ccxt exchange id whose liquidation rule applies: binanceusdm "
                          "(default), binancecoinm, bybit, okx.")),
        "Price-shock table of the hedged holding, with liquidation of the short, with a header row.",
        "spilled table, one row per shock: shock, price, spot P&L, hedge P&L, funding, fees, "
        "net, unhedged, liquidated (1/0)",
        table=True,
        columns=("shock", "price", "spot P&L", "hedge P&L", "funding", "fees", "net",
                 "unhedged", "liquidated"),
    ),
    FunctionSpec(
        "FUNDING_APR",
        (_req("rate_per_interval", "Funding rate per interval as a fraction (0.0001 = 0.01%)."),
         _INTERVAL),
        "Simple annual rate of a funding rate per interval.",
        "simple annual rate",
    ),
    FunctionSpec(
        "FUNDING_DRAG",
        (_req("notional", "Hedge notional in quote currency (USD)."),
         _req("rate_per_interval", "Funding rate per interval (+: longs pay shorts)."),
         _req("days", "Days the hedge is held, 0 or more."),
         _INTERVAL),
        "Funding P&L of the short over days: + received, - paid.",
        "funding P&L of the short over `days` (+ received, − paid)",
    ),
    FunctionSpec(
        "BASIS",
        (_req("perp_price", "Perp (mark) price, quote per base."),
         _req("spot_price", "Spot (or index) price, quote per base.")),
        "Basis as a fraction of spot: (perp - spot) / spot.",
        "basis as a fraction of spot",
    ),
    FunctionSpec(
        "HEDGE_BETA",
        (_req("asset_prices", "Prices of the held asset, oldest first (a row or column); a "
                              "date blank in either series is skipped in both.", range=True),
         _req("hedge_prices", "Prices of the hedge instrument on the same dates, as many "
                              "as asset_prices.", range=True)),
        "Min-variance hedge ratio, correlation and R² from log returns (one row).",
        "1×3 row: min-variance hedge ratio, correlation, R² (log returns)",
        table=True,
        columns=("hedge ratio", "correlation", "R²"),
    ),
    FunctionSpec(
        "REBALANCE",
        (_req("spot_qty", "Spot holding in base units (BTC)."),
         _req("price", "Price now, quote per base."),
         _req("target_ratio", "Target hedge ratio, 0 to 1."),
         _req("short_contracts", "Contracts currently short, 0 or more."),
         _opt("contract_size", "Base units per contract (linear) or USD per contract "
                               "(inverse); default 1.", 1.0),
         _opt("band", "No trade while the hedge ratio is within this of the target "
                      "(default 0.05).", 0.05),
         _opt("amount_step", "The market's amount step in contracts: the target is rounded "
                             "down to it; 0 = no rounding (default).", 0.0),
         _INVERSE),
        "Contracts to add to the short (+) or buy back (-); 0 inside the band.",
        "contracts to add (+) or buy back (−); 0 inside the band",
    ),
    FunctionSpec(
        "SPOT_PRICE", (_SYMBOL, _EXCHANGE),
        "Spot price of the symbol's base asset (cached; stale values marked by MARKET_STATUS).",
        "live spot price (cached)", live=True,
    ),
    FunctionSpec(
        "MARK_PRICE", (_SYMBOL, _EXCHANGE),
        "Mark price of the perp (cached).",
        "live mark price (cached)", live=True,
    ),
    FunctionSpec(
        "INDEX_PRICE", (_SYMBOL, _EXCHANGE),
        "Index price of the perp (cached).",
        "live index price (cached)", live=True,
    ),
    FunctionSpec(
        "FUNDING_RATE", (_SYMBOL, _EXCHANGE),
        "Current funding rate per interval of the perp (+: longs pay shorts).",
        "current rate per interval", live=True,
    ),
    FunctionSpec(
        "FUNDING_INTERVAL", (_SYMBOL, _EXCHANGE),
        "Hours between the perp's funding settlements.",
        "funding interval in hours", live=True,
    ),
    FunctionSpec(
        "FUNDING_HISTORY",
        (_SYMBOL,
         _opt("days", "Days of history, a whole number from 1 (default 30).", 30.0),
         _EXCHANGE),
        "Past funding settlements: time (UTC), rate, APR, with a header row.",
        "spilled table: time, rate, APR",
        live=True, table=True,
        columns=("time", "rate", "APR"),
    ),
    FunctionSpec(
        "CONTRACT_SPEC", (_SYMBOL, _EXCHANGE),
        "Contract size, amount step, min amount, linear/inverse, settle, taker fee (one row).",
        "1×N row: contract size, amount step, min amount, linear/inverse, settle, taker fee",
        live=True, table=True,
        columns=("contract size", "amount step", "min amount", "linear/inverse", "settle",
                 "taker fee"),
    ),
    FunctionSpec(
        "MARKET_STATUS", (_SYMBOL, _EXCHANGE),
        "Source, as-of time (UTC) and freshness of the symbol's market data (one row).",
        "1×3 row: source (exchange or snapshot), as-of time, status (fresh / stale: reason)",
        live=True, table=True,
        columns=("source", "as of (UTC)", "status"),
    ),
    FunctionSpec(
        "POSITION", (_SYMBOL, _EXCHANGE),
        "Your open position (read-only API key): contracts (short < 0), side, entry, mark, "
        "margin mode, liquidation.",
        "1×11 row per position: contracts (short negative), side, entry, mark, notional, margin "
        "mode, isolated margin, leverage, unrealised P&L, exchange's liquidation price, status",
        live=True, table=True,
        columns=("contracts", "side", "entry", "mark", "notional", "margin mode",
                 "isolated margin", "leverage", "unrealised P&L", "liquidation (exchange)",
                 "status"),
    ),
    FunctionSpec(
        "FUNDING_PAID",
        (_SYMBOL,
         _opt("days", "Days of account funding history, a whole number from 1 (default 7).", 7.0),
         _EXCHANGE),
        "Funding your account received (+) or paid (-) on the symbol over the days, settle currency.",
        "funding received (+) or paid (−) over `days`, in the settle currency",
        live=True,
    ),
)

_BY_NAME: dict[str, FunctionSpec] = {f.name: f for f in FUNCTIONS}


def function_names() -> frozenset[str]:
    """The names users type, upper-case (Excel matches them case-insensitively)."""
    return frozenset(_BY_NAME)


def spec(name: str) -> FunctionSpec:
    """The function called ``name`` (case-insensitive); KeyError if there is none."""
    return _BY_NAME[name.upper()]


def catalogue_lines() -> list[str]:
    """One line per function for ``perphedge functions``: signature, then what it does."""
    return [f"{f.signature()} — {f.doc}{' (live data)' if f.live else ''}" for f in FUNCTIONS]


def markdown_table() -> str:
    """The README's function reference, generated so it cannot drift from the code."""
    rows = [
        "Ratios are fractions: a cell showing 50 % holds 0.5. Empty optional arguments take",
        "the defaults shown. Tables are returned as arrays that spill (Excel's dynamic",
        "arrays). Bad input or unavailable data shows in the cell as a short reason, e.g.",
        f"`{ERROR_PREFIX} hedge_ratio must be between 0 and 1, got 1.5` — never as a",
        "traceback, NaN or a silent 0. Live functions read market data through a",
        "short-lived cache (one batched request per exchange and endpoint); `MARKET_STATUS`",
        "says where a figure came from and how old it is.",
        "",
        "| function | returns | live data |", "| --- | --- | --- |"]
    for f in FUNCTIONS:
        rows.append(f"| `{f.signature()}` | {_md(f.returns)} | {'yes' if f.live else ''} |")
    rows += ["", "Arguments:", ""]
    for f in FUNCTIONS:
        docs = " ".join(f"`{a.name}`: {_md(a.doc)}" for a in f.args)
        rows.append(f"- **{f.name}** — {docs}")
    return "\n".join(rows) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")
