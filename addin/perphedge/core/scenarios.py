"""Price-shock tables of hedged holdings, with the isolated short's liquidation.

The rule (stated once here; the Guide sheet and the Scenarios sheet's formulas say the
same):

- The shock ``s`` applies to each hedge instrument's price. A holding moves ``β × s``
  (β = 1 for a same-coin hedge), floored at −100 %: a coin cannot lose more than its value.
- An isolated short of notional ``N`` (USD at entry) not liquidated by the shock makes
  ``−N × s``. For an inverse (coin-margined) short too: its coin P&L ``N (1/P1 − 1/P0)``
  valued at ``P1 = P0 (1 + s)`` is ``−N × s`` exactly.
- A short whose liquidation price the shocked price reaches (``s ≥`` its distance to
  liquidation) loses its whole isolated margin ``M`` and nothing more: the isolated
  margin is the most it can lose. The venue's liquidation (clearance) fee comes out of
  that margin — Binance ("Liquidation Protocols", FAQ 360033525271: the fee is charged on
  the amount liquidated, from the collateral; the Insurance Fund covers an account below
  0, FAQ 360033525371), Bybit (help centre "Liquidation Price Calculation under Isolated
  Mode": "the maximum amount a trader would lose from liquidation is limited to the
  position margin"; its margin holds the fee to close), OKX (help centre "Tiered
  maintenance margin ratio rules": liquidated when equity falls to maintenance plus the
  liquidation fee, which the insurance fund collects from that equity) — none documents
  a fee charged beyond the margin, so none is added. An inverse short's margin is in the
  coin: its loss is valued at the shocked price, ``M × (1 + s)`` (what those coins are
  worth when they are lost).
- Simplification: the shock is taken as happening at once, so a liquidated short pays
  no closing fee and receives or pays no funding over the horizon; a short that stays
  open gets the horizon's funding and pays the taker fee on opening and closing. After
  liquidation the holding is unhedged: the spot leg moves alone.
- Fees: the taker fee rate on the USD notional at entry and on closing at the shocked
  price (linear: ``N × (1 + s)``); an inverse contract's fee is charged in the coin on its
  USD face, ``fee × N / P``, worth ``fee × N`` at the price it is paid at.

:func:`scenario_table` is one holding from its quantity and price (``HEDGE_SCENARIOS``);
:func:`portfolio_scenarios` sums holdings given by their figures (the Scenarios sheet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from perphedge.core import validate as v
from perphedge.core.conventions import DEFAULT_INTERVAL_HOURS
from perphedge.core.errors import InvalidInput
from perphedge.core.funding import funding_pnl_short
from perphedge.core.margin_rules import rule_for
from perphedge.core.margin_rules.rule import NeverLiquidated

#: −50 % … +50 % in 5 % steps; built from integers so each is the exact decimal (−0.15).
DEFAULT_SHOCKS: tuple[float, ...] = tuple(k / 100 for k in range(-50, 51, 5))

#: ``liq_shock`` of a short liquidated at once (its margin is below maintenance at
#: entry): every shock, all above −100 %, reaches it.
AT_ONCE = -1.0


@dataclass(frozen=True)
class HoldingFigures:
    """One holding as the Scenarios rule reads it. Money in USD, valued at entry.

    ``hedged_notional`` is the short's notional at entry; ``margin`` its isolated margin
    (an inverse short's coin margin valued at entry); ``liq_shock`` the shock of the hedge
    instrument's price at which the short is liquidated (its distance to liquidation),
    ``AT_ONCE`` (−1) when it is liquidated at once, None when never (or no short);
    ``funding`` what the short receives (+) or pays (−) over the horizon; ``fee_rate``
    the taker fee rate.
    """

    spot_value: float
    beta: float = 1.0
    hedged_notional: float = 0.0
    margin: float = 0.0
    liq_shock: float | None = None
    funding: float = 0.0
    fee_rate: float = 0.0
    inverse: bool = False

    def __post_init__(self) -> None:
        checked = {
            "spot_value": v.non_negative("spot_value", self.spot_value),
            "beta": v.non_negative("beta", self.beta),
            "hedged_notional": v.non_negative("hedged_notional", self.hedged_notional),
            "margin": v.non_negative("margin", self.margin),
            "funding": v.number("funding", self.funding),
            "fee_rate": v.below_one("fee_rate", self.fee_rate),
            "inverse": v.boolean("inverse", self.inverse),
        }
        if self.liq_shock is not None:
            shock = v.number("liq_shock", self.liq_shock)
            if shock < AT_ONCE:
                raise InvalidInput("liq_shock", self.liq_shock, "must be -1 (at once) or more")
            checked["liq_shock"] = shock
        for name, value in checked.items():
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class HoldingOutcome:
    """One holding under one shock: P&L in USD (+ gain), ``fees`` a positive cost."""

    asset_move: float
    spot_pnl: float
    hedge_pnl: float
    funding: float
    fees: float
    liquidated: bool

    @property
    def net(self) -> float:
        return self.spot_pnl + self.hedge_pnl + self.funding - self.fees + 0.0


def holding_outcome(h: HoldingFigures, shock: float) -> HoldingOutcome:
    """The module's rule for one holding and one shock (``shock`` already checked)."""
    move = max(h.beta * shock, -1.0)
    spot = h.spot_value * move + 0.0
    n = h.hedged_notional
    if n <= 0.0:
        return HoldingOutcome(move, spot, 0.0, 0.0, 0.0, False)
    opening = h.fee_rate * n
    if h.liq_shock is not None and shock >= h.liq_shock:
        lost = h.margin * (1.0 + shock) if h.inverse else h.margin
        return HoldingOutcome(move, spot, -lost + 0.0, 0.0, opening, True)
    closing = h.fee_rate * (n if h.inverse else n * (1.0 + shock))
    return HoldingOutcome(move, spot, -n * shock + 0.0, h.funding, opening + closing, False)


@dataclass(frozen=True)
class ScenarioRow:
    """One shock of one holding. P&L in quote currency (+ gain); ``fees`` is a positive
    cost; ``price`` is the holding's price after its move (β × shock);
    ``unhedged_value`` is the spot alone at that price, ``hedged_value`` the spot's value
    at entry plus the hedged net P&L; ``liquidated`` says the short was liquidated."""

    shock: float
    price: float
    spot_pnl: float
    hedge_pnl: float
    funding: float
    fees: float
    net: float
    unhedged_value: float
    hedged_value: float
    liquidated: bool = False


@dataclass(frozen=True)
class PortfolioScenarioRow:
    """One shock of the whole portfolio: the holdings' sums, and how many shorts the
    shock liquidates. ``protects`` = hedged − unhedged value."""

    shock: float
    spot_pnl: float
    hedge_pnl: float
    funding: float
    fees: float
    net: float
    unhedged_value: float
    hedged_value: float
    liquidated: int

    @property
    def protects(self) -> float:
        return self.hedged_value - self.unhedged_value


def _shocks(shocks: Sequence[float]) -> tuple[float, ...]:
    if shocks is DEFAULT_SHOCKS:
        return shocks
    if isinstance(shocks, (str, bytes)) or not isinstance(shocks, Sequence) or not shocks:
        raise InvalidInput("shocks", shocks, "must be a non-empty list of fractions")
    out = []
    for i, s in enumerate(shocks):
        x = v.number(f"shocks[{i}]", s)
        if x <= -1.0:
            raise InvalidInput(f"shocks[{i}]", s, "must be above -1 (a price cannot fall 100 %)")
        out.append(x)
    return tuple(out)


def portfolio_scenarios(holdings: Sequence[HoldingFigures],
                        shocks: Sequence[float] = DEFAULT_SHOCKS) -> tuple[PortfolioScenarioRow, ...]:
    """Per shock, the sum over ``holdings`` of the module's rule, and the count of shorts
    liquidated. Unhedged value = spot value today + spot P&L; hedged = spot value + net."""
    if isinstance(holdings, (str, bytes)) or not isinstance(holdings, Sequence):
        raise InvalidInput("holdings", holdings, "must be a list of HoldingFigures")
    for i, h in enumerate(holdings):
        if not isinstance(h, HoldingFigures):
            raise InvalidInput(f"holdings[{i}]", h, "must be a HoldingFigures")
    moves = _shocks(shocks)
    value = sum(h.spot_value for h in holdings)
    rows = []
    for s in moves:
        outs = [holding_outcome(h, s) for h in holdings]
        spot = sum(o.spot_pnl for o in outs)
        hedge = sum(o.hedge_pnl for o in outs)
        funding = sum(o.funding for o in outs)
        fees = sum(o.fees for o in outs)
        net = spot + hedge + funding - fees + 0.0
        rows.append(PortfolioScenarioRow(s, spot + 0.0, hedge + 0.0, funding + 0.0, fees + 0.0, net,
                                         value + spot, value + net, sum(o.liquidated for o in outs)))
    return tuple(rows)


def _liq_shock(notional: float, hedge_price: float, position_margin: float, mmr: float,
               maint_amount: float, inverse: bool, exchange: str | None,
               fee_rate: float) -> float | None:
    """The short's distance to liquidation by the venue's isolated rule (core.margin_rules):
    None when the coin margin covers any rise, ``AT_ONCE`` when the margin is below
    maintenance at entry."""
    qty = notional / hedge_price
    margin = position_margin / hedge_price if inverse else position_margin
    rule = rule_for(exchange, inverse)
    try:
        lp = rule.liquidation_price(hedge_price, qty, margin, mmr, maint_amount, fee_rate)
    except NeverLiquidated:
        return None
    except InvalidInput as e:
        if e.argument != "margin":
            raise
        return AT_ONCE
    return lp / hedge_price - 1.0


def scenario_table(spot_qty: float, price: float, hedge_ratio: float,
                   shocks: Sequence[float] = DEFAULT_SHOCKS, rate_per_interval: float = 0.0,
                   days: float = 0.0, interval_hours: float = DEFAULT_INTERVAL_HOURS,
                   fee_rate: float = 0.0, *, leverage: float | None = None,
                   margin: float | None = None, liq_price: float | None = None,
                   beta: float = 1.0, inverse: bool = False, mmr: float = 0.005,
                   maint_amount: float = 0.0, exchange: str | None = None,
                   hedge_price: float | None = None) -> tuple[ScenarioRow, ...]:
    """One row per shock of the hedge instrument's price, by the module's rule.

    The hedge is ``spot_qty × price × beta × hedge_ratio`` of notional (the Portfolio's
    sizing), entered at ``hedge_price`` (default ``price``: a same-coin hedge). Funding
    accrues on that notional over ``days``. Without ``leverage``, ``margin`` or
    ``liq_price`` the short is never liquidated (the table of a fully funded hedge).
    With ``leverage`` the margin is the venue's (``exchange``'s rule: notional / leverage,
    on Bybit plus the fee to close) and the liquidation price the venue's isolated rule at
    ``mmr`` / ``maint_amount`` (core.margin_rules); ``margin`` (USD value at entry) and
    ``liq_price`` (in the hedge's price) replace either.
    """
    qty = v.non_negative("spot_qty", spot_qty)
    p = v.positive("price", price)
    ratio = v.fraction("hedge_ratio", hedge_ratio)
    fee = v.fraction("fee_rate", fee_rate)
    b = v.positive("beta", beta)
    inv = v.boolean("inverse", inverse)
    hp = p if hedge_price is None else v.positive("hedge_price", hedge_price)
    lev = None if leverage is None else v.positive("leverage", leverage)
    posted = None if margin is None else v.non_negative("margin", margin)
    lp = None if liq_price is None else v.positive("liq_price", liq_price)
    rate = v.below_one("mmr", mmr)
    cum = v.non_negative("maint_amount", maint_amount)
    venue = None if exchange is None else v.text("exchange", exchange)
    moves = _shocks(shocks)
    spot_value = qty * p
    notional = spot_value * b * ratio
    funding = funding_pnl_short(notional, rate_per_interval, days, interval_hours)
    liq: float | None = None
    held = 0.0
    if notional > 0.0 and (lev is not None or posted is not None or lp is not None):
        if posted is not None:
            held = posted
        elif lev is not None:
            held = rule_for(venue, inv).required_margin(notional, lev, fee)
        else:
            raise InvalidInput("margin", margin, "or leverage is needed with a liquidation price")
        if lp is not None:
            liq = AT_ONCE if lp <= hp else lp / hp - 1.0
        else:
            position = notional / lev if lev is not None else held
            liq = _liq_shock(notional, hp, position, rate, cum, inv, venue, fee)
    figures = HoldingFigures(spot_value, b, notional, held, liq, funding, fee, inv)
    rows = []
    for s in moves:
        o = holding_outcome(figures, s)
        net = o.net
        new = p * (1.0 + o.asset_move)
        rows.append(ScenarioRow(s, new, o.spot_pnl, o.hedge_pnl, o.funding, o.fees, net,
                                spot_value + o.spot_pnl, spot_value + net, o.liquidated))
    return tuple(rows)
