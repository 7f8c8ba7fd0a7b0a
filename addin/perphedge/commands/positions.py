"""``perphedge positions``: what is really open on the exchanges, read only, beside the plan.

For each exchange: the open positions (``market.live.positions``), the spot balances of the
hedged coins, the funding the account paid or received on each position over ``--days``,
and — where the venue reports it — a warning about a key that can do more than read. With
``--portfolio`` (the holdings CSV ``perphedge plan --csv`` reads) each holding's planned
short is reconciled with what is open (``core.positions.reconcile``): actual vs target
ratio, contracts to trade, the exchange's liquidation price beside perphedge's.

Nothing is written anywhere; a failure prints one line naming the venue and what to do,
and exits 1 with nothing on standard output.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from perphedge.core.errors import InvalidInput, MarketError
from perphedge.core.positions import PlannedHedge
from perphedge.refresh.positions import DEFAULT_FUNDING_DAYS


class AccountFailed(click.ClickException):
    """An exchange could not be read: one line on stderr, exit code 1."""

    exit_code = 1


def make_account() -> Any:
    """The account reader over the user's settings and keys (tests install a stand-in)."""
    from perphedge.market.config import MarketConfig
    from perphedge.market.live.clients import ClientPool
    from perphedge.market.live.positions import Account

    config = MarketConfig.from_env()
    return Account(config, ClientPool(config))


def _plans(account: Any, portfolio: str, default_exchange: str) -> tuple[list[PlannedHedge], list[str]]:
    from perphedge.commands.plan import _csv_items, price_holdings
    from perphedge.core.plan import plan_hedge
    from perphedge.market import symbols

    items = _csv_items(portfolio)
    holdings, notes = price_holdings(items)
    plans = []
    for item, line in zip(items, plan_hedge(holdings).lines):
        h = line.holding
        ex = (item.holding.exchange or h.exchange or default_exchange).strip().lower()
        try:
            sym = symbols.resolve_perp(account.clients.markets(ex), item.holding.hedge_symbol, ex)
        except InvalidInput as e:
            raise AccountFailed(f"{item.where}, column hedge_symbol: {e}") from None
        plans.append(PlannedHedge(ex, sym, line.contracts, h.hedge_ratio, h.amount_step, h.mmr,
                                  h.maint_amount))
    return plans, notes


def gather(account: Any, exchanges: Sequence[str], portfolio: str | None, days: int) -> dict[str, Any]:
    """Everything the command shows, as plain data."""
    from perphedge.refresh.positions import read_account

    plans, notes = _plans(account, portfolio, account.config.default_exchange) if portfolio else ([], [])
    return {**read_account(account, exchanges, plans, days), "notes": notes}


def _num(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:,.8g}"
    return str(x)


def _table(rows: list[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> list[str]:
    cells = [[title for _, title in columns]] + [[_num(r.get(k)) for k, _ in columns] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(columns))]
    out = ["  ".join(c.ljust(w) for c, w in zip(cells[0], widths)).rstrip(),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells[1:]]
    return out


def format_text(data: dict[str, Any]) -> str:
    lines = [f"warning: {w}" for w in data["warnings"]] + [str(n) for n in data["notes"]]
    lines.append(f"Positions on {', '.join(data['exchanges'])}:")
    if data["positions"]:
        lines += _table(data["positions"], (
            ("exchange", "exchange"), ("symbol", "symbol"), ("contracts", "contracts"),
            ("contract_size", "size"), ("entry_price", "entry"), ("mark_price", "mark"),
            ("notional_settle", "notional"), ("margin_mode", "mode"), ("hedge_mode", "hedge mode"),
            ("isolated_margin", "isolated margin"), ("leverage", "lev"),
            ("unrealized_pnl", "uPnL"), ("liquidation_price", "liq (exchange)")))
    else:
        lines.append("(none open)")
    if data["reconciliation"]:
        lines += ["", "Against the plan:"] + _table(data["reconciliation"], (
            ("symbol", "symbol"), ("status", "status"), ("held_contracts", "held"),
            ("target_contracts", "target"), ("contracts_to_trade", "to sell (+) / buy (-)"),
            ("actual_ratio", "actual ratio"), ("margin_label", "margin"),
            ("exchange_liquidation_price", "liq (exchange)"),
            ("perphedge_liquidation_price", "liq (perphedge)"), ("liquidation_flag", "flag")))
    if data["spot_balances"]:
        lines += ["", "Spot balances:"] + _table(data["spot_balances"], (
            ("exchange", "exchange"), ("coin", "coin"), ("free", "free"), ("used", "in orders"),
            ("total", "total")))
    if data["funding"]:
        lines += ["", "Funding received (+) or paid (-):"] + _table(
            [{**f, "truncated": "partial: page bound reached" if f["truncated"] else ""}
             for f in data["funding"]],
            (("exchange", "exchange"), ("symbol", "symbol"), ("days", "days"),
             ("settlements", "settlements"), ("total_settle", "total (settle currency)"),
             ("truncated", "")))
    return "\n".join(lines)


@click.command("positions")
@click.option("--exchange", "exchanges", multiple=True, metavar="ID",
              help="Exchange to read (repeatable; default: the portfolio's, else the default exchange).")
@click.option("--portfolio", metavar="FILE",
              help="Holdings CSV (the file `perphedge plan --csv` reads) to reconcile with.")
@click.option("--days", default=DEFAULT_FUNDING_DAYS, show_default=True, type=click.IntRange(1, 1000),
              help="Funding history to sum, in days.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option("--workbook", metavar="FILE.xlsx",
              help="Also write the positions into this workbook's Positions sheet.")
def positions(exchanges: tuple[str, ...], portfolio: str | None, days: int, as_json: bool,
              workbook: str | None) -> None:
    """Read open positions, spot balances and funding paid from the exchanges (read only,
    with the key `perphedge keys set` stored) and reconcile them with the plan."""
    account = make_account()
    try:
        data = gather(account, exchanges, portfolio, days)
    except MarketError as e:
        raise AccountFailed(str(e)) from None
    except InvalidInput as e:
        raise AccountFailed(str(e)) from None
    if workbook:
        _write_sheet(workbook, data, portfolio)
    click.echo(json.dumps(data, indent=2, allow_nan=False) if as_json else format_text(data))


def _write_sheet(workbook: str, data: dict[str, Any], portfolio: str | None) -> None:
    from perphedge.commands.refresh import say_cached
    from perphedge.files.positions import PositionsNotWritten, write_positions
    from perphedge.refresh.positions import sheet_lines, sheet_status
    from perphedge.template.recache import CachedValuesPass

    cache = CachedValuesPass()   # the Portfolio's saved values follow the lines written
    try:
        write_positions(workbook, sheet_lines(data, bool(portfolio)), sheet_status(data, portfolio),
                        data["exchanges"], finish=cache)
    except PositionsNotWritten as e:
        raise AccountFailed(str(e)) from None
    say_cached(cache)
