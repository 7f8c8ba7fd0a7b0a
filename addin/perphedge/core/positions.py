"""An exchange position and its reconciliation with the Portfolio's plan, stated once.

Units and signs as :mod:`perphedge.core.conventions`: ``contracts`` is signed (a short is
negative), ``contract_size`` base units per contract (linear) or USD per contract (inverse),
prices quote per base, ``isolated_margin`` in the settle currency.

Reconciliation, per hedge market (exchange, symbol):

- **Held** is the short contracts open there (a long counts against the hedge).
- **Contracts to trade** = target − held: positive means sell more, negative buy back.
- **Status**: ``matched`` when the gap is under one amount step, else ``under-hedged`` or
  ``over-hedged``; ``not in Portfolio`` for a position no holding plans; ``no position`` for a
  planned hedge with nothing open.
- **Liquidation**: perphedge's isolated-short price (``core.liquidation`` with the venue's rule)
  beside the exchange's, flagged when they differ by more than :data:`LIQUIDATION_TOLERANCE`
  (a difference means a wrong tier, mode or rule). Cross-margin and hedge-mode positions are
  labelled and the isolated formula is not applied: a cross position's liquidation depends on
  the whole account's equity, which no single row holds. A venue that does not report the
  margin mode (ccxt gives Bybit's as None since Bybit retired ``tradeMode``) is labelled
  ``margin mode not reported`` and treated as not isolated.

Funding actually paid: ``amount_settle`` is signed from the account's side, a payment
*received* positive (the convention of a short hedge receiving ``notional × rate``).

Key permissions: a key that can trade or withdraw, or is not IP-restricted, gets
:func:`key_warning` (perphedge only reads; a read-only IP-restricted key is all it needs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from perphedge.core.contracts import qty_for_contracts
from perphedge.core.errors import InvalidInput
from perphedge.core.liquidation import liquidation_price_short, rule_for_exchange
from perphedge.core.margin_rules.rule import NeverLiquidated

#: Relative gap between the exchange's and perphedge's liquidation price above which the row
#: is flagged: 0.5 % of the exchange's price, wider than rounding of a published price.
LIQUIDATION_TOLERANCE = 0.005

ISOLATED, CROSS = "isolated", "cross"
#: The label of a position whose venue does not say its margin mode.
MODE_NOT_REPORTED = "margin mode not reported"
MATCHED, UNDER, OVER = "matched", "under-hedged", "over-hedged"
UNKNOWN, NO_POSITION = "not in Portfolio", "no position"


@dataclass(frozen=True)
class Position:
    """One open position as the exchange reports it."""

    exchange: str
    symbol: str
    contracts: float
    contract_size: float
    inverse: bool
    margin_mode: str
    hedge_mode: bool
    entry_price: float | None = None
    mark_price: float | None = None
    isolated_margin: float | None = None
    leverage: float | None = None
    unrealized_pnl: float | None = None
    liquidation_price: float | None = None
    notional_settle: float | None = None   # unsigned, in the settle currency, as reported
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class SpotBalance:
    """A coin held in the spot wallet (base units)."""

    exchange: str
    coin: str
    free: float
    used: float
    total: float


@dataclass(frozen=True)
class FundingPayment:
    """One funding settlement the account actually paid or received on a position."""

    exchange: str
    symbol: str
    timestamp_ms: int
    amount_settle: float   # received positive, paid negative
    currency: str


@dataclass(frozen=True)
class KeyPermissions:
    """What a venue reports an API key may do (None: not reported)."""

    exchange: str
    can_read: bool | None
    can_trade: bool | None
    can_withdraw: bool | None
    ip_restricted: bool | None


def key_warning(k: KeyPermissions) -> str | None:
    """A warning for a key that can do more than read, or works from any IP; None for a
    read-only IP-restricted key."""
    risks = [what for what, on in (("trade", k.can_trade), ("withdraw", k.can_withdraw)) if on]
    if k.ip_restricted is False:
        risks.append("be used from any IP address")
    if not risks:
        return None
    return (f"{k.exchange} API key can {' and '.join(risks)}: perphedge only reads; create a "
            "read-only key restricted to this machine's IP address and set it with "
            f"`perphedge keys set {k.exchange}`")


@dataclass(frozen=True)
class PlannedHedge:
    """What the Portfolio plans on one hedge market: short contracts at a ratio, and the tier
    the liquidation walk uses."""

    exchange: str
    symbol: str
    target_contracts: float
    target_ratio: float
    amount_step: float
    mmr: float
    maint_amount: float = 0.0


@dataclass(frozen=True)
class Reconciled:
    exchange: str
    symbol: str
    status: str
    held_contracts: float
    target_contracts: float | None
    contracts_to_trade: float | None
    actual_ratio: float | None
    margin_label: str
    exchange_liquidation_price: float | None
    perphedge_liquidation_price: float | None
    liquidation_flag: str | None


def _margin_label(p: Position) -> str:
    mode = p.margin_mode.lower()
    if mode == MODE_NOT_REPORTED:
        return f"{mode}, hedge mode" if p.hedge_mode else mode
    if mode not in (ISOLATED, CROSS):
        raise InvalidInput("margin_mode", p.margin_mode,
                           f"must be 'isolated', 'cross' or '{MODE_NOT_REPORTED}'")
    return f"{mode}, hedge mode" if p.hedge_mode else mode


def perphedge_liquidation(p: Position, plan: PlannedHedge) -> float | None:
    """perphedge's liquidation price of an isolated one-way short; None where the isolated
    formula does not apply (cross, hedge mode, a long) or an input is missing."""
    if (p.margin_mode.lower() != ISOLATED or p.hedge_mode or p.contracts >= 0
            or p.entry_price is None or p.isolated_margin is None):
        return None
    qty = qty_for_contracts(-p.contracts, p.entry_price, p.contract_size, p.inverse)
    try:
        return liquidation_price_short(p.entry_price, qty, p.isolated_margin, plan.mmr,
                                       plan.maint_amount, p.inverse,
                                       rule=rule_for_exchange(p.exchange, p.inverse))
    except NeverLiquidated:
        return None


def _flag(exchange_liq: float | None, ours: float | None) -> str | None:
    if exchange_liq is None or ours is None:
        return None
    gap = abs(ours - exchange_liq) / exchange_liq
    if gap <= LIQUIDATION_TOLERANCE:
        return None
    return (f"liquidation differs by {gap:.2%} (over {LIQUIDATION_TOLERANCE:.1%}): "
            "check the tier, margin mode and venue rule")


def hedge_status(held: float, target: float, amount_step: float, has_position: bool) -> str:
    """The reconciliation word of one hedge market: ``no position`` with nothing open,
    ``matched`` when held is within one amount step of the target (with no step known, equal
    up to float rounding), else ``under-hedged`` or ``over-hedged``. The Portfolio's Held from
    column says the same word by formula (``template/portfolio.py``)."""
    if not has_position:
        return NO_POSITION
    gap = target - held
    if abs(gap) < amount_step or math.isclose(held, target, rel_tol=1e-9, abs_tol=1e-12):
        return MATCHED
    return UNDER if gap > 0 else OVER


def _per_market(plans: Sequence[PlannedHedge]) -> list[PlannedHedge]:
    """One plan per hedge market, in order of first appearance: holdings hedged on the same
    market share its position, so their targets add up and their ratio is the targets'
    weighted mean (the step and tier are the market's, taken from the first)."""
    merged: dict[tuple[str, str], list[PlannedHedge]] = {}
    for p in plans:
        merged.setdefault((p.exchange.casefold(), p.symbol.casefold()), []).append(p)
    out = []
    for group in merged.values():
        first = group[0]
        target = sum(p.target_contracts for p in group)
        ratio = (sum(p.target_ratio * p.target_contracts for p in group) / target if target > 0
                 else first.target_ratio)
        out.append(PlannedHedge(first.exchange, first.symbol, target, ratio, first.amount_step,
                                first.mmr, first.maint_amount))
    return out


def reconcile(positions: Sequence[Position], plans: Sequence[PlannedHedge]) -> list[Reconciled]:
    """One row per planned hedge market (in plan order; holdings on one market together),
    then one per position no plan knows."""
    by_market: dict[tuple[str, str], list[Position]] = {}
    for p in positions:
        by_market.setdefault((p.exchange, p.symbol), []).append(p)
    rows: list[Reconciled] = []
    for plan in _per_market(plans):
        found = by_market.pop((plan.exchange, plan.symbol), [])
        held = -sum(p.contracts for p in found)
        gap = plan.target_contracts - held
        status = hedge_status(held, plan.target_contracts, plan.amount_step, bool(found))
        ratio = (plan.target_ratio * held / plan.target_contracts
                 if plan.target_contracts > 0 else None)
        one = found[0] if len(found) == 1 else None
        ex_liq = one.liquidation_price if one else None
        ours = perphedge_liquidation(one, plan) if one else None
        label = " + ".join(_margin_label(p) for p in found) if found else ""
        rows.append(Reconciled(plan.exchange, plan.symbol, status, held, plan.target_contracts,
                               gap, ratio, label, ex_liq, ours, _flag(ex_liq, ours)))
    for (exchange, symbol), found in by_market.items():
        rows.append(Reconciled(exchange, symbol, UNKNOWN, -sum(p.contracts for p in found),
                               None, None, None, " + ".join(_margin_label(p) for p in found),
                               found[0].liquidation_price if len(found) == 1 else None,
                               None, None))
    return rows


#: The Positions sheet as every writer finds it: its table, the defined name of its status
#: line and of the cell listing the exchanges its last read covered.
POSITIONS_TABLE = "Positions"
STATUS_NAME = "PositionsStatus"
READ_NAME = "PositionsRead"

#: The status of an open position read without a plan to hold it against.
NOT_PLANNED = "open (no plan given)"

#: The Positions sheet's columns, in order: (field of :class:`PositionRow`, header). The
#: sheet's builder and the writer that fills it both take them from here.
SHEET_COLUMNS: tuple[tuple[str, str], ...] = (
    ("exchange", "Exchange"), ("symbol", "Symbol"), ("status", "Status"),
    ("held_contracts", "Held short (contracts)"), ("target_contracts", "Target (contracts)"),
    ("contracts_to_trade", "To trade (+ sell, − buy back)"), ("actual_ratio", "Actual ratio"),
    ("margin_label", "Margin"), ("isolated_margin", "Isolated margin (settle)"),
    ("entry_price", "Entry"), ("mark_price", "Mark"),
    ("leverage", "Leverage"), ("unrealized_pnl", "Unrealised P&L (settle)"),
    ("exchange_liquidation_price", "Liq. price (exchange)"),
    ("perphedge_liquidation_price", "Liq. price (perphedge)"),
    ("liquidation_flag", "Liquidation check"))


@dataclass(frozen=True)
class PositionRow:
    """One line of the Positions sheet: a hedge market's reconciliation (or, read without a
    plan, an open position's) with the position's own figures where exactly one is open."""

    line: Reconciled
    isolated_margin: float | None = None
    entry_price: float | None = None
    mark_price: float | None = None
    leverage: float | None = None
    unrealized_pnl: float | None = None

    def values(self) -> list[object]:
        return [getattr(self, f) if f in _OWN else getattr(self.line, f) for f, _ in SHEET_COLUMNS]


_OWN = {"isolated_margin", "entry_price", "mark_price", "leverage", "unrealized_pnl"}


def sheet_rows(positions: Sequence[Position],
               reconciled: Sequence[Reconciled] | None) -> list[PositionRow]:
    """The Positions sheet's lines: the reconciliation's (plan order, then positions no
    plan knows), or with no plan (``reconciled`` None) one per open position, labelled
    :data:`NOT_PLANNED` — never "not in Portfolio" when there was no Portfolio to ask."""
    def own(found: Sequence[Position]) -> dict[str, float | None]:
        one = found[0] if len(found) == 1 else None
        return {f: getattr(one, f) for f in _OWN} if one else {}

    if reconciled is None:
        return [PositionRow(Reconciled(p.exchange, p.symbol, NOT_PLANNED, -p.contracts, None, None,
                                       None, _margin_label(p), p.liquidation_price, None, None),
                            **own([p]))
                for p in positions]
    by_market: dict[tuple[str, str], list[Position]] = {}
    for p in positions:
        by_market.setdefault((p.exchange, p.symbol), []).append(p)
    return [PositionRow(r, **own(by_market.get((r.exchange, r.symbol), []))) for r in reconciled]


# ----------------------------------------------------------------------------- the Portfolio's view

#: How the Positions sheet lists the exchanges its last read covered (its PositionsRead cell).
READ_SEPARATOR = ", "

#: What the Portfolio's Held from column says (``template/portfolio.py`` writes the same
#: words by formula; the tests recalculate it against :func:`held_view`).
HELD_TYPED = "typed"
HELD_TYPED_SAME = "typed (as on the exchange)"
HELD_TYPED_DIFFERS = "typed (differs from the exchange)"
HELD_FROM_EXCHANGE = "exchange: "
HELD_SHARED = "exchange: shared by several holdings (see Positions)"
HELD_NOT_READ = "not read on "
#: Margin held of a position that is not isolated (cross: the account's equity backs it).
NOT_ISOLATED = "not isolated"


@dataclass(frozen=True)
class SheetLine:
    """One line of the Positions sheet as the Portfolio reads it."""

    exchange: str
    symbol: str
    held_contracts: float
    isolated_margin: float | None = None


@dataclass(frozen=True)
class PositionsRead:
    """What the Positions sheet holds: the exchanges its last read covered (a market of
    another exchange is *not read*, never "no position") and the lines read."""

    exchanges: tuple[str, ...] = ()
    lines: tuple[SheetLine, ...] = ()

    @classmethod
    def parse(cls, listed: object, lines: Sequence[SheetLine] = ()) -> PositionsRead:
        text = "" if listed is None else str(listed)
        return cls(tuple(x.strip() for x in text.split(READ_SEPARATOR.strip()) if x.strip()), tuple(lines))

    def text(self) -> str:
        return READ_SEPARATOR.join(self.exchanges)

    def covers(self, exchange: str) -> bool:
        return exchange.casefold() in {x.casefold() for x in self.exchanges}

    def on_market(self, exchange: str, symbol: str) -> list[SheetLine]:
        return [x for x in self.lines
                if x.exchange.casefold() == exchange.casefold() and x.symbol.casefold() == symbol.casefold()]


#: A workbook's Positions sheet before any read.
NOTHING_READ = PositionsRead()


@dataclass(frozen=True)
class HeldView:
    """A Portfolio row's synced figures ('' = blank): the market's lines read (''
    when its exchange was not read), the held short synced ('' when not read or when
    several holdings share the market), the held contracts the row uses (typed wins), its
    label, and the isolated margin held."""

    lines: object
    synced: object
    used: object
    label: str
    margin: object


def held_view(typed: object, typed_valid: bool, exchange: str, symbol: str, read: PositionsRead,
              holdings_on_market: int, target_contracts: float, amount_step: float) -> HeldView:
    """Where a Portfolio row's held contracts come from. ``typed`` is the Held contracts
    cell (None blank); ``target_contracts`` the row's Contracts (0 when it sizes nothing)."""
    found = read.on_market(exchange, symbol) if read.covers(exchange) else None
    lines: object = "" if found is None else len(found)
    synced: object = ""
    if found is not None and holdings_on_market == 1:
        synced = float(sum(x.held_contracts for x in found))
    typed_num = typed if isinstance(typed, (int, float)) and not isinstance(typed, bool) else None
    if typed is not None and typed != "":
        used: object = float(typed_num) if (typed_valid and typed_num is not None) else ""
        if typed_num is None or not isinstance(synced, float):
            label = HELD_TYPED
        else:
            same = math.isclose(float(typed_num), synced, rel_tol=1e-9, abs_tol=1e-12)
            label = HELD_TYPED_SAME if same else HELD_TYPED_DIFFERS
    else:
        used = synced
        if isinstance(synced, float):
            label = HELD_FROM_EXCHANGE + hedge_status(synced, target_contracts, amount_step, bool(found))
        elif found is not None:
            label = HELD_SHARED
        elif read.exchanges:
            label = HELD_NOT_READ + exchange
        else:
            label = ""
    margin: object = ""
    if isinstance(synced, float) and found:
        isolated = [x.isolated_margin for x in found if x.isolated_margin is not None]
        margin = float(sum(isolated)) if len(isolated) == len(found) else NOT_ISOLATED
    return HeldView(lines, synced, used, label, margin)
