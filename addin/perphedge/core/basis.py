"""Basis of the perp against spot: premium (positive) goes with positive funding."""

from __future__ import annotations

from perphedge.core import validate as v


def basis(perp_price: float, spot_price: float) -> float:
    """Perp (mark) price − spot (index) price, in quote currency."""
    return v.positive("perp_price", perp_price) - v.positive("spot_price", spot_price)


def basis_pct(perp_price: float, spot_price: float) -> float:
    """Basis as a fraction of the spot price (0.001 = perp 0.1 % above spot)."""
    spot = v.positive("spot_price", spot_price)
    return (v.positive("perp_price", perp_price) - spot) / spot
