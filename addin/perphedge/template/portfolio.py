"""The Portfolio sheet: settings block, strategy presets and the Holdings table.

Every computed column is a native formula over the Market table (looked up by symbol and
exchange), the settings and the row's inputs, following ``perphedge.core`` exactly:
sizing (``hedge_notional``), contracts rounded down to the amount step
(``contracts_for_notional``), margin on the hedged notional, the isolated liquidation price
of the short by the rule of the row's exchange (``core.margin_rules``: which venues count
the fee in the condition, which charge maintenance at entry, which reserve the fee to close
in the margin are read from that registry; other exchanges by Binance's rule, said in the
row),
funding (``funding_apr``, ``funding_pnl_short``), basis and rebalancing. The maintenance
tier comes from the Tiers table by core's walk (``liquidation_short_tiered``), unrolled
into hidden helper columns; without tier rows, the Market row's MMR (first tier), flagged.

Decisions the formulas encode (also stated on the Guide sheet):

- The asset is valued at its Market row's **Spot**; when a row has no spot price the
  **Mark** of the same row is used and the Warnings column says so.
- The short is sized, entered and liquidated at the hedge market's **Mark** (else Index,
  else Spot): that is the price the perp trades at.
- A count that rounds below the market's minimum is 0 contracts (the holding stays
  unhedged) with a warning, as ``core.plan`` does.
- Empty rows show blanks; a missing figure shows a blank and a warning, never an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from openpyxl.formatting.rule import FormulaRule
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import Outline
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from perphedge.core import margin_rules
from perphedge.core import position as P
from perphedge.core import positions as PS
from perphedge.core.holdings import BETA_FROM_SHEET, HoldingInput
from perphedge.core.sizing import PRESETS
from perphedge.template import layout as L
from perphedge.template import styles as S
from perphedge.template.scenario_columns import scenario_formulas

#: Printed pages across: the key columns, the inputs, the supporting figures.
PAGE_BREAKS_AFTER = ("warnings", "price_symbol")
PRINT_SCALE_PCT = 64

#: Left-aligned text columns get an indent so they do not touch the number beside them.
_TEXT_COLUMNS = frozenset({"hedge_symbol", "exchange", "strategy", "price_symbol", "price_source"})


def _refs(r: int) -> dict[str, str]:
    """Cell address of every Portfolio column in row ``r`` (``$`` on input columns so a
    formula copied sideways still reads its own row's inputs)."""
    out = {}
    for col in L.PORTFOLIO_COLUMNS:
        letter = L.pcol(col.key)
        out[col.key] = f"${letter}{r}" if col.kind == "input" else f"{letter}{r}"
    return out


def _is_one_of(exch: str, exchanges: Sequence[str]) -> str:
    """TRUE when the row's exchange is one of ``exchanges`` (FALSE for none)."""
    if not exchanges:
        return "FALSE"
    return "OR(" + ",".join(f'{exch}="{ex}"' for ex in exchanges) + ")"


def _venue_terms(c: dict[str, str], exch: str) -> dict[str, str]:
    """The venue rule's terms as formulas, derived from ``core.margin_rules``' registry."""
    inverse = f'INDEX(MktInverse,{c["hedge_row"]})'
    fee = f'N(INDEX(MktFee,{c["hedge_row"]}))'

    def where(**field: bool) -> str:
        lin = _is_one_of(exch, margin_rules.exchanges_where(False, **field))
        inv = _is_one_of(exch, margin_rules.exchanges_where(True, **field))
        return lin if lin == inv else f"IF({inverse},{inv},{lin})"

    return {
        "liq_fee": f'IF({where(fee_in_maintenance=True)},{fee},0)',
        "at_entry": where(maintenance_at_entry=True),
        "close_fee": where(fee_to_close_in_margin=True),
        "known": where(default=False),
        "fee": fee,
    }


def _lp_linear(hq: str, perp: str, pos_margin: str, mmr: str, cum: str, v: dict[str, str]) -> str:
    """core.margin_rules.rule.MarginRule.liquidation_price, linear."""
    return (f"IF({v['at_entry']},{perp}*(1-{mmr})+({pos_margin}+{cum})/{hq},"
            f"({pos_margin}+{cum}+{hq}*{perp})/({hq}*(1+{mmr}+{v['liq_fee']})))")


def _lp_inverse(hq: str, perp: str, mmr: str, den: str, v: dict[str, str]) -> str:
    return f"{hq}*{perp}*(1-{mmr}-{v['liq_fee']})/{den}"


def _rounded(c: dict[str, str]) -> str:
    """The exact count rounded down to the market's amount step (core.contracts)."""
    step = f'INDEX(MktStep,{c["hedge_row"]})'
    return f"IF(N({step})>0,ROUNDDOWN(ROUND({c['exact']}/{step},9),0)*{step},{c['exact']})"


def _input_checks(c: dict[str, str]) -> dict[str, str]:
    """The input cells' checks (core.position._input_errors), each TRUE when the cell is
    invalid. Nested IFs: a comparison is never made on a text."""
    def bad(key: str, test: str) -> str:
        cell = c[key]
        return f'IF({cell}="",FALSE,IF(ISNUMBER({cell}),{test.format(x=cell)},TRUE))'

    return {
        "qty_blank": f'{c["qty"]}=""',
        "qty_invalid": bad("qty", "{x}<0"),
        "ratio_invalid": bad("ratio_in", "OR({x}<0,{x}>1)"),
        "leverage_invalid": bad("leverage", f"OR({{x}}<{P.MIN_LEVERAGE:g},{{x}}>{P.MAX_LEVERAGE:g})"),
        # a =Beta!… cell may hold an error: that is an invalid beta, not a blank one
        "beta_invalid": f'IF(ISNUMBER({c["beta"]}),{c["beta"]}<=0,IF(ISERROR({c["beta"]}),TRUE,{c["beta"]}<>""))',
        "held_invalid": bad("held", "{x}<0"),
    }


def _beta_blank(c: dict[str, str]) -> str:
    return f'IFERROR({c["beta"]}="",FALSE)'


def _base(symbol: str) -> str:
    return f'LEFT({symbol},FIND("/",{symbol}&"/")-1)'


def _cross(c: dict[str, str]) -> str:
    """TRUE when the hedge is another coin's perp (core.holdings.is_cross): the price
    market's base coin (the asset's name when none is named) against the hedge's."""
    ps = c["price_symbol"]
    return f'IF({ps}="",{c["asset"]},{_base(ps)})<>{_base(c["hedge_symbol"])}'


def _own_cross(c: dict[str, str]) -> str:
    """TRUE when the asset's name is not the hedge's coin (a blank Price symbol then looks
    for the asset's own market, core.position.price_row_of)."""
    return f'{c["asset"]}<>{_base(c["hedge_symbol"])}'


def row_formulas(r: int) -> dict[str, str]:
    """The formula of every computed column in Portfolio row ``r`` (core.position's rules)."""
    c = _refs(r)
    a, hr, pr = c["asset"], c["hedge_row"], c["price_row"]
    exch = f'IF({c["exchange"]}="",DefaultExchange,{c["exchange"]})'
    beta = c["beta_used"]
    checks = _input_checks(c)

    def mkt(name: str, row: str = hr) -> str:
        return f"INDEX({name},{row})"

    header = f"ROW({L.MARKET}!$A${L.MARKET_HEADER_ROW})"

    def lookup(match: str) -> str:
        return f"IF(SUMPRODUCT({match})=1,SUMPRODUCT({match}*(ROW(MktSymbol)-{header})),0)"

    def find(symbol: str) -> str:
        return lookup(f"(MktSymbol={symbol})*(MktExchange={exch})")

    own = lookup(f'(LEFT(MktSymbol,LEN({a})+1)={a}&"/")*(MktExchange={exch})')
    inverse = mkt("MktInverse")
    size = mkt("MktSize")
    maint = c["maint"]
    price, perp, notional = c["price"], c["perp_price"], c["notional"]
    contracts, hedged, hq = c["contracts"], c["hedged"], c["hedge_qty"]
    mmr, interval, ratio, spot_value = c["mmr"], c["interval"], c["ratio"], c["spot_value"]
    priced = f"ISNUMBER({spot_value})"
    rounded = _rounded(c)
    # the value of the order the rounded count sends (core.contracts: checked against min_cost)
    order_value = f"ROUND({rounded}*{size}*IF({inverse},1,{perp}),9)"
    venue = _venue_terms(c, exch)
    # the position margin: what the liquidation condition holds (a venue that reserves the
    # fee to close in the margin asks for more, shown in Margin)
    pos_margin = f"({hedged}/{c['lev']})"
    lin_lp = _lp_linear(hq, perp, pos_margin, mmr, maint, venue)
    inv_den = f"({hq}-{pos_margin}/{perp}-{maint})"
    inv_lp = _lp_inverse(hq, perp, mmr, inv_den, venue)
    held = c["held_used"]
    cur_ratio = (f"IF({inverse},{held}*{size}/({spot_value}*{beta}),"
                 f"{held}*{size}*{perp}/({spot_value}*{beta}))")
    # To the target count rounded down to the step, as Contracts is: a tradeable amount
    # that never leaves the short above the target (core.rebalance with amount_step).
    delta = f"{rounded}-{held}"
    below_min = (f'IF(AND(N({mkt("MktMin")})>0,{rounded}<{mkt("MktMin")}),TRUE,'
                 f'IF(N({mkt("MktMinCost")})>0,{order_value}<{mkt("MktMinCost")},FALSE))')

    f = {
        "invalid": f'IF({a}="","",IF(OR({",".join(checks.values())}),1,0))',
        "hedge_row": f'IF({a}="","",{find(c["hedge_symbol"])})',
        "price_row": (f'IF({a}="","",IF({c["price_symbol"]}<>"",{find(c["price_symbol"])},'
                      f'IF({_own_cross(c)},{own},{hr})))'),
        "ratio": (f'IF({a}="","",IF({checks["ratio_invalid"]},"",IF({c["ratio_in"]}<>"",{c["ratio_in"]},'
                  f'IFERROR(INDEX(PresetDefault,MATCH({c["strategy"]},PresetNames,0)),0))))'),
        "lev": f'IF({a}="","",IF({checks["leverage_invalid"]},"",IF({c["leverage"]}="",1,{c["leverage"]})))',
        "beta_used": f'IF({a}="","",IF({checks["beta_invalid"]},"",IF({_beta_blank(c)},1,{c["beta"]})))',
        "price": (f'IF({a}="","",IF({pr}=0,"",IF(N({mkt("MktSpot", pr)})>0,{mkt("MktSpot", pr)},'
                  f'IF(N({mkt("MktMark", pr)})>0,{mkt("MktMark", pr)},""))))'),
        "price_source": f'IF({price}="","",IF(N({mkt("MktSpot", pr)})>0,"spot","mark"))',
        "spot_value": (f'IF({a}="","",IF({c["invalid"]}=1,"{P.INVALID_INPUT}",'
                       f'IF({price}="","{P.NOT_PRICED}",{c["qty"]}*{price})))'),
        "notional": f'IF({priced},{spot_value}*{beta}*{ratio},"")',
        "perp_price": (f'IF({a}="","",IF({hr}=0,"",IF(N({mkt("MktMark")})>0,{mkt("MktMark")},'
                       f'IF(N({mkt("MktIndex")})>0,{mkt("MktIndex")},'
                       f'IF(N({mkt("MktSpot")})>0,{mkt("MktSpot")},"")))))'),
        "exact": (f'IF(OR({notional}="",{perp}="",N(INDEX(MktSize,MAX({hr},1)))<=0),"",'
                  f"IF({inverse},{notional}/{size},{notional}/{perp}/{size}))"),
        "contracts": (f'IF({c["exact"]}="","",IF({c["exact"]}=0,0,'
                      f'IF({below_min},"{P.BELOW_MINIMUM}",{rounded})))'),
        "hedged": f'IF({contracts}="","",N({contracts})*{size}*IF({inverse},1,{perp}))',
        "margin": (f'IF({hedged}="","",{hedged}/{c["lev"]}+IF({venue["close_fee"]},'
                   f'{hedged}*IF({inverse},1-1/{c["lev"]},1+1/{c["lev"]})*{venue["fee"]},0))'),
        "hedge_qty": (f'IF(OR({contracts}="",N({contracts})<=0),"",'
                      f"IF({inverse},N({contracts})*{size}/{perp},N({contracts})*{size}))"),
        "mmr": _rate_used(c, hr, "TierMMR", f'IF({mkt("MktMMR")}="",DefaultMMR,{mkt("MktMMR")})'),
        "maint": _rate_used(c, hr, "TierMaint", f'N({mkt("MktMaint")})'),
        "liq_price": (f'IF({hq}="","",IF({_above(c)},"above tiers",IF({inverse},IF({inv_den}<=0,"none",'
                      f'IF({inv_lp}<={perp},"at entry",{inv_lp})),'
                      f'IF({lin_lp}<={perp},"at entry",{lin_lp}))))'),
        # the tier beside a liquidation price only: none, at entry and above tiers have none
        "tier": (f'IF(NOT(ISNUMBER({c["liq_price"]})),"",IF(N({c["tier_count"]})=0,"",IF({c[_last_walk()]}="","",'
                 f'IF({c[_last_walk()]}>{c["tier_count"]},"",{c[_last_walk()]}))))'),
        "tier_count": f'IF({a}="","",SUMPRODUCT({_tier_match(c, exch)}))',
        "tier_unit": (f'IF(N({c["tier_count"]})=0,"",'
                      f'IF(SUMPRODUCT({_tier_match(c, exch)}*(TierUnit="quote"))>0,"quote",'
                      f'IF(SUMPRODUCT({_tier_match(c, exch)}*(TierUnit="contracts"))>0,"contracts","base")))'),
        "liq_distance": f'IF(ISNUMBER({c["liq_price"]}),{c["liq_price"]}/{perp}-1,"")',
        "rate": f'IF({a}="","",IF({hr}=0,"",IF({mkt("MktRate")}="","",{mkt("MktRate")})))',
        "interval": (f'IF({a}="","",IF({hr}=0,"",IF(N({mkt("MktInterval")})>0,'
                     f'{mkt("MktInterval")},8)))'),
        "apr": f'IF({c["rate"]}="","",{c["rate"]}*24/{interval}*365)',
        "funding": f'IF(OR({c["rate"]}="",{hedged}=""),"",{hedged}*{c["rate"]}*HorizonDays*24/{interval})',
        "basis": (f'IF({a}="","",IF({hr}=0,"",IF(N({mkt("MktMark")})<=0,"",'
                  f'IF(N({mkt("MktSpot")})>0,({mkt("MktMark")}-{mkt("MktSpot")})/{mkt("MktSpot")}*10000,'
                  f'IF(N({mkt("MktIndex")})>0,({mkt("MktMark")}-{mkt("MktIndex")})/{mkt("MktIndex")}*10000,""'
                  f")))))"),
        "net": f'IF({priced},{spot_value}*{beta}-N({hedged}),"")',
        "net_held": (f'IF(NOT({priced}),"",IF({held}="","",IF({hr}=0,"",IF({perp}="","",'
                     f'IF(N({size})<=0,"",{spot_value}*{beta}-{held}*{size}*IF({inverse},1,{perp}))))))'),
        # computed where Net exposure now is (core.position: the same condition)
        "ratio_held": f'IF({c["net_held"]}="","",IF({spot_value}*{beta}>0,{cur_ratio},""))',
        "fees": f'IF({hedged}="","",{hedged}*N({mkt("MktFee")})*2)',
        "rebalance": (f'IF(OR({held}="",{contracts}="",NOT({priced})),"",IF({spot_value}*{beta}=0,-{held},'
                      f"IF(ABS({cur_ratio}-{ratio})<=RebalanceBand+1E-12,0,{delta})))"),
        "age_shown": (f'IF({c["age"]}="","",IF({c["age"]}>={P.AGE_IN_DAYS_FROM_H},'
                      f'ROUND({c["age"]}/24,0)&" days",{c["age"]}))'),
        "age": (f'IF({a}="","",IF({hr}=0,"",IF(N({mkt("MktAsOf")})<=0,"",'
                f'(NowUTC-{mkt("MktAsOf")})*24)))'),
    }
    f.update(_held_formulas(c, exch, checks))
    f.update(_walk(c, exch, venue))
    entry_max = _tier_value(c, exch, "TierMaxLev", c["walk1"])
    f["tier_max_lev"] = (f'IF(OR({hq}="",N({c["tier_count"]})=0),"",IF(N({c["walk1"]})>N({c["tier_count"]}),"",'
                         f'IF({entry_max}>0,{entry_max},"")))')
    f.update(scenario_formulas(c))
    f.update(_warnings(c, exch, checks))
    return {k: "=" + v for k, v in f.items()}


def _held_formulas(c: dict[str, str], exch: str, checks: dict[str, str]) -> dict[str, str]:
    """Where the held contracts come from: core.positions.held_view, by formula over the
    Positions sheet's lines (PosExchange, PosSymbol, PosHeld, PosIsoMargin) and the
    exchanges its last read covered (PositionsRead)."""
    a, typed, synced, lines = c["asset"], c["held"], c["held_synced"], c["pos_lines"]
    match = f'(PosExchange={exch})*(PosSymbol={c["hedge_symbol"]})'
    covers = f'ISNUMBER(SEARCH(","&{exch}&",",","&SUBSTITUTE(PositionsRead," ","")&","))'
    target = f'N({c["contracts"]})'
    step = f'IF({c["hedge_row"]}=0,0,N(INDEX(MktStep,{c["hedge_row"]})))'

    def close(x: str, y: str) -> str:  # math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
        return f"ABS({x}-{y})<=MAX(1E-9*MAX(ABS({x}),ABS({y})),1E-12)"

    status = (f'IF(N({lines})=0,"{PS.NO_POSITION}",IF(OR(ABS({target}-{synced})<{step},{close(synced, target)}),'
              f'"{PS.MATCHED}",IF({target}-{synced}>0,"{PS.UNDER}","{PS.OVER}")))')
    return {
        "pos_key": f'IF({a}="","",{exch}&"|"&{c["hedge_symbol"]})',
        "pos_count": f'IF({a}="","",SUMPRODUCT((HoldingKeys={c["pos_key"]})*1))',
        "pos_lines": f'IF({a}="","",IF({covers},SUMPRODUCT({match}*1),""))',
        "held_synced": f'IF(OR({lines}="",N({c["pos_count"]})<>1),"",SUMPRODUCT({match},PosHeld))',
        "held_used": f'IF({a}="","",IF({typed}<>"",IF({checks["held_invalid"]},"",{typed}),{synced}))',
        "held_from": (f'IF({a}="","",IF({typed}<>"",IF(OR(NOT(ISNUMBER({typed})),NOT(ISNUMBER({synced}))),'
                      f'"{PS.HELD_TYPED}",IF({close(typed, synced)},"{PS.HELD_TYPED_SAME}","{PS.HELD_TYPED_DIFFERS}")),'
                      f'IF(ISNUMBER({synced}),"{PS.HELD_FROM_EXCHANGE}"&{status},IF({lines}<>"","{PS.HELD_SHARED}",'
                      f'IF(TRIM(PositionsRead)<>"","{PS.HELD_NOT_READ}"&{exch},"")))))'),
        "margin_held": (f'IF(NOT(ISNUMBER({synced})),"",IF(N({lines})=0,"",'
                        f'IF(SUMPRODUCT({match}*ISNUMBER(PosIsoMargin))={lines},SUMPRODUCT({match},PosIsoMargin),'
                        f'"{PS.NOT_ISOLATED}")))'),
    }


# ----------------------------------------------------------------------------- tier walk
#
# core.liquidation.liquidation_short_tiered, unrolled: walk1 is the tier at the entry
# notional; walk(i+1) the tier at the notional at the liquidation price computed with
# walk(i). A tier is its position in the market's tier rows (the builder writes them
# smallest first, numbered 1..n), found as 1 + the number of the market's caps at or below
# the notional (core: the first tier whose cap exceeds it); n + 1 means above the largest
# cap. A step whose price is not a liquidation price (the coin margin covers any rise, or
# at or below entry) stops the walk there, as core stops with an error at that step.
#
# Steps needed (one LP computation per step): the size at the liquidation price differs
# from the entry size only for linear markets bracketed in the quote (it grows with the
# price) and inverse markets bracketed in the coin (it shrinks); bracketed in contracts,
# or the other pairs, the first tier is the answer (1 step). With Binance's maintenance
# amounts the maintenance margin is continuous and convex in the size, and a step is a
# Newton step on the equation "equity = maintenance", piecewise linear in the size: the
# first step overshoots past the answer, every later one moves back towards it without
# passing it, into a tier strictly between. So the walk visits each tier at most once and
# needs at most 1 + the number of tiers crossed by the first step - the tier count in the
# worst case (core bounds its loop so). In practice the first step crosses few tiers: with
# leverage >= 1 a linear short's size at liquidation is under twice its entry size; a
# near-1x inverse short's can fall far below it. Measured with core (18,000+ synthetic
# shorts, tiers 1.1-3x apart, leverage 1.02-125x, Binance- and Bybit-shaped tables): never
# more than 4 steps, 3 on the generated test books. TIER_WALK_STEPS (6) are unrolled; a
# walk still moving after them (or tiers whose maintenance jumps so that no tier holds
# its own liquidation size, which core refuses) is flagged in the Warnings, never passed
# as settled.


def _tier_match(c: dict[str, str], exch: str) -> str:
    return f'(TierSymbol={c["hedge_symbol"]})*(TierExchange={exch})'


def _last_walk() -> str:
    return f"walk{L.TIER_WALK_STEPS}"


def _above(c: dict[str, str]) -> str:
    """TRUE when the walk landed above the largest tier's cap."""
    w = c[_last_walk()]
    return f'IF(N({c["tier_count"]})=0,FALSE,N({w})>{c["tier_count"]})'


def _tier_value(c: dict[str, str], exch: str, name: str, pos: str) -> str:
    return f"SUMPRODUCT({_tier_match(c, exch)}*(TierTier={pos})*{name})"


def _rate_used(c: dict[str, str], hr: str, name: str, flat: str) -> str:
    """The walked tier's figure when the market has tier rows, else the Market row's."""
    a, w = c["asset"], c[_last_walk()]
    exch = f'IF({c["exchange"]}="",DefaultExchange,{c["exchange"]})'
    tiered = f'IF({w}="","",IF({w}>{c["tier_count"]},"",{_tier_value(c, exch, name, w)}))'
    return f'IF({a}="","",IF({hr}=0,"",IF(N({c["tier_count"]})>0,{tiered},{flat})))'


def _notional_at(c: dict[str, str], price: str) -> str:
    """The short's size at ``price`` in the unit its tiers bracket by (core._tier_notional)."""
    hq, perp, unit = c["hedge_qty"], c["perp_price"], c["tier_unit"]
    inv = f'INDEX(MktInverse,{c["hedge_row"]})'
    size = f'INDEX(MktSize,{c["hedge_row"]})'
    return (f'IF({unit}="contracts",IF({inv},{hq}*{perp}/{size},{hq}/{size}),'
            f'IF({unit}="quote",IF({inv},{hq}*{perp},{hq}*{price}),'
            f'IF({inv},{hq}*{perp}/{price},{hq})))')


def _tier_at(c: dict[str, str], exch: str, notional: str) -> str:
    return (f'SUMPRODUCT({_tier_match(c, exch)}*(TierMax<>"")*(TierMax<={notional}))+1')


def _walk(c: dict[str, str], exch: str, venue: dict[str, str]) -> dict[str, str]:
    hq, perp, cnt = c["hedge_qty"], c["perp_price"], c["tier_count"]
    inv = f'INDEX(MktInverse,{c["hedge_row"]})'
    pos_margin = f"({c['hedged']}/{c['lev']})"
    out = {"walk1": (f'IF(OR({hq}="",N({cnt})=0),"",'
                     f'{_tier_at(c, exch, _notional_at(c, perp))})')}
    # A coin-bracketed inverse short the margin covers within its tier moves, as the price
    # rises, into lower tiers: to the highest whose maintenance amount leaves the margin
    # short of the position (core.liquidation_short_tiered); none such: never liquidated.
    below = _below(c, exch)
    for i in range(1, L.TIER_WALK_STEPS):
        w = c[f"walk{i}"]
        mmr = _tier_value(c, exch, "TierMMR", w)
        cum = _tier_value(c, exch, "TierMaint", w)
        den = f"({hq}-{pos_margin}/{perp}-{cum})"
        lp = f"IF({inv},{_lp_inverse(hq, perp, mmr, den, venue)},{_lp_linear(hq, perp, pos_margin, mmr, cum, venue)})"
        step = (f'IF({venue["at_entry"]},{w},IF(IF({inv},{den}<=0,FALSE),'
                f'IF({c["tier_unit"]}="base",{below},{w}),IF({lp}<={perp},{w},'
                f'{_tier_at(c, exch, _notional_at(c, lp))})))')
        out[f"walk{i + 1}"] = f'IF({w}="","",IF({w}>{cnt},{w},{step}))'
    return out


def _below(c: dict[str, str], exch: str) -> str:
    """The highest tier whose maintenance amount leaves the position margin short of a
    coin-bracketed inverse position (1 when there is none)."""
    pos_margin = f"({c['hedged']}/{c['lev']})"
    return (f'MAX(1,SUMPRODUCT({_tier_match(c, exch)}*'
            f'(TierMaint<{c["hedge_qty"]}-{pos_margin}/{c["perp_price"]})))')


def _tier_walk_settled(c: dict[str, str], exch: str) -> str:
    """TRUE unless the tier at the shown liquidation price differs from the tier used, or
    a "never liquidated" stopped in a coin tier the walk would still have left (a venue that
    charges maintenance at entry keeps the entry size's tier: nothing to settle)."""
    liq, last, cnt = c["liq_price"], c[_last_walk()], c["tier_count"]
    return (f'IF({_venue_terms(c, exch)["at_entry"]},TRUE,IF(ISNUMBER({liq}),IF(N({cnt})>0,'
            f'{_tier_at(c, exch, _notional_at(c, liq))}={last},TRUE),'
            f'IF(AND({liq}="none",N({cnt})>0),IF({c["tier_unit"]}="base",{_below(c, exch)}={last},TRUE),TRUE)))')


def _amp(*parts: str) -> str:
    """A formula tail '&part&part…': even positions are literal texts, odd ones formulas."""
    out = []
    for i, part in enumerate(parts):
        out.append('"' + part.replace('"', '""') + '"' if i % 2 == 0 else part)
    return "&" + "&".join(out)


def _say(code: str, tail: str = "") -> str:
    """The text of warning ``code``: '; ' + its lead (core.position.WARNINGS) + ``tail``
    (a formula fragment starting with &, or empty)."""
    return f'"; {P.WARNINGS[code].lead}"' + tail


def _pieces(c: dict[str, str], exch: str, checks: dict[str, str]) -> dict[str, str]:
    """Each warning of core.position.WARNINGS as a formula giving its text or "".

    Each piece is its own IF, so nothing is looked up on a row the Market lacks (Excel's
    AND/OR evaluate every argument; IF does not).
    """
    a, hr, pr = c["asset"], c["hedge_row"], c["price_row"]
    status = f"INDEX(MktStatus,{hr})"
    step_min = f"INDEX(MktMin,{hr})"
    min_cost = f"INDEX(MktMinCost,{hr})"
    lev, rin = c["lev"], c["ratio_in"]
    preset = f'MATCH({c["strategy"]},PresetNames,0)'
    max_lev = _tier_value(c, exch, "TierMaxLev", c["walk1"])
    liq_pct = f'TEXT({c["liq_distance"]},"0%")'
    apr_pct = f'TEXT(-{c["apr"]},"0.0%")'
    okx_like = _is_one_of(exch, margin_rules.exchanges_where(False, fee_in_maintenance=True))
    no_data = f'INDEX(MktStatus,{hr})="{P.NO_DATA}"'
    return {
        "qty_blank": f'IF({checks["qty_blank"]},{_say("qty_blank")},"")',
        "qty_invalid": f'IF({checks["qty_invalid"]},{_say("qty_invalid", _amp(", got ", c["qty"]))},"")',
        "ratio_invalid": (f'IF({checks["ratio_invalid"]},{_say("ratio_invalid")}&IF(ISNUMBER({rin}),'
                          f'IF(AND({rin}>1,{rin}<=100),": write 0.5 or 50 % for a half hedge",""),""),"")'),
        "leverage_invalid": f'IF({checks["leverage_invalid"]},{_say("leverage_invalid")},"")',
        "beta_invalid": f'IF({checks["beta_invalid"]},{_say("beta_invalid")},"")',
        "held_invalid": f'IF({checks["held_invalid"]},{_say("held_invalid")},"")',
        "no_hedge_row": f'IF({hr}=0,{_say("no_hedge_row", _amp(" ", c["hedge_symbol"], " on ", exch))},"")',
        "no_price_row": (f'IF({pr}<>0,"",IF(OR({c["price_symbol"]}<>"",{_cross(c)}),'
                         f'{_say("no_price_row", _amp(" ", a, " on ", exch))}&": set its Price symbol",""))'),
        "no_price": f'IF(AND({pr}<>0,{c["price"]}=""),{_say("no_price", _amp(" ", a))}&" in the Market table","")',
        "no_data": f'IF({hr}=0,"",IF({no_data},{_say("no_data")},""))',
        "no_perp_price": f'IF({hr}=0,"",IF({no_data},"",IF({c["perp_price"]}="",{_say("no_perp_price")},"")))',
        "no_contract_size": f'IF({hr}=0,"",IF({no_data},"",IF(N(INDEX(MktSize,{hr}))<=0,{_say("no_contract_size")},"")))',
        # A cross hedge whose Beta cell is blank (=Beta!… with no prices on the Beta sheet)
        # would otherwise be sized 1:1 without a word.
        "no_beta": f'IF(AND({_cross(c)},{_beta_blank(c)}),{_say("no_beta")},"")',
        "no_ratio": f'IF(AND({rin}="",{c["ratio"]}=0),{_say("no_ratio")},"")',
        "below_min": (f'IF({c["contracts"]}<>"{P.BELOW_MINIMUM}","",IF(AND(N({step_min})>0,{_rounded(c)}<{step_min}),'
                      f'{_say("below_min", _amp(" ", step_min))}&" contracts: not hedged",""))'),
        "below_min_cost": (f'IF({c["contracts"]}<>"{P.BELOW_MINIMUM}","",IF(AND(N({step_min})>0,{_rounded(c)}<{step_min}),"",'
                           f'{_say("below_min_cost", _amp(" ", min_cost))}&": not hedged"))'),
        "rounds_to_zero": (f'IF(ISNUMBER({c["contracts"]}),IF(AND({c["contracts"]}=0,N({c["exact"]})>0),'
                           f'{_say("rounds_to_zero")},""),"")'),
        "liq_at_entry": f'IF({c["liq_price"]}="at entry",{_say("liq_at_entry")},"")',
        # the tier of the entry size caps the leverage the venue accepts (core.margin)
        "tier_leverage": (f'IF(OR({c["hedge_qty"]}="",N({c["tier_count"]})=0),"",IF(N({c["walk1"]})>N({c["tier_count"]}),"",'
                          f'IF(AND({max_lev}>0,{lev}>{max_lev}),'
                          f'{_say("tier_leverage", _amp(" ", max_lev))}&"× is below the "&{lev}&"× used: '
                          f'the exchange refuses it","")))'),
        "above_tiers": f'IF({c["liq_price"]}="above tiers",{_say("above_tiers")}&": no liquidation price","")',
        "walk_unsettled": (f'IF({_tier_walk_settled(c, exch)},"",{_say("walk_unsettled")}&": '
                           f'check the liquidation price against the Tiers sheet")'),
        "liq_near": (f'IF(ISNUMBER({c["liq_distance"]}),IF({c["liq_distance"]}<LiqWarnDistance,'
                     f'{_say("liq_near", _amp(" ", liq_pct))}&" above the price",""),"")'),
        "funding_cost": (f'IF(ISNUMBER({c["apr"]}),IF(-{c["apr"]}>FundingWarnAPR,'
                         f'{_say("funding_cost", _amp(" ", apr_pct))}&" a year",""),"")'),
        "data_old": (f'IF(ISNUMBER({c["age"]}),IF({c["age"]}>MaxDataAgeHours,{_say("data_old")}&" "&'
                     f'IF({c["age"]}>={P.AGE_IN_DAYS_FROM_H},ROUND({c["age"]}/24,0)&" days",ROUND({c["age"]},0)&" h")'
                     f'&" old",""),"")'),
        # Recorded snapshot rows say so once, in the banner above the table, not per row.
        "stale": f'IF({hr}=0,"",IF(LEFT({status},5)="stale","; "&{status},""))',
        "ratio_band": (f'IF({rin}="","",IF({checks["ratio_invalid"]},"",IF(ISNA({preset}),"",'
                       f'IF(OR({rin}<INDEX(PresetMin,{preset}),{rin}>INDEX(PresetMax,{preset})),'
                       f'{_say("ratio_band", _amp(" ", c["strategy"]))}&" band",""))))'),
        "leverage_advised": (f'IF(ISNUMBER({lev}),IF({lev}>MaxAdvisedLeverage,'
                             f'{_say("leverage_advised", _amp(" ", "MaxAdvisedLeverage"))}&"×: "&{lev}&"× used",""),"")'),
        "default_rule": (f'IF({c["hedge_qty"]}="","",IF({_venue_terms(c, exch)["known"]},"",'
                         f'{_say("default_rule")}&": "&{exch}&"\'s own is not known"))'),
        "no_fee": (f'IF(N({c["hedged"]})>0,IF(INDEX(MktFee,{hr})="",{_say("no_fee")}&": '
                   f'fees counted as 0"&IF({okx_like},", and in the liquidation price, which the exchange\'s rule '
                   f'counts it in",""),""),"")'),
        "no_rate": (f'IF(N({c["hedged"]})>0,IF({c["rate"]}="",{_say("no_rate")}&": funding not counted",""),"")'),
        # A figure the Market lacks must not pass silently as a default or a zero; without
        # tier rows the first tier's rate understates a large short's maintenance.
        "no_mmr": (f'IF({c["hedge_qty"]}="","",IF(N({c["tier_count"]})>0,"",IF(INDEX(MktMMR,{hr})="",'
                   f'{_say("no_mmr")}&": DefaultMMR "&TEXT(DefaultMMR,"0.00%")&" used for the liquidation price","")))'),
        "no_tiers": (f'IF({c["hedge_qty"]}="","",IF(N({c["tier_count"]})>0,"",IF(INDEX(MktMMR,{hr})="","",'
                     f'{_say("no_tiers")}&": the Market row\'s first-tier MMR used, a larger short is liquidated sooner")))'),
        "rebalance": (f'IF(ISNUMBER({c["rebalance"]}),IF({c["rebalance"]}<>0,{_say("rebalance")}&" "&'
                      f'IF({c["rebalance"]}>0,"short ","buy back ")&ROUND(ABS({c["rebalance"]}),6)&" more contracts",""),"")'),
        "partial": f'IF({hr}=0,"",IF(LEFT({status},7)="partial","; "&{status},""))',
        "interval_assumed": f'IF({hr}=0,"",IF(N(INDEX(MktInterval,{hr}))>0,"",{_say("interval_assumed")}))',
    }


def _warnings(c: dict[str, str], exch: str, checks: dict[str, str]) -> dict[str, str]:
    """The Warnings cell (errors first, then risks, then notes, joined by '; '), the
    row's severity (2 error, 1 risk, 0 otherwise) and the risk summary's flags."""
    a = c["asset"]
    pieces = _pieces(c, exch, checks)
    if set(pieces) != set(P.WARNINGS):  # every warning of the row policy has its formula
        raise AssertionError(sorted(set(P.WARNINGS) ^ set(pieces)))
    by = {sev: "&".join(pieces[k] for k, w in P.WARNINGS.items() if w.severity == sev) or '""'
          for sev in (P.ERROR, P.RISK, P.NOTE)}
    out = {
        "w_errors": f'IF({a}="","",{by[P.ERROR]})',
        "w_risks": f'IF({a}="","",{by[P.RISK]})',
        "w_notes": f'IF({a}="","",{by[P.NOTE]})',
        "warnings": f'IF({a}="","",MID({c["w_errors"]}&{c["w_risks"]}&{c["w_notes"]},3,1000))',
        "severity": f'IF({a}="","",IF({c["w_errors"]}<>"",2,IF({c["w_risks"]}<>"",1,0)))',
        "left_out": f'IF({a}="","",IF(ISNUMBER({c["spot_value"]}),0,1))',
    }
    for flag, codes in P.FLAGS.items():
        test = "&".join(pieces[k] for k in codes)
        out[flag] = f'IF({a}="","",IF(LEN({test})>0,1,0))'
    return out


# ----------------------------------------------------------------------------- writing


def _settings(ws: Worksheet) -> None:
    ws["A4"] = "Settings"
    ws["E4"] = "Warning thresholds"
    for ref in ("A4", "E4"):
        ws[ref].font = S.HEADING_FONT
    for s in L.SETTINGS:
        col, row = s.cell[0], int(s.cell[1:])
        label_col = "A" if col == "D" else "E"
        ws[f"{label_col}{row}"] = s.label
        ws[f"{label_col}{row}"].font = S.LABEL_FONT
        cell = ws[s.cell]
        cell.value = s.default
        cell.number_format = s.number_format
        cell.border = S.BOX
        cell.alignment = S.LEFT
        if isinstance(s.default, str) and s.default.startswith("="):
            cell.font = S.BOLD_FONT
        else:
            cell.fill = S.SETTING_FILL
            cell.font = S.BOLD_FONT


def _presets(ws: Worksheet) -> None:
    name_col, min_col, max_col, def_col = L.PRESET_COLS
    r0 = L.PRESET_HEADER_ROW
    ws[f"{name_col}{r0}"] = "Strategy presets"
    ws[f"{name_col}{r0}"].font = S.HEADING_FONT
    heads = {min_col: "Min", max_col: "Max", def_col: "Default"}
    for col, text in heads.items():
        ws[f"{col}{r0}"] = text
        ws[f"{col}{r0}"].font = S.LABEL_FONT
    for i, name in enumerate(L.PRESET_NAMES):
        r = r0 + 1 + i
        p = PRESETS[name]
        ws.merge_cells(f"{name_col}{r}:M{r}")
        ws[f"{name_col}{r}"] = name
        ws[f"{name_col}{r}"].font = S.BODY_FONT
        for col, value in ((min_col, p.min_ratio), (max_col, p.max_ratio), (def_col, p.default_ratio)):
            cell = ws[f"{col}{r}"]
            cell.value = value
            cell.number_format = "0%"
            cell.fill = S.SETTING_FILL
            cell.border = S.BOX


def _validations(ws: Worksheet, first: int, last: int) -> None:
    def add(dv: DataValidation, key: str) -> None:
        ws.add_data_validation(dv)
        col = L.pcol(key)
        dv.add(f"{col}{first}:{col}{last}")

    strategy = DataValidation(type="list", formula1='"' + ",".join(L.PRESET_NAMES) + '"',
                              allow_blank=True, showDropDown=False)
    strategy.error, strategy.errorTitle = "Pick a strategy from the list.", "Strategy"
    strategy.prompt = "Tactical Defense 40-70 %, Capital Preservation 80-100 %, Custom: your ratio."
    strategy.promptTitle = "Strategy"
    add(strategy, "strategy")
    ratio = DataValidation(type="decimal", operator="between", formula1="0", formula2="1",
                           allow_blank=True)
    ratio.error, ratio.errorTitle = "A hedge ratio is between 0 % and 100 %.", "Hedge ratio"
    add(ratio, "ratio_in")
    # Leverage from 1× to 125×, and no more than the entry tier's maximum where the Tiers
    # sheet gives it (the exchange refuses more). A pasted value bypasses validation: the
    # row's formulas judge it again (core.position).
    g, m = L.pcol("leverage"), L.pcol("tier_max_lev")
    lev = DataValidation(type="custom", allow_blank=True, formula1=(
        f"AND(ISNUMBER({g}{first}),{g}{first}>={P.MIN_LEVERAGE:g},{g}{first}<={P.MAX_LEVERAGE:g},"
        f"OR(N({m}{first})=0,{g}{first}<={m}{first}))"))
    lev.error = "Leverage is from 1× to 125×, and at most the maximum of the short's leverage tier."
    lev.errorTitle = "Leverage"
    add(lev, "leverage")
    qty = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    qty.error, qty.errorTitle = "Quantity is a number of coins, 0 or more.", "Quantity"
    add(qty, "qty")
    beta = DataValidation(type="custom", allow_blank=True,
                          formula1=f"AND(ISNUMBER({L.pcol('beta')}{first}),{L.pcol('beta')}{first}>0)")
    beta.error, beta.errorTitle = "Beta is a positive number (1 for a same-coin hedge).", "Beta"
    add(beta, "beta")
    held = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                          allow_blank=True)
    held.error, held.errorTitle = "Held contracts is 0 or more.", "Held contracts"
    add(held, "held")
    exchanges = DataValidation(type="list", formula1='"binanceusdm,binancecoinm,bybit,okx"',
                               allow_blank=True, errorStyle="information")
    exchanges.error = "Any ccxt exchange id works if the Market table lists it."
    add(exchanges, "exchange")
    for name, dv in (
        ("HorizonDays", DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")),
        ("MaxDataAgeHours", DataValidation(type="decimal", operator="greaterThan", formula1="0")),
        ("LiqWarnDistance", DataValidation(type="decimal", operator="between", formula1="0", formula2="10")),
        ("FundingWarnAPR", DataValidation(type="decimal", operator="between", formula1="0", formula2="10")),
        ("RebalanceBand", DataValidation(type="decimal", operator="between", formula1="0", formula2="1")),
        ("DefaultMMR", DataValidation(type="decimal", operator="between", formula1="0", formula2="0.5")),
        ("MaxAdvisedLeverage", DataValidation(type="decimal", operator="between", formula1="1", formula2="125")),
        ("UtcOffsetHours", DataValidation(type="decimal", operator="between", formula1="-14", formula2="14")),
    ):
        ws.add_data_validation(dv)
        dv.add(next(s.cell for s in L.SETTINGS if s.name == name))


def _conditional(ws: Worksheet, first: int, last: int) -> None:
    def rng(key: str) -> str:
        return f"{L.pcol(key)}{first}:{L.pcol(key)}{last}"

    w, sev = L.pcol("warnings"), L.pcol("severity")
    ws.conditional_formatting.add(rng("warnings"), FormulaRule(
        formula=[f"N(${sev}{first})>=1"], fill=S.BAD_FILL, font=S.RED_FONT, stopIfTrue=True))
    ws.conditional_formatting.add(rng("warnings"), FormulaRule(
        formula=[f'LEN(${w}{first})>0'], fill=S.WARN_FILL, font=S.WARN_FONT))
    # a row that sizes nothing: the words in Spot value and Contracts in red
    for key in ("spot_value", "contracts"):
        k = L.pcol(key)
        ws.conditional_formatting.add(rng(key), FormulaRule(
            formula=[f"ISTEXT({k}{first})"], font=S.RED_FONT))
    d = L.pcol("liq_distance")
    ws.conditional_formatting.add(rng("liq_distance"), FormulaRule(
        formula=[f"AND(ISNUMBER({d}{first}),{d}{first}<LiqWarnDistance)"], fill=S.BAD_FILL,
        font=S.RED_FONT))
    for key in ("apr", "funding", "rate"):
        k = L.pcol(key)
        ws.conditional_formatting.add(rng(key), FormulaRule(
            formula=[f"AND(ISNUMBER({k}{first}),{k}{first}<0)"], font=S.RED_FONT))
    g = L.pcol("leverage")
    ws.conditional_formatting.add(rng("leverage"), FormulaRule(
        formula=[f"N(${g}{first})>MaxAdvisedLeverage"], fill=S.WARN_FILL))
    b = L.pcol("rebalance")
    ws.conditional_formatting.add(rng("rebalance"), FormulaRule(
        formula=[f"AND(ISNUMBER({b}{first}),{b}{first}<>0)"], fill=S.WARN_FILL))


#: The risk summary's lines: the flag column it counts and its text when some / none, as
#: pieces: a literal text, ``N`` (the count) or (format, setting name). One statement gives
#: both the cell's formula (:func:`line_formula`) and its cached value (:func:`line_text`).
N = ("count",)
RISK_LINES: tuple[tuple[str, tuple[object, ...], tuple[object, ...]], ...] = (
    ("left_out", (N, " holding(s) left out of the totals and Scenarios: no price or an invalid input"),
     ("Every holding is priced and its inputs are valid",)),
    ("f_liq", (N, " short(s) within ", ("0%", "LiqWarnDistance"), " of liquidation (or liquidated at once)"),
     ("No short within ", ("0%", "LiqWarnDistance"), " of liquidation")),
    ("f_funding", (N, " short(s) paying funding above ", ("0%", "FundingWarnAPR"), " a year"),
     ("No short pays funding above ", ("0%", "FundingWarnAPR"), " a year")),
    ("f_age", (N, " holding(s) on market data older than ", ("", "MaxDataAgeHours"), " h: refresh before trading"),
     ("Market data of every holding is at most ", ("", "MaxDataAgeHours"), " h old")),
    ("f_beta", (N, " cross hedge(s) without a beta: sized at β = 1, a guess"),
     ("Every cross hedge has its beta",)),
    ("f_unhedged", (N, " holding(s) not hedged: the order is below the market's minimum"),
     ("Every hedge is at or above the market's minimum order",)),
)


def line_formula(pieces: tuple[object, ...], count: str) -> str:
    """The pieces as a formula, ``count`` the cell holding the count."""
    out = []
    for p in pieces:
        if p == N:
            out.append(count)
        elif isinstance(p, tuple):
            fmt, name = p
            out.append(f'TEXT({name},"{fmt}")' if fmt else str(name))
        else:
            out.append('"' + str(p).replace('"', '""') + '"')
    return "&".join(out)


def line_text(pieces: tuple[object, ...], count: int, settings: Mapping[str, float]) -> str:
    """The text the formula gives (Excel's TEXT "0%" and a number joined as text)."""
    out = []
    for p in pieces:
        if p == N:
            out.append(str(count))
        elif isinstance(p, tuple):
            fmt, name = p
            x = float(settings[str(name)])
            out.append(f"{math.floor(x * 100 + 0.5):d}%" if fmt == "0%" else f"{x:g}")
        else:
            out.append(str(p))
    return "".join(out)


#: The summary band beside the risk summary: the portfolio on one screen. Each line's key
#: (a field of ``core.position.PortfolioSummary``), label and number format; the worst
#: distance's holding goes in the column after the value.
BAND_LABEL_COL, BAND_VALUE_COL, BAND_HOLDING_COL = "A", "D", "F"
#: The risk summary beside the band: each line's count, then its text.
RISK_COUNT_COL, RISK_TEXT_COL = "G", "H"
SUMMARY_BAND: tuple[tuple[str, str, str], ...] = (
    ("spot_value", "Spot value", L.USD0),
    ("hedged", "Hedged notional (short)", L.USD0),
    ("hedge_ratio", "Hedge ratio (hedged / spot)", L.PCT),
    ("margin", "Total margin", L.USD0),
    ("worst_distance", "Nearest liquidation (holding →)", L.PCT),
    ("funding", "Funding over the horizon (+ received)", L.USD),
    ("as_of", "Market data as of (UTC, oldest)", L.DATETIME),
)


def band_cells() -> dict[str, str]:
    """Address of each summary band value (key -> 'O12'), of the worst distance's holding
    ('worst_asset') and of the funding line's label ('funding_label')."""
    r0 = L.RISK_SUMMARY_ROW
    out = {key: f"{BAND_VALUE_COL}{r0 + 1 + i}" for i, (key, _, _) in enumerate(SUMMARY_BAND)}
    out["worst_asset"] = BAND_HOLDING_COL + out["worst_distance"][1:]
    out["funding_label"] = BAND_LABEL_COL + out["funding"][1:]
    return out


#: What the funding line's label says: the horizon is a setting.
FUNDING_LABEL = ("Funding in ", ("", "HorizonDays"), " days (+ received)")


def band_formulas(first: int, last: int) -> dict[str, str]:
    """The summary band's formulas (cell -> formula): the totals row's figures, their
    ratio, the shortest distance to liquidation and whose it is, the oldest As of."""
    total_row = last + 1
    cells = band_cells()

    def tot(key: str) -> str:
        return f"{L.pcol(key)}{total_row}"

    dist = f"${L.pcol('liq_distance')}${first}:${L.pcol('liq_distance')}${last}"
    assets = f"${L.pcol('asset')}${first}:${L.pcol('asset')}${last}"
    w = cells["worst_distance"]
    return {
        cells["spot_value"]: f"={tot('spot_value')}",
        cells["hedged"]: f"={tot('hedged')}",
        cells["hedge_ratio"]: f'=IF(N({cells["spot_value"]})>0,{cells["hedged"]}/{cells["spot_value"]},"")',
        cells["margin"]: f"={tot('margin')}",
        w: f'=IF(COUNT({dist})=0,"",MIN({dist}))',
        cells["worst_asset"]: f'=IF(ISNUMBER({w}),INDEX({assets},MATCH({w},{dist},0)),"")',
        cells["funding"]: f"={tot('funding')}",
        cells["funding_label"]: "=" + line_formula(FUNDING_LABEL, ""),
        cells["as_of"]: '=IF(COUNT(MktAsOf)=0,"",MIN(MktAsOf))',
    }


def _summary_band(ws: Worksheet, first: int, last: int) -> None:
    r0 = L.RISK_SUMMARY_ROW
    ws[f"{BAND_LABEL_COL}{r0}"] = "Portfolio at a glance"
    ws[f"{BAND_LABEL_COL}{r0}"].font = S.HEADING_FONT
    cells = band_cells()
    for key, label, fmt in SUMMARY_BAND:
        ref = cells[key]
        r = ref[1:]
        ws.merge_cells(f"{BAND_LABEL_COL}{r}:C{r}")
        ws.merge_cells(f"{ref}:E{r}")
        ws[BAND_LABEL_COL + ref[1:]] = label
        ws[BAND_LABEL_COL + ref[1:]].font = S.LABEL_FONT
        ws[ref].number_format = fmt
        ws[ref].font = S.BOLD_FONT
        ws[ref].alignment = S.RIGHT
        ws[ref].border = S.BOX
    for ref, formula in band_formulas(first, last).items():
        ws[ref] = formula
    ws[cells["worst_asset"]].font = S.BOLD_FONT
    ws[cells["funding_label"]].font = S.LABEL_FONT
    d = cells["worst_distance"]
    ws.conditional_formatting.add(d, FormulaRule(formula=[f"AND(ISNUMBER({d}),{d}<LiqWarnDistance)"],
                                                 fill=S.BAD_FILL, font=S.RED_FONT))
    f = cells["funding"]
    ws.conditional_formatting.add(f, FormulaRule(formula=[f"AND(ISNUMBER({f}),{f}<0)"], font=S.RED_FONT))


def risk_summary_cells() -> dict[str, str]:
    """Address of the count cell of each risk summary line (flag key -> 'A12') and of
    the headline count ('headline')."""
    r0 = L.RISK_SUMMARY_ROW
    out = {"headline": f"{RISK_COUNT_COL}{r0}"}
    out.update({key: f"{RISK_COUNT_COL}{r0 + 1 + i}" for i, (key, _, _) in enumerate(RISK_LINES)})
    return out


def risk_text_cell(count_cell: str) -> str:
    """The text cell beside a risk summary count."""
    return RISK_TEXT_COL + count_cell[len(RISK_COUNT_COL):]


#: The two banner lines below the risk summary, as pieces (see RISK_LINES): what every row
#: would otherwise repeat, said once when it applies.
BANNERS: tuple[tuple[str, tuple[object, ...]], ...] = (
    ("recorded", (N, " Market row(s) are a recorded snapshot, not live: refresh before trading")),
    ("mark", (N, " holding(s) valued at the perp's mark: no spot price in the Market table")),
)


def _risk_summary(ws: Worksheet, first: int, last: int) -> None:
    """The few things that need action, counted over the holdings, red when any; then the
    banner lines that replace boilerplate every row would otherwise repeat."""
    r0 = L.RISK_SUMMARY_ROW
    cells = risk_summary_cells()

    def col(key: str) -> str:
        k = L.pcol(key)
        return f"${k}${first}:${k}${last}"

    head = cells["headline"]
    ws[head] = f'=COUNTIF({col("severity")},">=1")'
    ws[risk_text_cell(head)] = (f'=IF({head}>0,"Risk summary: "&{head}&" holding(s) need attention (red in their Warnings)",'
                                f'"Risk summary: nothing needs attention")')
    ws[risk_text_cell(head)].font = S.HEADING_FONT
    for key, some, none in RISK_LINES:
        ref = cells[key]
        ws[ref] = f"=SUM({col(key)})"
        ws[risk_text_cell(ref)] = f"=IF({ref}>0,{line_formula(some, ref)},{line_formula(none, ref)})"
    banner = r0 + 1 + len(RISK_LINES)
    counts = {"recorded": 'SUMPRODUCT((LEFT(MktStatus,8)="recorded")*1)',
              "mark": f'COUNTIF({col("price_source")},"mark")'}
    for i, (key, pieces) in enumerate(BANNERS):
        n = counts[key]
        ws[f"{RISK_TEXT_COL}{banner + i}"] = f'=IF({n}>0,{line_formula(pieces, n)},"")'
    for r in range(r0, banner + len(BANNERS)):
        ws[f"{RISK_COUNT_COL}{r}"].alignment = S.CENTER
        ws[f"{RISK_COUNT_COL}{r}"].font = S.BOLD_FONT
        if r > r0:
            ws[f"{RISK_TEXT_COL}{r}"].font = S.BODY_FONT
    for i in range(len(BANNERS)):
        ws[f"{RISK_TEXT_COL}{banner + i}"].font = S.WARN_FONT
    span = f"{RISK_COUNT_COL}{r0}:{L.pcol('warnings')}{banner - 1}"
    ws.conditional_formatting.add(span, FormulaRule(formula=[f"${RISK_COUNT_COL}${r0}>0"], fill=S.BAD_FILL,
                                                    font=S.RED_FONT, stopIfTrue=True))
    ws.conditional_formatting.add(span, FormulaRule(formula=[f"${RISK_COUNT_COL}${r0}=0"], fill=S.GOOD_FILL))


def write_portfolio(ws: Worksheet, holdings: Sequence[HoldingInput], beta_cells: Mapping[tuple[str, str], str],
                    subtitle: str, n_rows: int) -> None:
    """The sheet, its table ``n_rows`` holding rows long (the holdings first, then blank
    ones); ``beta_cells`` maps (asset, hedge symbol), case-folded, to the formula of its
    pair's β on the Beta sheet, for holdings whose beta comes from there."""
    if n_rows < len(holdings):
        raise ValueError(f"n_rows {n_rows} is fewer than the {len(holdings)} holdings")
    S.title(ws, "Perpetual hedge — portfolio", subtitle)
    _settings(ws)
    _presets(ws)
    hr = L.PORTFOLIO_HEADER_ROW
    first, last = L.PORTFOLIO_FIRST_ROW, L.PORTFOLIO_FIRST_ROW + n_rows - 1
    total_row = last + 1
    _risk_summary(ws, first, last)
    _summary_band(ws, first, last)
    S.header_row(ws, hr, 1, [c.header for c in L.PORTFOLIO_COLUMNS], height=54)
    for i, col in enumerate(L.PORTFOLIO_COLUMNS):
        if col.kind == "input":
            ws.cell(row=hr, column=i + 1).fill = S.HEADER_FILL
    for r in range(first, last + 1):
        formulas = row_formulas(r)
        h = holdings[r - first] if r - first < len(holdings) else None
        values = _inputs(h, beta_cells) if h else {}
        for i, col in enumerate(L.PORTFOLIO_COLUMNS):
            cell = ws.cell(row=r, column=i + 1)
            if col.kind == "input":
                cell.value = values.get(col.key)
                cell.fill = S.INPUT_FILL
            else:
                cell.value = formulas[col.key]
            cell.number_format = col.number_format
            cell.font = S.BODY_FONT
            # a word standing for a number (not priced, below minimum, none) aligns like one
            cell.alignment = (S.TEXT_MIDDLE if col.key in _TEXT_COLUMNS else
                              S.MIDDLE if col.kind == "input" else S.RIGHT)
    ws.cell(row=total_row, column=1, value="Total").font = S.BOLD_FONT
    for i, col in enumerate(L.PORTFOLIO_COLUMNS):
        cell = ws.cell(row=total_row, column=i + 1)
        cell.border = S.TOP_RULE
        if col.total:
            letter = L.pcol(col.key)
            cell.value = f"=SUBTOTAL(109,{letter}{first}:{letter}{last})"
            cell.number_format = col.number_format
            cell.font = S.BOLD_FONT
    lo = L.pcol("left_out")
    out_cell = ws[f"{L.pcol('warnings')}{total_row}"]
    out_cell.value = (f'=IF(SUM({lo}{first}:{lo}{last})>0,"Totals leave out "&SUM({lo}{first}:{lo}{last})&'
                      f'" holding(s) with no price or an invalid input","")')
    out_cell.font = S.RED_FONT
    last_col = L.pcol(L.PORTFOLIO_COLUMNS[-1].key)
    table = Table(displayName=L.PORTFOLIO_TABLE, ref=f"A{hr}:{last_col}{total_row}",
                  totalsRowCount=1)
    # The totals cells hold their own SUBTOTAL formulas; the table only labels the row.
    table.tableColumns = [
        TableColumn(id=i + 1, name=col.header, totalsRowLabel="Total" if i == 0 else None)
        for i, col in enumerate(L.PORTFOLIO_COLUMNS)]
    table.tableStyleInfo = TableStyleInfo(name=S.TABLE_STYLE, showRowStripes=True)
    ws.add_table(table)
    for col in L.PORTFOLIO_COLUMNS:
        dim = ws.column_dimensions[L.pcol(col.key)]
        dim.width = col.width
        if col.kind == "helper":
            dim.hidden = True
        if col.key in L.SUPPORT_COLUMNS:  # an outline group: the [-] above them folds them away
            dim.outlineLevel = 1
    # Three lines of warnings fit each row.
    for r in range(first, last + 1):
        ws[f"{L.pcol('warnings')}{r}"].alignment = S.WRAP_MIDDLE
        ws[f"{L.pcol('asset')}{r}"].font = S.BOLD_FONT
        ws.row_dimensions[r].height = 36
    _validations(ws, first, last)
    _conditional(ws, first, last)
    ws.freeze_panes = f"B{first}"
    ws.sheet_view.zoomScale = 90
    # Page 1: the key columns (a column break after Warnings); then the supporting ones,
    # the header row repeated on each page. Column A is not repeated: its top rows hold the
    # sheet's title, which a narrow repeated column would print clipped.
    S.page_setup(ws, f"A1:{L.pcol(L.SUPPORT_COLUMNS[-1])}{total_row}", title_rows=f"{hr}:{hr}",
                 pages_wide=2)
    # A scale, not fit-to-width: fitting ignores manual breaks. At 64 % each block fits the
    # width of an A4 landscape page (the key columns are the widest, ~170 characters).
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_setup.scale = PRINT_SCALE_PCT
    for key in PAGE_BREAKS_AFTER:
        ws.col_breaks.append(Break(id=L.PORTFOLIO_KEYS.index(key) + 1))
    ws.sheet_properties.outlinePr = Outline(summaryBelow=False, summaryRight=False)


def _inputs(h: HoldingInput, beta_cells: Mapping[tuple[str, str], str]) -> dict[str, object]:
    sheet_beta = beta_cells.get((h.asset.casefold(), h.hedge_symbol.casefold()), BETA_FROM_SHEET)
    return {
        "asset": h.asset,
        "qty": h.qty,
        "hedge_symbol": h.hedge_symbol,
        "exchange": h.exchange,
        "strategy": h.strategy,
        "ratio_in": h.hedge_ratio,
        "leverage": h.leverage,
        "beta": sheet_beta if h.beta_from_sheet else h.beta,  # None: a blank cell
        "held": h.held_contracts,
        "price_symbol": h.price_symbol,
    }
