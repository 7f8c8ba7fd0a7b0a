"""Reading the account for a workbook's Positions sheet: the one routine behind
``perphedge refresh``, ``perphedge positions --workbook`` and the ribbon's Refresh prices.

Per exchange: the open positions (``market.live.positions.Account``), the spot balances of
the hedged coins, the funding the account paid or received on each position, and — where
the venue reports it — a warning about a key that can do more than read. Reconciled with
``plans`` when given (``core.positions.reconcile``); otherwise each line's Status is a
formula over the workbook's own Portfolio (:func:`line_status_formula`), so the sheet
follows the plan as the user edits it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from perphedge.core.conventions import utc_text
from perphedge.core.errors import PerphedgeError
from perphedge.core.positions import (
    NOT_PLANNED,
    SHEET_COLUMNS,
    PlannedHedge,
    Position,
    PositionRow,
    Reconciled,
    key_warning,
    reconcile,
    sheet_rows,
)
from perphedge.ooxml import col_letter

#: Funding history summed by default (days).
DEFAULT_FUNDING_DAYS = 7
#: What a line's Status says when its market is in the Portfolio: the holding's Held from.
IN_PORTFOLIO = "Portfolio: "
NOT_IN_PORTFOLIO = "not in Portfolio"


def _coin(account: Any, ex: str, sym: str) -> str:
    market = account.clients.markets(ex).get(sym) or {}
    return str(market.get("base") or sym.split("/")[0])


def read_account(account: Any, exchanges: Sequence[str], plans: Sequence[PlannedHedge],
                 days: int) -> dict[str, Any]:
    """Everything read from ``exchanges`` (default: the plans', else the default exchange),
    as plain data; reconciled with ``plans`` when there are any."""
    from perphedge.market.live.clients import spot_exchange_for

    default = account.config.default_exchange
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
            "funding": funding, "warnings": warnings}


def sheet_status(data: dict[str, Any], plan: str | None) -> str:
    """The Positions sheet's status line: when, from where, how many, against what plan
    (``plan`` names the holdings file reconciled with; None: the workbook's Portfolio)."""
    against = (f"reconciled with the plan of {plan}" if plan else
               "each Status read against this workbook's Portfolio (its Held from column)")
    status = (f"Read {utc_text(int(time.time() * 1000))} from {', '.join(data['exchanges'])} "
              f"with a read-only key: {len(data['positions'])} open position(s), {against}.")
    if data["warnings"]:
        status += " " + " ".join(f"Warning: {w}" for w in data["warnings"])
    return status


def sheet_lines(data: dict[str, Any], reconciled: bool) -> list[PositionRow]:
    """The Positions sheet's lines of what :func:`read_account` read."""
    held = [Position(**p) for p in data["positions"]]
    return sheet_rows(held, [Reconciled(**r) for r in data["reconciliation"]] if reconciled else None)


def line_status_formula(row: int) -> str:
    """The Status formula (without ``=``) of Positions line ``row`` read with no plan given:
    ``not in Portfolio`` for a market no holding names, else the first such holding's Held
    from (matched, under-hedged, ... or typed). Defined names HoldingKeys and HoldingFrom."""
    fields = [f for f, _ in SHEET_COLUMNS]
    ex, sym = (f"{col_letter(fields.index(f) + 1)}{row}" for f in ("exchange", "symbol"))
    key = f'{ex}&"|"&{sym}'
    return (f'IF(SUMPRODUCT((HoldingKeys={key})*1)=0,"{NOT_IN_PORTFOLIO}",'
            f'IFERROR("{IN_PORTFOLIO}"&INDEX(HoldingFrom,MATCH({key},HoldingKeys,0)),"{IN_PORTFOLIO}"))')


def line_status_value(exchange: object, symbol: object,
                      holdings: Sequence[tuple[object, object]]) -> str:
    """What :func:`line_status_formula` gives on a line of ``exchange`` and ``symbol``, with
    ``holdings`` the (HoldingKeys, HoldingFrom) cells in order: the text of the first holding
    whose key is the line's (Excel compares texts ignoring case)."""
    key = f"{'' if exchange is None else exchange}|{'' if symbol is None else symbol}".casefold()
    for k, held_from in holdings:
        if isinstance(k, str) and k.casefold() == key:
            return IN_PORTFOLIO + ("" if held_from is None else str(held_from))
    return NOT_IN_PORTFOLIO


def is_unplanned(row: PositionRow) -> bool:
    return row.line.status == NOT_PLANNED


@dataclass(frozen=True)
class WorkbookRead:
    """What a refresh writes into a workbook's Positions sheet: the lines (None: the read
    failed and the lines of the last read stay), the status line (None: nothing to write,
    no exchange listed has a key), the exchanges read, and the line the user is told."""

    rows: list[PositionRow] | None
    status: str | None
    read: tuple[str, ...]
    message: str


def read_for_workbook(account: Any, listed: Sequence[str], days: int = DEFAULT_FUNDING_DAYS) -> WorkbookRead | None:
    """Read the positions of the Market table's exchanges ``listed`` that have a read-only
    key, for the Positions sheet. None: nothing to read (offline, or no exchange listed);
    a read that fails keeps the lines and says why in the status line."""
    if account.config.offline or not listed:
        return None
    keyed = [e for e in listed if e in account.config.api_keys]
    if not keyed:
        return WorkbookRead(None, None, (), f"positions: not read (no read-only API key for {', '.join(listed)}; "
                                          f"`perphedge keys set {listed[0]}` lets refresh fill the Positions sheet)")
    try:
        data = read_account(account, keyed, (), days)
    except PerphedgeError as e:
        return WorkbookRead(None, f"Not refreshed {utc_text(int(time.time() * 1000))}: {e}. "
                                  "The lines below are from the last read.", (), f"positions: not read: {e}")
    rows = sheet_lines(data, False)
    return WorkbookRead(rows, sheet_status(data, None), tuple(data["exchanges"]),
                        f"positions: {len(rows)} open on {', '.join(keyed)}, written to the Positions sheet")
