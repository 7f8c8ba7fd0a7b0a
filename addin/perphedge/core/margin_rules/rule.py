"""What a venue's isolated-margin rule says, as data, and the arithmetic every rule shares.

A short of ``qty`` base units entered at ``E`` with isolated margin ``M`` (quote for linear,
the coin for inverse) is liquidated where its equity falls to the venue's maintenance
requirement. The venues differ in three ways, each a field of :class:`MarginRule`:

- ``fee_in_maintenance``: the requirement adds the liquidation (taker) fee rate to the tier's
  rate (OKX: "maintenance margin + liquidation fee");
- ``maintenance_at_entry``: the requirement is charged on the position value at entry, not at
  the mark (Bybit USDT contracts), so the tier is the entry size's and does not walk;
- ``fee_to_close_in_margin``: the margin the venue asks for at opening includes the estimated
  fee to close at the bankruptcy price (Bybit); it is reserved for that fee, so the position
  margin the liquidation price is computed from is ``notional / leverage``.

The equity conditions (``equity_minus_maintenance``) are the statement; the prices solve them:

    linear, at the mark:   M + q(E − X) = qX(r + f) − c   ⇒  X = (M + c + qE) / (q(1 + r + f))
    linear, at entry:      M + q(E − X) = qE·r − c        ⇒  X = E(1 − r) + (M + c) / q
    inverse, at the mark:  M + P(1/X − 1/E) = (P/X)(r + f) − c, P = qE
                                                          ⇒  X = qE(1 − r − f) / (q − M − c)

with ``r``/``c`` the tier's rate and maintenance amount and ``f`` the fee rate where the venue
counts it. When ``q − M − c ≤ 0`` an inverse short is not liquidated within that tier.
"""

from __future__ import annotations

from dataclasses import dataclass

from perphedge.core.errors import InvalidInput


class NeverLiquidated(InvalidInput):
    """The coin margin covers any price rise: the short has no liquidation price."""

    def __init__(self, margin: float) -> None:
        super().__init__("margin", margin, "covers any price rise: this short has no liquidation price")


@dataclass(frozen=True)
class MarginRule:
    """One venue family's isolated-margin rule for linear or for inverse contracts.

    ``source`` names the page the rule is taken from and the day it was read; ``default``
    marks the rule used for an exchange whose own rule is not known (said beside the number).
    """

    name: str
    exchanges: tuple[str, ...]
    inverse: bool
    source: str
    fee_in_maintenance: bool = False
    maintenance_at_entry: bool = False
    fee_to_close_in_margin: bool = False
    default: bool = False

    def __post_init__(self) -> None:
        if self.inverse and self.maintenance_at_entry:
            # No venue in the registry states one; refuse rather than guess its algebra.
            raise InvalidInput("maintenance_at_entry", True, "is defined for linear rules only")

    @property
    def tier_walks(self) -> bool:
        """True where the tier is the one that applies at the liquidation price (the size at
        the mark), False where it is the entry size's."""
        return not self.maintenance_at_entry

    def fee_in_condition(self, fee_rate: float) -> float:
        return fee_rate if self.fee_in_maintenance else 0.0

    # -- the condition and its solution ------------------------------------------------

    def equity_minus_maintenance(self, entry: float, qty: float, margin: float, mmr: float,
                                 maint_amount: float, fee_rate: float, price: float) -> float:
        """Equity less the venue's requirement at ``price`` (settle currency); 0 at liquidation."""
        f = self.fee_in_condition(fee_rate)
        if self.inverse:
            p = qty * entry
            return margin + p * (1.0 / price - 1.0 / entry) - ((p / price) * (mmr + f) - maint_amount)
        held = qty * (entry if self.maintenance_at_entry else price)
        return margin + qty * (entry - price) - (held * (mmr + f) - maint_amount)

    def liquidation_price(self, entry: float, qty: float, margin: float, mmr: float,
                          maint_amount: float, fee_rate: float) -> float:
        """Where :meth:`equity_minus_maintenance` is 0, for one tier (inputs already checked).

        Raises :class:`NeverLiquidated` (inverse, margin covers any rise within the tier) or
        InvalidInput when the margin is already below the requirement at entry."""
        f = self.fee_in_condition(fee_rate)
        if self.inverse:
            denominator = qty - margin - maint_amount
            if denominator <= 0.0:
                raise NeverLiquidated(margin)
            lp = qty * entry * (1.0 - mmr - f) / denominator
        elif self.maintenance_at_entry:
            lp = entry * (1.0 - mmr) + (margin + maint_amount) / qty
        else:
            lp = (margin + maint_amount + qty * entry) / (qty * (1.0 + mmr + f))
        if lp <= entry:
            # Margin below maintenance at entry: the exchange would close it at once.
            at_entry = (qty if self.inverse else qty * entry) * (mmr + f) - maint_amount
            raise InvalidInput("margin", margin,
                               f"must exceed the maintenance margin at the entry price ({at_entry!r})")
        return lp

    # -- opening ---------------------------------------------------------------------

    def required_margin(self, notional: float, leverage: float, fee_rate: float) -> float:
        """Margin to post to open a short of ``notional`` (quote currency, valued at entry):
        ``notional / leverage``, plus where the venue reserves it the estimated fee to close
        at the bankruptcy price (linear: E(1 + 1/L); inverse: E / (1 − 1/L))."""
        position = notional / leverage
        if not self.fee_to_close_in_margin:
            return position
        at_bankruptcy = (1.0 - 1.0 / leverage) if self.inverse else (1.0 + 1.0 / leverage)
        return position + notional * at_bankruptcy * fee_rate
