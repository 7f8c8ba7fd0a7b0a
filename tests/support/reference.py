"""What every computed Portfolio cell must hold: the row policy of ``perphedge.core.position``
applied to the inputs the workbook was built with. The LibreOffice tests recalculate the
workbook and compare each cell with it; the independent checks of the policy itself are
the hand calculations and exchange examples in tests/core and tests/template."""

from __future__ import annotations

import math
from datetime import datetime

from perphedge.core.holdings import HoldingInput
from perphedge.core.marketdata import LeverageTier, MarketRow
from perphedge.core.position import BLANK, RowCells, RowSettings, market_key, portfolio_row
from perphedge.core.positions import NOTHING_READ, PositionsRead

_S = RowSettings()
SETTINGS = {"HorizonDays": float(_S.horizon_days), "DefaultMMR": _S.default_mmr,
            "RebalanceBand": _S.rebalance_band, "MaxAdvisedLeverage": float(_S.max_advised_leverage),
            "LiqWarnDistance": _S.liq_warn_distance, "FundingWarnAPR": _S.funding_warn_apr,
            "MaxDataAgeHours": float(_S.max_data_age_hours), "DefaultExchange": _S.default_exchange}
__all__ = ["BLANK", "SETTINGS", "cells_of", "expected_row", "on_market_counts", "same"]

Tiers = dict[tuple[str, str], tuple[LeverageTier, ...]]


def cells_of(h: HoldingInput, beta: float | None = None) -> RowCells:
    """The input cells the builder writes for ``h`` (a ``=Beta!…`` beta cell holds ``beta``:
    None when the Beta sheet gives no number)."""
    return RowCells(h.asset, h.qty, h.hedge_symbol, h.exchange, h.strategy, h.hedge_ratio,
                    h.leverage, beta if h.beta_from_sheet else h.beta, h.held_contracts,
                    h.price_symbol)


def on_market_counts(holdings: list[HoldingInput] | list[RowCells]) -> list[int]:
    """How many rows share each row's hedge market (the Portfolio's HoldingKeys count)."""
    keys = [market_key(h if isinstance(h, RowCells) else cells_of(h)).casefold() for h in holdings]
    return [keys.count(k) for k in keys]


def expected_row(h: HoldingInput | RowCells, rows: list[MarketRow], now: datetime,
                 beta: float | None = None, tiers: Tiers | None = None,
                 positions: PositionsRead = NOTHING_READ, on_market: int = 1) -> dict[str, object]:
    """Expected value of every computed column ('' = blank) and, under ``warnings``, the
    leads of the warnings expected."""
    from perphedge.core.position import WARNINGS

    cells = h if isinstance(h, RowCells) else cells_of(h, beta)
    result = portfolio_row(cells, rows, now, RowSettings(), tiers, positions, on_market)
    out = dict(result.values)
    out["warnings"] = [WARNINGS[c].lead for c in result.warnings]
    out["codes"] = list(result.warnings)
    return out


def same(actual, expected, rel: float = 1e-9, scale: float = 0.0) -> bool:
    """Numbers within ``rel`` (relative; of ``scale`` too, for a difference of two large
    numbers such as the net exposure), blanks as blanks, text as text."""
    if expected == BLANK:
        return actual in (None, "")
    if isinstance(expected, str):
        return actual == expected
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return False
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=max(1e-9, rel * abs(scale)))
