"""A holding as the user types it, and the one rule that prices it from market data.

``HoldingInput`` is a Portfolio row (or a holdings-CSV line) before any market data;
``MarketFigures`` are the market figures a user may give for it instead (a plan CSV's
``price``, ``contract_size``, ...); ``holding_from_market`` turns the two plus the Market
rows into a core ``Holding`` priced the way the workbook's formulas price it
(``template/portfolio.py``):

- the asset at its price market's **Spot**, else that row's **Mark** (said in the notes);
  a blank price symbol means the asset's own market, which is the hedge market only when
  the hedge is in the same coin — a cross hedge with no price symbol is refused, never
  valued at the hedge coin's price;
- the perp at the hedge market's **Mark**, else **Index**, else **Spot**;
- contract size, amount step, minimums, inverse, MMR (DefaultMMR when missing, said),
  maintenance amount, taker fee and leverage tiers from the hedge market.

A figure given in ``MarketFigures`` wins over the market's. A figure missing from both is
a ``HoldingNotPriced`` error naming the holding and the figure; the only defaults are the
ones the returned holding's ``notes`` state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from perphedge.core import validate as v
from perphedge.core.conventions import DEFAULT_EXCHANGE, MAX_LEVERAGE, MIN_LEVERAGE
from perphedge.core.errors import HoldingNotPriced, InvalidInput
from perphedge.core.margin_rules import rule_for
from perphedge.core.marketdata import LeverageTier, MarketRow
from perphedge.core.plan import Holding
from perphedge.core.sizing import PRESETS

#: Beta cell text that points at the Beta sheet's result instead of a number.
BETA_FROM_SHEET = "=BetaHedgeRatio"


@dataclass(frozen=True)
class HoldingInput:
    """One holding. ``hedge_ratio`` None takes the strategy's default (Custom needs one);
    ``exchange`` None takes the workbook's DefaultExchange; ``beta`` is the exposure per
    dollar of the hedge coin (None: 1, which a cross hedge flags as assumed), or
    ``beta_from_sheet`` to use the Beta sheet's regression; ``price_symbol`` None prices
    the asset from its own market (the hedge's when it is the asset's coin);
    ``held_contracts`` is the short already held, if any."""

    asset: str
    qty: float
    hedge_symbol: str
    exchange: str | None = None
    strategy: str = "Custom"
    hedge_ratio: float | None = None
    leverage: float = 1.0
    beta: float | None = None
    beta_from_sheet: bool = False
    held_contracts: float | None = None
    price_symbol: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "asset", v.text("asset", self.asset))
        object.__setattr__(self, "qty", v.positive("qty", self.qty))
        object.__setattr__(self, "hedge_symbol", v.text("hedge_symbol", self.hedge_symbol))
        if self.exchange is not None:
            object.__setattr__(self, "exchange", v.text("exchange", self.exchange))
        names = {k.casefold(): k for k in PRESETS}
        key = str(self.strategy).strip().casefold()
        if key not in names:
            raise InvalidInput("strategy", self.strategy, f"must be one of {', '.join(PRESETS)}")
        object.__setattr__(self, "strategy", names[key])
        if self.hedge_ratio is not None:
            r = v.number("hedge_ratio", self.hedge_ratio)
            if 2.0 <= r <= 100.0:  # 50 meant as 50 %: say how to write it
                raise InvalidInput("hedge_ratio", self.hedge_ratio,
                                   "must be between 0 and 1: write 0.5 or 50 % for a half hedge")
            object.__setattr__(self, "hedge_ratio", v.fraction("hedge_ratio", r))
        elif PRESETS[self.strategy].default_ratio is None:
            raise InvalidInput("hedge_ratio", None, "is required with the Custom strategy")
        lev = v.positive("leverage", self.leverage)
        if not MIN_LEVERAGE <= lev <= MAX_LEVERAGE:
            raise InvalidInput("leverage", self.leverage, f"must be between {MIN_LEVERAGE:g} and {MAX_LEVERAGE:g}")
        object.__setattr__(self, "leverage", lev)
        if self.beta is not None:
            object.__setattr__(self, "beta", v.positive("beta", self.beta))
        if self.held_contracts is not None:
            object.__setattr__(self, "held_contracts",
                               v.non_negative("held_contracts", self.held_contracts))
        if self.price_symbol is not None:
            object.__setattr__(self, "price_symbol", v.text("price_symbol", self.price_symbol))

    @property
    def price_key(self) -> str:
        """The symbol whose Market row the workbook prices the asset from."""
        return self.price_symbol or self.hedge_symbol

    @property
    def ratio(self) -> float:
        """The hedge ratio used: the typed one, else the strategy's default."""
        if self.hedge_ratio is not None:
            return self.hedge_ratio
        default = PRESETS[self.strategy].default_ratio
        assert default is not None  # __post_init__ refuses Custom without a ratio
        return default


@dataclass(frozen=True)
class MarketFigures:
    """Market figures given with a holding instead of read from the market (None: not
    given). Units as ``core.plan.Holding``: ``price`` is the asset's, ``hedge_price`` the
    perp's; for a same-coin hedge a given ``price`` prices the perp too unless
    ``hedge_price`` is given (the old ``ASSET:QTY:PRICE:RATIO`` meaning)."""

    price: float | None = None
    hedge_price: float | None = None
    contract_size: float | None = None
    amount_step: float | None = None
    min_amount: float | None = None
    min_cost: float | None = None
    inverse: bool | None = None
    mmr: float | None = None
    maint_amount: float | None = None
    taker_fee: float | None = None

    def __post_init__(self) -> None:
        checks = {"price": v.positive, "hedge_price": v.positive, "contract_size": v.positive,
                  "amount_step": v.non_negative, "min_amount": v.non_negative,
                  "min_cost": v.non_negative, "inverse": v.boolean, "mmr": v.below_one,
                  "maint_amount": v.non_negative, "taker_fee": v.below_one}
        for name, check in checks.items():
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check(name, value))

    @property
    def given(self) -> tuple[str, ...]:
        """The names of the figures given, in field order."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name) is not None)


NO_FIGURES = MarketFigures()
#: The figure names, as holdings-CSV columns.
FIGURE_NAMES = tuple(f.name for f in fields(MarketFigures))


def base_coin(symbol: str) -> str:
    """``BTC`` of ``BTC/USDT:USDT``, ``BTC/USD:BTC`` or a bare ``BTC`` (upper case)."""
    return symbol.split("/")[0].split(":")[0].strip().upper()


def is_cross(asset: str, hedge_symbol: str, price_symbol: str | None) -> bool:
    """True when the perp is another coin's than the asset's: the base coin of the price
    market (of the asset's name when no price market is named) against the hedge's."""
    priced = base_coin(price_symbol) if price_symbol else asset.strip().upper()
    return priced != base_coin(hedge_symbol)


def is_cross_hedge(h: HoldingInput) -> bool:
    return is_cross(h.asset, h.hedge_symbol, h.price_symbol)


def asset_price(row: MarketRow) -> tuple[float, str] | None:
    """The asset's price from its price market's row and where it came from: Spot, else
    Mark (``"mark"``); None when the row has neither."""
    if row.spot_price is not None and row.spot_price > 0:
        return row.spot_price, "spot"
    if row.mark_price is not None and row.mark_price > 0:
        return row.mark_price, "mark"
    return None


def perp_price(row: MarketRow) -> float | None:
    """The price the short is sized, entered and liquidated at: Mark, else Index, else
    Spot of the hedge market's row; None when it has none."""
    for p in (row.mark_price, row.index_price, row.spot_price):
        if p is not None and p > 0:
            return p
    return None


def needs_market(h: HoldingInput, given: MarketFigures = NO_FIGURES) -> bool:
    """True when pricing ``h`` needs Market rows: no price, no contract size, or a cross
    hedge with no perp price given."""
    perp_given = given.hedge_price is not None or (given.price is not None and not is_cross_hedge(h))
    return given.price is None or given.contract_size is None or not perp_given


Rows = Mapping[tuple[str, str], MarketRow]
Tiers = Mapping[tuple[str, str], Sequence[LeverageTier]]


def _row(rows: Rows, symbol: str, exchange: str) -> MarketRow | None:
    hit = rows.get((symbol, exchange))
    if hit is not None:
        return hit
    # The workbook matches symbols and exchanges as Excel's = does: ignoring case.
    key = (symbol.casefold(), exchange.casefold())
    found = [r for (s, x), r in rows.items() if (s.casefold(), x.casefold()) == key]
    return found[0] if len(found) == 1 else None


def is_own_market(row: MarketRow, asset: str, exchange: str) -> bool:
    """True when ``row`` is a market of ``asset`` on ``exchange`` (``ETH`` → ``ETH/USDT:USDT``),
    compared as Excel's = compares: ignoring case. A blank Price symbol on a cross hedge
    prices the asset at the one such row (core.position.price_row_of, the workbook)."""
    return (row.symbol.casefold().startswith(asset.casefold() + "/")
            and row.exchange.casefold() == exchange.casefold())


def _own_market(rows: Rows, asset: str, exchange: str) -> MarketRow | None:
    found = [r for r in rows.values() if is_own_market(r, asset, exchange)]
    return found[0] if len(found) == 1 else None


def _need_row(rows: Rows, name: str, symbol: str, exchange: str, why: str) -> MarketRow:
    row = _row(rows, symbol, exchange)
    if row is None:
        raise HoldingNotPriced(name, f"no Market row for {symbol} on {exchange} ({why})")
    return row


def holding_from_market(h: HoldingInput, rows: Rows, tiers: Tiers, default_mmr: float,
                        given: MarketFigures = NO_FIGURES, *, sheet_beta: float | None = None,
                        default_exchange: str = DEFAULT_EXCHANGE) -> Holding:
    """``h`` as a core ``Holding``, priced as the workbook prices it (module docstring).

    ``rows`` are Market rows keyed by (symbol, exchange), ``tiers`` the leverage tiers of
    hedge markets keyed the same way, ``default_mmr`` the workbook's DefaultMMR, ``given``
    the figures the user gave (they win), ``sheet_beta`` the Beta sheet's regression for a
    holding whose beta is ``=BetaHedgeRatio``. Raises ``HoldingNotPriced`` naming the
    holding and the missing figure."""
    name = h.asset
    mmr_default = v.below_one("default_mmr", default_mmr)
    exchange = h.exchange or default_exchange
    notes: list[str] = []
    cross = is_cross_hedge(h)

    if given.price is not None:
        price = given.price
    else:
        if h.price_symbol is None and cross:
            price_row = _own_market(rows, name, exchange)
            if price_row is None:
                raise HoldingNotPriced(name, f"no price_symbol, the hedge {h.hedge_symbol} is another "
                                       f"coin's market and no single Market row on {exchange} is {name}'s: "
                                       f"give the market that prices {name} (e.g. {name}/USDT:USDT) or its price")
        else:
            price_row = _need_row(rows, name, h.price_key, exchange, f"to price {name}")
        got = asset_price(price_row)
        if got is None:
            raise HoldingNotPriced(name, f"no spot or mark price for {h.price_key} on {exchange}")
        price, source = got
        if source == "mark":
            notes.append("valued at the perp mark (no spot price)")

    hedge_row = _row(rows, h.hedge_symbol, exchange)
    if given.hedge_price is not None:
        entry = given.hedge_price
    elif given.price is not None and not cross:
        entry = given.price  # a same-coin hedge: the price given is the perp's too
    else:
        hedge_row = _need_row(rows, name, h.hedge_symbol, exchange, "to price the perp")
        got_perp = perp_price(hedge_row)
        if got_perp is None:
            raise HoldingNotPriced(name, f"no mark, index or spot price for {h.hedge_symbol} on {exchange}")
        entry = got_perp

    assumed: list[str] = []

    def figure(field: str, market: float | None, default: float, said: str) -> float:
        value = getattr(given, field)
        if value is not None:
            return float(value)
        if hedge_row is not None:
            # A Market row's blank step, minimum or maintenance amount is 0, as the workbook's N().
            return market if market is not None else default
        assumed.append(said)
        return default

    if given.contract_size is not None:
        contract_size = given.contract_size
    elif hedge_row is None:
        raise HoldingNotPriced(name, f"no contract size: give it, or the Market row of {h.hedge_symbol} "
                               f"on {exchange}")
    elif hedge_row.contract_size is None or hedge_row.contract_size <= 0:
        raise HoldingNotPriced(name, f"no contract size for {h.hedge_symbol} on {exchange}")
    else:
        contract_size = hedge_row.contract_size
    row = hedge_row
    amount_step = figure("amount_step", row.amount_step if row else None, 0.0, "no amount step")
    min_amount = figure("min_amount", row.min_amount if row else None, 0.0, "no minimum amount")
    min_cost = figure("min_cost", row.min_cost if row else None, 0.0, "no minimum order value")
    if given.inverse is not None:
        inverse = given.inverse
    elif row is not None:
        inverse = bool(row.inverse)
    else:
        inverse = False
        assumed.append("linear")
    maint_amount = figure("maint_amount", row.maint_amount if row else None, 0.0, "no maintenance amount")
    hedge_tiers = tuple(tiers.get((h.hedge_symbol, exchange), ()))
    if given.mmr is not None:
        mmr = given.mmr
    elif row is not None and row.mmr is not None:
        mmr = row.mmr
        if not hedge_tiers:
            notes.append("no leverage tiers: the Market row's first-tier MMR used, a larger short "
                         "is liquidated sooner")
    else:
        mmr = mmr_default
        if not hedge_tiers:
            notes.append(f"no MMR: DefaultMMR {mmr_default:.2%} used for the liquidation price")
    if given.taker_fee is not None:
        taker_fee = given.taker_fee
    elif row is not None and row.taker_fee is not None:
        taker_fee = row.taker_fee
    else:
        taker_fee = 0.0
        rule = rule_for(exchange, inverse)
        # The plan shows no fees; the fee matters where the venue's rule uses it. A venue
        # that counts it in the liquidation condition is flagged by core.plan itself.
        if rule.fee_to_close_in_margin and not rule.fee_in_maintenance:
            notes.append(f"no taker fee: {rule.name} reserves the fee to close in the margin, 0 used")
    if assumed:
        notes.append("assumed (not given, no Market row): " + ", ".join(assumed))

    if h.beta_from_sheet:
        if sheet_beta is None:
            raise HoldingNotPriced(name, f"beta is {BETA_FROM_SHEET} but no Beta sheet regression was given")
        beta = sheet_beta
    elif h.beta is not None:
        beta = h.beta
    else:
        beta = 1.0
        if cross:
            notes.append("cross hedge with no beta: β = 1 assumed")
    return Holding(name, h.qty, price, h.ratio, leverage=h.leverage, contract_size=contract_size,
                   amount_step=amount_step, min_amount=min_amount, inverse=inverse, mmr=mmr,
                   maint_amount=maint_amount, beta=beta, hedge_price=entry, min_cost=min_cost,
                   exchange=exchange, taker_fee=taker_fee, tiers=hedge_tiers, notes=tuple(notes))
