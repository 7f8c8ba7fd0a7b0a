"""The Excel functions (DESIGN §4), as xlwings user-defined functions.

Each function is a thin wrapper: read the cells (``convert``), call ``core`` or the
market service, and hand back a number, text or a list of rows that spills. Names,
argument docs and defaults come from ``perphedge.catalogue``; :func:`_excel` checks each function's
signature against it and applies the xlwings decorators, so the function wizard's docs
live in one place while Excel's *Import Functions* still finds ordinary module-level
functions here.

Importing this module loads xlwings and ``perphedge.core`` only: the market layer (and
with it ccxt) is imported the first time a live function runs, and numpy the first time
HEDGE_BETA runs.
"""

from __future__ import annotations

import inspect
import operator
import time
from collections.abc import Callable
from typing import Any, TypeVar

import xlwings as xw

from perphedge import catalogue
from perphedge.core import basis as _basis
from perphedge.core import contracts as _contracts
from perphedge.core import funding as _funding
from perphedge.core import liquidation as _liquidation
from perphedge.core import margin as _margin
from perphedge.core import margin_rules as _margin_rules
from perphedge.core import pnl as _pnl
from perphedge.core import rebalance as _rebalance
from perphedge.core import scenarios as _scenarios
from perphedge.core import sizing as _sizing
from perphedge.core.conventions import DEFAULT_INTERVAL_HOURS
from perphedge.core.errors import DataUnavailable, InvalidInput
from perphedge.excel import convert as cv
from perphedge.excel.errors import excel_safe

F = TypeVar("F", bound=Callable[..., Any])


def _excel(func: F) -> F:
    """Make ``func`` the Excel function of the same name in the catalogue."""
    spec = catalogue.spec(func.__name__)
    params = list(inspect.signature(func).parameters.values())
    if [p.name for p in params] != list(spec.arg_names):
        raise TypeError(f"{spec.name}: arguments {[p.name for p in params]} differ from the "
                        f"catalogue's {list(spec.arg_names)}")
    for p, a in zip(params, spec.args):
        has_default = p.default is not inspect.Parameter.empty
        if has_default == a.required or (has_default and p.default != a.default):
            raise TypeError(f"{spec.name}: default of {a.name} differs from the catalogue")
    func.__doc__ = spec.doc
    wrapped = excel_safe(func)
    # xlwings reads the docstring and the arguments when the first of its decorators
    # runs, and every @xw.arg resets the category, so @xw.func(category=...) goes last.
    for a in spec.args:
        options: dict[str, Any] = {"doc": a.doc, "err_to_str": True}
        if a.range:
            options["ndim"] = 2
        wrapped = xw.arg(a.name, **options)(wrapped)
    # Tables are plain lists of rows: Excel's native dynamic arrays spill them. (xlwings'
    # expand="table" is its emulation for Excel versions without dynamic arrays, and its
    # documentation warns against it where they exist.)
    # call_in_wizard stays True for every function, live ones included: with False xlwings
    # writes an early `Exit Function` into the VBA for whenever Excel's toolbar is disabled,
    # which it also is while a workbook opens, so a live cell would keep a silent 0 (not
    # volatile, nothing recalculates it) until the user forces a full recalculation.
    return xw.func(category=catalogue.CATEGORY, call_in_wizard=True)(wrapped)


_DEFAULT_SHOCKS = _scenarios.DEFAULT_SHOCKS
_SCENARIO_HEADER = catalogue.spec("HEDGE_SCENARIOS").columns


# -- sizing and costs ---------------------------------------------------------------


@_excel
def HEDGE_SIZE(spot_value, hedge_ratio):
    return _sizing.hedge_notional(cv.number("spot_value", spot_value),
                                  cv.number("hedge_ratio", hedge_ratio))


@_excel
def HEDGE_CONTRACTS(notional, price, contract_size=1.0, amount_step=0.0, min_amount=0.0,
                    inverse=False, min_cost=0.0):
    return _contracts.contracts_for_notional(
        cv.number("notional", notional),
        cv.number("price", price),
        cv.number("contract_size", contract_size, 1.0),
        cv.number("amount_step", amount_step, 0.0),
        cv.number("min_amount", min_amount, 0.0),
        cv.boolean("inverse", inverse, False),
        cv.number("min_cost", min_cost, 0.0),
    )


@_excel
def HEDGE_MARGIN(notional, leverage):
    return _margin.initial_margin(cv.number("notional", notional),
                                  cv.number("leverage", leverage))


@_excel
def HEDGE_LIQ_PRICE(entry_price, qty, margin, mmr=0.005, maint_amount=0.0, inverse=False,
                    exchange=None, fee_rate=None):
    inv = cv.boolean("inverse", inverse, False)
    rule = _margin_rules.rule_for(cv.text("exchange", exchange, None), inv)
    if rule.default:  # a number with no way to say beside it that it is Binance's rule
        raise InvalidInput("exchange", exchange, "has no known liquidation rule here: use one of "
                           + ", ".join(sorted({x for r in _margin_rules.RULES for x in r.exchanges})))
    fee = cv.number("fee_rate", fee_rate, None)
    if fee is None and rule.fee_in_maintenance:
        raise InvalidInput("fee_rate", fee_rate, f"is needed: {rule.name} counts the taker fee in its "
                           "liquidation condition")
    return _liquidation.liquidation_price_short(
        cv.number("entry_price", entry_price),
        cv.number("qty", qty),
        cv.number("margin", margin),
        cv.number("mmr", mmr, 0.005),
        cv.number("maint_amount", maint_amount, 0.0),
        inv, rule=rule, fee_rate=fee or 0.0,
    )


@_excel
def HEDGE_PNL(spot_qty, entry_price, new_price, hedge_ratio, funding_pnl=0.0, fees=0.0):
    r = _pnl.hedge_pnl(
        cv.number("spot_qty", spot_qty),
        cv.number("entry_price", entry_price),
        cv.number("new_price", new_price),
        cv.number("hedge_ratio", hedge_ratio),
        cv.number("funding_pnl", funding_pnl, 0.0),
        cv.number("fees", fees, 0.0),
    )
    return cv.row((r.spot_pnl, r.hedge_pnl, r.funding_and_fees, r.net))


@_excel
def HEDGE_SCENARIOS(spot_qty, price, hedge_ratio, shocks=None, rate_per_interval=0.0,
                    days=0.0, interval_hours=DEFAULT_INTERVAL_HOURS, fee_rate=0.0,
                    leverage=None, beta=1.0, inverse=False, mmr=0.005, exchange=None):
    inv = cv.boolean("inverse", inverse, False)
    lev = cv.number("leverage", leverage, None)
    venue = cv.text("exchange", exchange, None)
    if lev is not None and _margin_rules.rule_for(venue, inv).default:
        # a liquidation by a rule the cell cannot name beside its numbers
        raise InvalidInput("exchange", exchange, "has no known liquidation rule here: use one of "
                           + ", ".join(sorted({x for r in _margin_rules.RULES for x in r.exchanges})))
    # The liquidation price comes from leverage and mmr alone (maintenance amount 0), so
    # its distance does not depend on the perp's own price: a cross hedge needs no second
    # price here.
    rows = _scenarios.scenario_table(
        cv.number("spot_qty", spot_qty),
        cv.number("price", price),
        cv.number("hedge_ratio", hedge_ratio),
        cv.numbers("shocks", shocks, _DEFAULT_SHOCKS),
        cv.number("rate_per_interval", rate_per_interval, 0.0),
        cv.number("days", days, 0.0),
        cv.number("interval_hours", interval_hours, DEFAULT_INTERVAL_HOURS),
        cv.number("fee_rate", fee_rate, 0.0),
        leverage=lev,
        beta=cv.number("beta", beta, 1.0),
        inverse=inv,
        mmr=cv.number("mmr", mmr, 0.005),
        exchange=venue,
    )
    # core returns plain floats, so the rows go out as they are (no per-cell conversion);
    # liquidated as 1/0, the count the Scenarios sheet shows for a whole portfolio
    return [list(_SCENARIO_HEADER)] + [
        [r.shock, r.price, r.spot_pnl, r.hedge_pnl, r.funding, r.fees, r.net, r.unhedged_value,
         1 if r.liquidated else 0]
        for r in rows]


@_excel
def FUNDING_APR(rate_per_interval, interval_hours=DEFAULT_INTERVAL_HOURS):
    return _funding.funding_apr(cv.number("rate_per_interval", rate_per_interval),
                                cv.number("interval_hours", interval_hours, DEFAULT_INTERVAL_HOURS))


@_excel
def FUNDING_DRAG(notional, rate_per_interval, days, interval_hours=DEFAULT_INTERVAL_HOURS):
    return _funding.funding_pnl_short(cv.number("notional", notional),
                                      cv.number("rate_per_interval", rate_per_interval),
                                      cv.number("days", days),
                                      cv.number("interval_hours", interval_hours, DEFAULT_INTERVAL_HOURS))


@_excel
def BASIS(perp_price, spot_price):
    return _basis.basis_pct(cv.number("perp_price", perp_price),
                            cv.number("spot_price", spot_price))


@_excel
def HEDGE_BETA(asset_prices, hedge_prices):
    from perphedge.core import beta  # numpy: loaded when the first regression runs

    r = beta.min_variance_hedge(*cv.paired_numbers("asset_prices", asset_prices,
                                                   "hedge_prices", hedge_prices))
    return cv.row((r.hedge_ratio, r.correlation, r.r_squared))


@_excel
def REBALANCE(spot_qty, price, target_ratio, short_contracts, contract_size=1.0, band=0.05,
              amount_step=0.0, inverse=False):
    return _rebalance.rebalance_contracts(
        cv.number("spot_qty", spot_qty),
        cv.number("price", price),
        cv.number("target_ratio", target_ratio),
        cv.number("short_contracts", short_contracts),
        cv.number("contract_size", contract_size, 1.0),
        cv.number("band", band, 0.05),
        cv.boolean("inverse", inverse, False),
        cv.number("amount_step", amount_step, 0.0),
    )


# -- live market data -----------------------------------------------------------------


def _market(symbol: Any, exchange: Any) -> tuple[Any, str, str | None]:
    """The process-wide market service (built with the cell's short timeout and no
    retries, see ``excel.cellbudget``) and the cleaned symbol and exchange."""
    sym = cv.text("symbol", symbol)
    ex = cv.text("exchange", exchange, None)
    from perphedge.excel.cellbudget import cell_market_config
    from perphedge.market.live.service import get_service  # ccxt stays out until needed

    return get_service(cell_market_config), sym, ex


def _present(value: float | None, what: str, symbol: str, exchange: str) -> float:
    # An exchange that does not publish a figure gets a message, never a made-up 0.
    if value is None:
        raise DataUnavailable(f"no {what} for {symbol} on {exchange}", exchange)
    return value


@_excel
def SPOT_PRICE(symbol, exchange=None):
    svc, sym, ex = _market(symbol, exchange)
    return _present(svc.spot_price(sym, ex).value, "spot price", sym, ex or "the default exchange")


# Mark and index come from the batched answer FUNDING_RATE reads anyway (where it carries
# them): a sheet of mark, index and funding cells asks no perp ticker at all.
@_excel
def MARK_PRICE(symbol, exchange=None):
    svc, sym, ex = _market(symbol, exchange)
    t = svc.mark_index(sym, ex).value
    return _present(t.mark_price, "mark price", t.symbol, t.exchange)


@_excel
def INDEX_PRICE(symbol, exchange=None):
    svc, sym, ex = _market(symbol, exchange)
    t = svc.mark_index(sym, ex).value
    return _present(t.index_price, "index price", t.symbol, t.exchange)


@_excel
def FUNDING_RATE(symbol, exchange=None):
    svc, sym, ex = _market(symbol, exchange)
    return svc.funding(sym, ex).value.rate_per_interval


@_excel
def FUNDING_INTERVAL(symbol, exchange=None):
    svc, sym, ex = _market(symbol, exchange)
    return svc.funding(sym, ex).value.interval_hours


@_excel
def FUNDING_HISTORY(symbol, days=30.0, exchange=None):
    svc, sym, ex = _market(symbol, exchange)
    n_days = cv.whole("days", days, 30, minimum=1)
    points = sorted(svc.funding_history(sym, n_days, ex).value, key=_BY_TIME)
    if not points:
        raise DataUnavailable(f"no funding settlements for {sym} in the last {n_days} days", ex)
    times = tuple(p.time_ms for p in points)
    # Each rate is per its own interval, the time since the settlement before it (the first
    # row's: the gap to the next), so a market whose interval changed is annualised row by
    # row; the exchange's current interval is the fallback for a single settlement.
    hours = _history_interval(times)
    if hours is None:
        hours = _funding.settlement_intervals(times, svc.funding(sym, ex).value.interval_hours)
    per_year = {h: _funding.funding_apr(1.0, h) for h in set(hours)}  # rate × (24 / h) × 365
    return [list(_HISTORY_HEADER)] + [
        [cv.excel_datetime(p.time_ms), p.rate_per_interval, p.rate_per_interval * per_year[h]]
        for p, h in zip(points, hours)]


_BY_TIME = operator.attrgetter("time_ms")
_HISTORY_HEADER = catalogue.spec("FUNDING_HISTORY").columns
_interval_memo: dict[tuple[int, ...], tuple[float, ...] | None] = {}


def _history_interval(times: tuple[int, ...]) -> tuple[float, ...] | None:
    # A sheet recalculates the same cached history many times; work its intervals out once.
    # None: a single settlement, whose interval the history cannot show.
    if times not in _interval_memo:
        if len(_interval_memo) > 256:
            _interval_memo.clear()
        _interval_memo[times] = _funding.settlement_intervals(times) if len(times) > 1 else None
    return _interval_memo[times]


@_excel
def CONTRACT_SPEC(symbol, exchange=None):
    svc, sym, ex = _market(symbol, exchange)
    s = svc.contract_spec(sym, ex).value
    return cv.row((s.contract_size, s.amount_step, s.min_amount,
                   "inverse" if s.inverse else "linear", s.settle, s.taker_fee))


@_excel
def MARKET_STATUS(symbol, exchange=None):
    svc, sym, ex = _market(symbol, exchange)
    st = svc.status(sym, ex)
    when = None if st.undated else cv.excel_datetime(st.as_of_ms)   # no date is shown as none
    return cv.row((st.source, when, st.text(_now_ms())))


def _now_ms() -> int:
    """Now, for the age a stale status shows (tests pin it to their recorded clock)."""
    return int(time.time() * 1000)


# -- the account, read only ------------------------------------------------------------------

_POSITION_COLUMNS = catalogue.spec("POSITION").columns


@_excel
def POSITION(symbol, exchange=None):
    svc, sym, ex = _market(symbol, exchange)
    held = svc.positions(ex)
    unified = svc.resolve(sym, ex)
    found = [p for p in held.value if p.symbol == unified]
    status = held.status.text(_now_ms())
    if not found:  # nothing open is a position of 0, said in words
        return cv.row((0.0, "no position") + (None,) * (len(_POSITION_COLUMNS) - 3) + (status,))
    # hedge mode can hold a long and a short: one row each
    return [cv.row((p.contracts, "short" if p.contracts < 0 else "long", p.entry_price, p.mark_price,
                    p.notional_settle, f"{p.margin_mode}, hedge mode" if p.hedge_mode else p.margin_mode,
                    p.isolated_margin, p.leverage, p.unrealized_pnl, p.liquidation_price, status))[0]
            for p in found]


@_excel
def FUNDING_PAID(symbol, days=7.0, exchange=None):
    svc, sym, ex = _market(symbol, exchange)
    n_days = cv.whole("days", days, 7, minimum=1)
    paid = svc.funding_paid(sym, n_days, ex).value
    if paid.truncated:
        raise DataUnavailable(f"{paid.exchange} funding history of {paid.symbol} is longer than "
                              f"perphedge pages through: ask fewer than {n_days} days", paid.exchange)
    return paid.total_settle
