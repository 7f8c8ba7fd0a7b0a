"""A Portfolio row as the user types it: the inputs, before any market data."""

from __future__ import annotations

from dataclasses import dataclass

from perphedge.core import validate as v
from perphedge.core.errors import InvalidInput
from perphedge.core.sizing import PRESETS

#: Beta cell text that points at the Beta sheet's result instead of a number.
BETA_FROM_SHEET = "=BetaHedgeRatio"


@dataclass(frozen=True)
class HoldingInput:
    """One holding. ``hedge_ratio`` None takes the strategy's default (Custom needs one);
    ``exchange`` None takes the workbook's DefaultExchange; ``beta`` is the exposure per
    dollar of the hedge coin (1 when the hedge is the same coin), or ``beta_from_sheet``
    to use the Beta sheet's regression; ``price_symbol`` None prices the asset from the
    hedge symbol's Market row; ``held_contracts`` is the short already held, if any."""

    asset: str
    qty: float
    hedge_symbol: str
    exchange: str | None = None
    strategy: str = "Custom"
    hedge_ratio: float | None = None
    leverage: float = 1.0
    beta: float = 1.0
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
            object.__setattr__(self, "hedge_ratio", v.fraction("hedge_ratio", self.hedge_ratio))
        elif PRESETS[self.strategy].default_ratio is None:
            raise InvalidInput("hedge_ratio", None, "is required with the Custom strategy")
        lev = v.positive("leverage", self.leverage)
        if not 1.0 <= lev <= 125.0:
            raise InvalidInput("leverage", self.leverage, "must be between 1 and 125")
        object.__setattr__(self, "leverage", lev)
        object.__setattr__(self, "beta", v.positive("beta", self.beta))
        if self.held_contracts is not None:
            object.__setattr__(self, "held_contracts",
                               v.non_negative("held_contracts", self.held_contracts))
        if self.price_symbol is not None:
            object.__setattr__(self, "price_symbol", v.text("price_symbol", self.price_symbol))

    @property
    def price_key(self) -> str:
        return self.price_symbol or self.hedge_symbol
