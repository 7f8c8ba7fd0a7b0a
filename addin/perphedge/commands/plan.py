"""``perphedge plan``: size the hedge of holdings given on the command line or in a CSV.

The CSV is the holdings file ``perphedge new --portfolio`` reads
(``template/holdings_csv.py``); each row is priced by the one policy the workbook follows
(``core.holdings.holding_from_market``). A row that gives its price and contract size (and
a cross hedge its perp price) is sized from the file alone; any other row's missing
figures are read from the market as ``perphedge new`` reads them (``--offline``: the
recorded snapshot). ``--holding ASSET:QTY:PRICE:RATIO`` never reads the market: it assumes
contract size 1, no step, no minimum, and says so.

The table and JSON writers here are shared by ``perphedge demo``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import click

from perphedge.commands.output import BadInput
from perphedge.core import validate as v
from perphedge.core.beta import min_variance_hedge
from perphedge.core.conventions import DEFAULT_EXCHANGE
from perphedge.core.errors import HoldingNotPriced, InvalidInput, MarketError
from perphedge.core.holdings import HoldingInput, MarketFigures, holding_from_market, needs_market
from perphedge.core.marketdata import LeverageTier, MarketRow, recorded_note
from perphedge.core.plan import HedgeLine, HedgePlan, Holding, plan_hedge

#: The market figures ``--holding`` assumes, since it gives only a price.
HOLDING_FIGURES = {"contract_size": 1.0, "amount_step": 0.0, "min_amount": 0.0, "min_cost": 0.0,
                   "inverse": False, "mmr": 0.005, "maint_amount": 0.0, "taker_fee": 0.0}
HOLDING_NOTE = ("note: --holding assumes contract size 1, no amount step, no minimum order, linear, "
                "MMR 0.5 %, no maintenance amount, no taker fee; give a --csv with those columns "
                "(or without them, to read the market's)")


class InputError(BadInput):
    """Bad user input: one line on stderr, exit code 2 (as click's usage errors)."""

    exit_code = 2


@dataclass(frozen=True)
class _Item:
    where: str
    holding: HoldingInput
    figures: MarketFigures
    #: (column, text) of the symbols typed, to name the column of one that does not resolve
    symbols: tuple[tuple[str, str], ...] = ()


# ---- parsing -----------------------------------------------------------------------

def parse_holding_spec(spec: str) -> tuple[HoldingInput, MarketFigures]:
    """``ASSET:QTY:PRICE:RATIO[:LEVERAGE]``, e.g. ``BTC:10:50000:0.5`` or ``ETH:2:3000:50%:2``,
    with the figures of ``HOLDING_FIGURES`` assumed (``HOLDING_NOTE`` says so)."""
    where = f"--holding {spec!r}"
    parts = spec.split(":")
    if not 4 <= len(parts) <= 5:
        raise InputError(f"{where}: expected ASSET:QTY:PRICE:RATIO[:LEVERAGE], got {len(parts)} fields")
    try:
        asset = v.text("asset", parts[0])
        qty = v.number_text("qty", parts[1])
        price = v.number_text("price", parts[2])
        ratio = v.ratio_text("hedge_ratio", parts[3])
        leverage = v.leverage_text("leverage", parts[4]) if len(parts) == 5 else 1.0
        holding = HoldingInput(asset, qty, asset, strategy="Custom", hedge_ratio=ratio, leverage=leverage)
        figures = MarketFigures(price=price, **HOLDING_FIGURES)  # type: ignore[arg-type]
    except InvalidInput as e:
        raise InputError(f"{where}: {e}") from None
    return holding, figures


def _csv_items(path: str) -> list[_Item]:
    from perphedge.template.holdings_csv import HoldingsCsvError, read_holdings_file

    try:
        book = read_holdings_file(path)
    except HoldingsCsvError as e:
        raise InputError(str(e)) from None
    return [_Item(f"{path} line {r.line}", r.holding, r.figures,
                  (("hedge_symbol", r.holding.hedge_symbol), ("price_symbol", r.holding.price_symbol or ""),
                   ("asset", r.holding.asset)))
            for r in book.rows]


def price_holdings(items: Sequence[_Item]) -> tuple[list[Holding], list[str]]:
    """Each item as a core Holding (the one pricing policy), reading the market only for
    the items whose figures are not all given; and the notes to print above the plan."""
    from perphedge.template.demo import DEFAULT_MMR

    notes: list[str] = []
    rows: dict[tuple[str, str], MarketRow] = {}
    tiers: dict[tuple[str, str], tuple[LeverageTier, ...]] = {}
    betas: dict[tuple[str, str], float] = {}
    resolved = {i: it.holding for i, it in enumerate(items)}
    need = [i for i, it in enumerate(items) if needs_market(it.holding, it.figures)]
    default_exchange = DEFAULT_EXCHANGE
    if need:
        from perphedge.commands.workbook import market_source
        from perphedge.template.assemble import gather

        source, default_exchange, is_snapshot = market_source(False)
        try:
            inputs = gather([items[i].holding for i in need], source, default_exchange)
        except InvalidInput as e:
            raise InputError(_where(e, [items[i] for i in need])) from None
        except MarketError as e:
            raise InputError(f"market data unavailable: {e} (give price and contract_size in the CSV, "
                             "or run perphedge --offline plan for the recorded snapshot)") from None
        resolved.update(zip(need, inputs.holdings))
        # a cross hedge given no beta: the minimum-variance beta of the same daily prices
        # the workbook's Beta sheet regresses (template.assemble), computed by core.beta
        for b in inputs.beta_series:
            betas[(b.asset.casefold(), b.hedge.casefold())] = min_variance_hedge(
                b.asset_prices, b.hedge_prices).hedge_ratio
        rows = {(r.symbol, r.exchange): r for r in inputs.market_rows}
        tiers = {(t.symbol, t.exchange): t.tiers for t in inputs.tier_tables}
        if is_snapshot:
            notes.append(recorded_note(inputs.market_rows))
        # Funding history is the workbook's, not the plan's: only what changes a figure here.
        notes.extend(f"note: {m}" for m in inputs.messages if not m.startswith("no funding history"))
    out = []
    for i, it in enumerate(items):
        h = resolved[i]
        try:
            out.append(holding_from_market(h, rows, tiers, DEFAULT_MMR, it.figures,
                                           sheet_beta=betas.get((h.asset.casefold(), h.hedge_symbol.casefold())),
                                           default_exchange=default_exchange))
        except (HoldingNotPriced, InvalidInput) as e:
            raise InputError(f"{it.where}: {e}") from None
    return out, notes


def _where(e: InvalidInput, items: Sequence[_Item]) -> str:
    """Name the CSV line and column of a symbol that does not resolve."""
    value = getattr(e, "value", None)
    for it in items:
        for column, text in it.symbols:
            if text and text == value:
                return f"{it.where}, column {column}: {e}"
    return str(e)


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
              help="A holding to hedge, e.g. BTC:10:50000:0.5 (ratio as a fraction or 50%). Repeatable. "
                   "Assumes contract size 1, no step, no minimum (said in the output).")
@click.option("--csv", "csv_path", metavar="FILE",
              help="Holdings CSV, the file `perphedge new --portfolio` reads: asset,qty[,hedge_symbol,"
                   "exchange,strategy,hedge_ratio,leverage,beta,held_contracts,price_symbol] and "
                   "optionally the market figures price,hedge_price,contract_size,amount_step,"
                   "min_amount,min_cost,inverse,mmr,maint_amount,taker_fee; figures not given are "
                   "read from the market (perphedge --offline plan: the recorded snapshot). "
                   "Separator , or ; (then decimal commas).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plan(holding_specs: tuple[str, ...], csv_path: str | None, as_json: bool) -> None:
    """Print the hedge plan: notional, contracts (rounded down to the step), margin and
    isolated liquidation price of the short hedging each holding."""
    items: list[_Item] = []
    notes: list[str] = []
    if csv_path is not None:
        items.extend(_csv_items(csv_path))
    for spec in holding_specs:
        holding, figures = parse_holding_spec(spec)
        items.append(_Item(f"--holding {spec!r}", holding, figures))
    if not items:
        raise InputError("give holdings with --holding ASSET:QTY:PRICE:RATIO[:LEVERAGE] or --csv FILE")
    if holding_specs:
        notes.append(HOLDING_NOTE)
    holdings, market_notes = price_holdings(items)
    echo_plan(plan_hedge(holdings), as_json, notes + market_notes)
