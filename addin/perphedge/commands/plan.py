"""``perphedge plan``: size the hedge of holdings given on the command line or in a CSV.

The table and JSON writers here are shared by ``perphedge demo``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import Any

import click

from perphedge.core.errors import InvalidInput
from perphedge.core.plan import HedgeLine, HedgePlan, Holding, plan_hedge

REQUIRED_COLUMNS = ("asset", "qty", "price", "hedge_ratio")
OPTIONAL_COLUMNS = ("leverage", "contract_size", "amount_step", "min_amount", "inverse",
                    "mmr", "maint_amount", "min_cost", "exchange", "taker_fee")
_TRUE = {"true", "yes", "y", "1", "inverse"}
_FALSE = {"false", "no", "n", "0", "linear", ""}


class InputError(click.ClickException):
    """Bad user input: one line on stderr, exit code 2 (as click's usage errors)."""

    exit_code = 2


# ---- parsing -----------------------------------------------------------------------

def _number(where: str, column: str, text: str) -> float:
    raw = text.strip()
    scale = 1.0
    if column == "hedge_ratio" and raw.endswith("%"):
        raw, scale = raw[:-1].strip(), 0.01  # "50%" is the fraction 0.5
    try:
        return float(raw) * scale
    except ValueError:
        raise InputError(f"{where}: {column} must be a number, got {text!r}") from None


def _flag(where: str, column: str, text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InputError(f"{where}: {column} must be true or false, got {text!r}")


def _holding(where: str, fields: dict[str, str]) -> Holding:
    kwargs: dict[str, Any] = {}
    for column, text in fields.items():
        if column == "asset":
            kwargs[column] = text
        elif column == "exchange":
            if text.strip():
                kwargs[column] = text.strip()
        elif column == "inverse":
            kwargs[column] = _flag(where, column, text)
        elif text.strip() == "" and column in OPTIONAL_COLUMNS:
            continue  # empty optional cell: the default
        else:
            kwargs[column] = _number(where, column, text)
    try:
        return Holding(**kwargs)
    except InvalidInput as e:
        raise InputError(f"{where}: {e}") from None


def parse_holding_spec(spec: str) -> Holding:
    """``ASSET:QTY:PRICE:RATIO[:LEVERAGE]``, e.g. ``BTC:10:50000:0.5`` or ``ETH:2:3000:50%:2``."""
    where = f"--holding {spec!r}"
    parts = spec.split(":")
    if not 4 <= len(parts) <= 5:
        raise InputError(f"{where}: expected ASSET:QTY:PRICE:RATIO[:LEVERAGE], got {len(parts)} fields")
    names = ("asset", "qty", "price", "hedge_ratio", "leverage")
    return _holding(where, dict(zip(names, parts)))


def read_holdings_csv(path: str) -> list[Holding]:
    """Holdings from a CSV with a header row (see REQUIRED_COLUMNS / OPTIONAL_COLUMNS)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise InputError(f"--csv {path}: cannot read the file ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise InputError(f"--csv {path}: not a UTF-8 text file") from None
    if not rows:
        raise InputError(f"--csv {path}: the file is empty")
    header = [h.strip().lower() for h in rows[0]]
    for column in header:
        if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            raise InputError(f"{path} line 1: unknown column {column!r} "
                             f"(columns: {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)})")
    if len(set(header)) != len(header):
        raise InputError(f"{path} line 1: a column appears twice")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(f"{path} line 1: missing column {', '.join(missing)}")
    holdings = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise InputError(f"{path} line {number}: {len(row)} cells but {len(header)} columns")
        cells = dict(zip(header, row + [""] * (len(header) - len(row))))
        for column in REQUIRED_COLUMNS:
            if not cells[column].strip():
                raise InputError(f"{path} line {number}, column {column}: missing value")
        holdings.append(_holding(f"{path} line {number}", cells))
    if not holdings:
        raise InputError(f"--csv {path}: no holdings in the file")
    return holdings


# ---- output ------------------------------------------------------------------------

def _qty(x: float) -> str:
    text = f"{x:,.8f}".rstrip("0").rstrip(".")
    return text or "0"


def _money(x: float) -> str:
    return f"{x:,.2f}"


def _price(x: float) -> str:
    # Sub-dollar prices keep six significant digits (a $0.0001 token is not "0.00").
    return _money(x) if x >= 1 else f"{x:.6g}"


def _pct(x: float, signed: bool = False) -> str:
    return f"{x * 100:+.2f}%" if signed else f"{x * 100:.2f}%".replace(".00%", "%")


def _never(line: HedgeLine) -> bool:
    return line.contracts > 0 and line.liq_price is None and any(
        w.startswith("never liquidated") for w in line.warnings)


COLUMNS = ("asset", "qty", "price", "spot value", "hedge", "notional", "contracts",
           "hedged", "margin", "lev", "liq price", "distance", "warnings")
_LEFT = {"asset", "warnings"}


def _row(line: HedgeLine) -> list[str]:
    h = line.holding
    if line.liq_price is not None:
        liq, dist = _price(line.liq_price), _pct(line.liq_distance or 0.0, signed=True)
    elif _never(line):
        liq, dist = "never", "-"
    else:
        liq, dist = "-", "-"
    hedge = _pct(h.hedge_ratio)
    if h.beta != 1.0 or h.hedge_price != h.price:
        # A cross hedge: sized at the beta, priced (and liquidated) at the perp's price.
        hedge += f" x b{h.beta:.2f} @ {_price(h.hedge_price)}"
    return [h.asset, _qty(h.qty), _price(h.price), _money(line.spot_value), hedge,
            _money(line.notional), _qty(line.contracts), _money(line.hedged_notional),
            _money(line.margin), f"{h.leverage:g}x", liq, dist, "; ".join(line.warnings)]


def format_plan_table(plan: HedgePlan) -> str:
    """An aligned text table of the plan, one line per holding, then the totals."""
    body = [_row(line) for line in plan.lines]
    totals = ["TOTAL", "", "", _money(plan.total_spot_value), "", _money(plan.total_notional), "",
              _money(plan.total_hedged_notional), _money(plan.total_margin), "", "", "", ""]
    table = [list(COLUMNS)] + body + [totals]
    widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS))]

    def render(cells: Sequence[str]) -> str:
        out = [c.ljust(w) if name in _LEFT else c.rjust(w)
               for c, w, name in zip(cells, widths, COLUMNS)]
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths).rstrip()
    lines = [render(table[0]), rule] + [render(r) for r in body] + [rule, render(totals)]
    return "\n".join(lines)


def plan_as_dict(plan: HedgePlan) -> dict[str, Any]:
    """The plan as plain JSON-ready data (None for an absent liquidation price)."""
    lines = []
    for line in plan.lines:
        h = line.holding
        lines.append({
            "asset": h.asset, "qty": h.qty, "price": h.price, "hedge_ratio": h.hedge_ratio,
            "leverage": h.leverage, "contract_size": h.contract_size,
            "amount_step": h.amount_step, "min_amount": h.min_amount,
            "min_cost": h.min_cost, "inverse": h.inverse, "exchange": h.exchange,
            "taker_fee": h.taker_fee,
            "mmr": h.mmr, "maint_amount": h.maint_amount,
            "beta": h.beta, "hedge_price": h.hedge_price,
            "spot_value": line.spot_value, "notional": line.notional,
            "contracts": line.contracts, "hedged_notional": line.hedged_notional,
            "margin": line.margin, "liq_price": line.liq_price,
            "liq_distance": line.liq_distance, "leverage_warning": line.leverage_warning,
            "warnings": list(line.warnings),
        })
    return {"lines": lines,
            "totals": {"spot_value": plan.total_spot_value, "notional": plan.total_notional,
                       "hedged_notional": plan.total_hedged_notional,
                       "margin": plan.total_margin}}


def echo_plan(plan: HedgePlan, as_json: bool, notes: Iterable[str] = ()) -> None:
    """Print the plan as a table (notes above it) or as JSON (notes under ``notes``)."""
    notes = list(notes)
    if as_json:
        data = plan_as_dict(plan)
        if notes:
            data["notes"] = notes
        click.echo(json.dumps(data, indent=2, allow_nan=False))
        return
    for note in notes:
        click.echo(note)
    if notes:
        click.echo("")
    click.echo(format_plan_table(plan))


@click.command("plan")
@click.option("--holding", "holding_specs", multiple=True, metavar="ASSET:QTY:PRICE:RATIO[:LEVERAGE]",
              help="A holding to hedge, e.g. BTC:10:50000:0.5 (ratio as a fraction or 50%). Repeatable.")
@click.option("--csv", "csv_path", metavar="FILE",
              help="CSV of holdings: asset,qty,price,hedge_ratio[,leverage,contract_size,"
                   "amount_step,min_amount,inverse,mmr,maint_amount,min_cost,exchange,taker_fee]; "
                   "min_cost is the market's minimum order value in quote currency; exchange "
                   "picks the venue's liquidation rule (default Binance's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plan(holding_specs: tuple[str, ...], csv_path: str | None, as_json: bool) -> None:
    """Print the hedge plan: notional, contracts (rounded down to the step), margin and
    isolated liquidation price of the short hedging each holding."""
    holdings: list[Holding] = []
    if csv_path is not None:
        holdings.extend(read_holdings_csv(csv_path))
    holdings.extend(parse_holding_spec(s) for s in holding_specs)
    if not holdings:
        raise InputError("give holdings with --holding ASSET:QTY:PRICE:RATIO[:LEVERAGE] or --csv FILE")
    echo_plan(plan_hedge(holdings), as_json)
