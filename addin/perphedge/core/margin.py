"""Initial and maintenance margin of the hedge, and the leverage the guide advises."""

from __future__ import annotations

from perphedge.core import validate as v
from perphedge.core.conventions import MAX_ADVISED_LEVERAGE
from perphedge.core.errors import InvalidInput
from perphedge.core.marketdata import LeverageTier


def initial_margin(notional: float, leverage: float) -> float:
    """Margin to post for ``notional`` at ``leverage`` (same unit as notional)."""
    return v.non_negative("notional", notional) / v.positive("leverage", leverage)


def maintenance_margin(notional: float, mmr: float, maint_amount: float = 0.0) -> float:
    """Binance's maintenance margin: notional × tier rate − tier maintenance amount.

    The amount keeps the requirement continuous across tiers, so inside its own tier it
    never exceeds notional × rate; when it does, the tier does not fit this notional.
    """
    n = v.non_negative("notional", notional)
    rate = v.below_one("mmr", mmr)
    amount = v.non_negative("maint_amount", maint_amount)
    if amount > n * rate:
        raise InvalidInput("maint_amount", maint_amount,
                           f"must not exceed notional × mmr ({n * rate!r}): wrong tier for this notional")
    return n * rate - amount


def leverage_warning(leverage: float) -> bool:
    """True when ``leverage`` is above the 2× the guide advises for a hedge."""
    return v.positive("leverage", leverage) > MAX_ADVISED_LEVERAGE


def check_tier_leverage(leverage: float, tier: LeverageTier) -> float:
    """``leverage`` if the venue's tier for the position's size allows it; else an error
    naming the tier's maximum (the venue refuses the order, as below its minimum)."""
    lev = v.positive("leverage", leverage)
    if tier.max_leverage is not None and lev > tier.max_leverage:   # None: not published
        raise InvalidInput("leverage", leverage,
                           f"must be at most {tier.max_leverage:g}×, the maximum of tier {tier.tier} "
                           "for this size")
    return lev
