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
from dataclasses import asdict
from typing import Any

import click

from perphedge.core.errors import InvalidInput, MarketError
from perphedge.core.positions import PlannedHedge, Position, Reconciled, key_warning, reconcile

#: Funding history shown by default (days).
DEFAULT_FUNDING_DAYS = 7


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


def _coin(account: Any, ex: str, sym: str) -> str:
    market = account.clients.markets(ex).get(sym) or {}
    return str(market.get("base") or sym.split("/")[0])


def gather(account: Any, exchanges: Sequence[str], portfolio: str | None, days: int) -> dict[str, Any]:
    """Everything the command shows, as plain data."""
    from perphedge.market.live.clients import spot_exchange_for

    default = account.config.default_exchange
    plans, notes = _plans(account, portfolio, default) if portfolio else ([], [])
    wanted = list(dict.fromkeys([e.strip().lower() for e in exchanges] or
                                [p.exchange for p in plans] or [default]))
    positions: list[Position] = []
    balances: list[dict[str, Any]] = []
    funding: list[dict[str, Any]] = []
    warnings: list[str] = []
    # Binance's USDⓈ-M and COIN-M ids share one spot wallet: it is read (and shown) once,
    # for the coins hedged on either
    wallets: dict[str, tuple[str, list[str]]] = {}
    for ex in wanted:
        held = account.positions(ex)
        positions.extend(held)
        coins = wallets.setdefault(spot_exchange_for(ex), (ex, []))[1]
        coins += [_coin(account, ex, p.symbol) for p in held]
        coins += [_coin(account, ex, p.symbol) for p in plans if p.exchange == ex]
        for sym in dict.fromkeys(p.symbol for p in held):  # hedge mode: a long and a short
            paid = account.funding_paid(ex, sym, days)
            funding.append({"exchange": ex, "symbol": sym, "days": days,
                            "settlements": len(paid.payments), "total_settle": paid.total_settle,
                            "truncated": paid.truncated,
                            "payments": [asdict(x) for x in paid.payments]})
        perms = account.key_permissions(ex)
        warning = key_warning(perms) if perms is not None else None
        if warning:
            warnings.append(warning)
    for ex, coins in wallets.values():
        if coins:
            balances.extend(asdict(b) for b in account.spot_balances(ex, coins))
    rows: list[Reconciled] = reconcile(positions, [p for p in plans if p.exchange in wanted]) if plans else []
    return {"exchanges": wanted, "positions": [asdict(p) for p in positions],
            "reconciliation": [asdict(r) for r in rows], "spot_balances": balances,
            "funding": funding, "warnings": warnings, "notes": notes}


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
    from perphedge.core.positions import sheet_rows
    from perphedge.files.positions import PositionsNotWritten, write_positions

    held = [Position(**p) for p in data["positions"]]
    rows = sheet_rows(held, [Reconciled(**r) for r in data["reconciliation"]] if portfolio else None)
    try:
        write_positions(workbook, rows, sheet_status(data, portfolio))
    except PositionsNotWritten as e:
        raise AccountFailed(str(e)) from None


def sheet_status(data: dict[str, Any], portfolio: str | None) -> str:
    """The Positions sheet's status line: when, from where, how many, against what plan."""
    import time

    from perphedge.core.conventions import utc_text

    plan = (f"against the plan of {portfolio}" if portfolio else
            "no plan given (--portfolio holdings.csv): statuses say open")
    status = (f"Read {utc_text(int(time.time() * 1000))} from {', '.join(data['exchanges'])} "
              f"with a read-only key: {len(data['positions'])} open position(s), {plan}.")
    if data["warnings"]:
        status += " " + " ".join(f"Warning: {w}" for w in data["warnings"])
    return status
