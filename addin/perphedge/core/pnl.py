"""Profit and loss of spot plus short hedge after a price move."""

from __future__ import annotations

from dataclasses import dataclass

from perphedge.core import validate as v


@dataclass(frozen=True)
class HedgePnl:
    """Quote-currency P&L; positive is a gain. ``funding_and_fees`` = funding − fees."""

    spot_pnl: float
    hedge_pnl: float
    funding_and_fees: float
    net: float


def hedge_pnl(spot_qty: float, entry_price: float, new_price: float, hedge_ratio: float,
              funding_pnl: float = 0.0, fees: float = 0.0) -> HedgePnl:
    """P&L of ``spot_qty`` held long and ``spot_qty × hedge_ratio`` shorted at ``entry_price``.

    ``funding_pnl`` is signed (+ received by the short); ``fees`` is a cost (≥ 0).
    """
    qty = v.non_negative("spot_qty", spot_qty)
    entry = v.positive("entry_price", entry_price)
    new = v.positive("new_price", new_price)
    ratio = v.fraction("hedge_ratio", hedge_ratio)
    carry = v.number("funding_pnl", funding_pnl) - v.non_negative("fees", fees)
    move = new - entry
    spot = qty * move
    # Same operands as the spot leg, so a 100 % hedge cancels it exactly.
    hedge = -(qty * ratio) * move
    # + 0.0 turns a -0.0 into 0.0 so tables never show "-0.00".
    return HedgePnl(spot + 0.0, hedge + 0.0, carry + 0.0, spot + hedge + carry + 0.0)
