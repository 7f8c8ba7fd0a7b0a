"""Minimum-variance hedge ratio of an asset against a hedge instrument, from log returns.

h* = cov(r_asset, r_hedge) / var(r_hedge): the fraction of the asset's value to short in
the hedge instrument that minimises the variance of the hedged position. numpy is
imported inside the function so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

from perphedge.core.errors import InvalidInput

MIN_PRICES = 3
_NOISE_SD = 1e-12


@dataclass(frozen=True)
class BetaResult:
    hedge_ratio: float
    correlation: float
    r_squared: float
    n_returns: int


def _name_bad_item(name: str, values: Sequence[Any]) -> None:
    for i, x in enumerate(values):
        if isinstance(x, bool) or not isinstance(x, Real):
            raise InvalidInput(f"{name}[{i}]", x, "must be a number")
        try:
            float(x)
        except OverflowError:
            raise InvalidInput(f"{name}[{i}]", x, "must be a finite price greater than 0") from None


def _prices(name: str, values: Any) -> Any:
    import numpy as np

    if isinstance(values, np.ndarray):
        if values.ndim != 1 or values.dtype.kind not in "fiu":
            raise InvalidInput(name, f"array of {values.dtype} shape {values.shape}",
                               "must be a one-dimensional array of numbers")
        arr = values.astype(float)
    elif isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InvalidInput(name, values, "must be a list of prices")
    else:
        # Plain floats and ints (the usual case) are checked by type in one pass; only
        # otherwise walk the list to name the first offender.
        if not set(map(type, values)) <= {float, int}:
            _name_bad_item(name, values)
        try:
            arr = np.array(values, dtype=float)
        except OverflowError:  # an int beyond float range
            _name_bad_item(name, values)
            raise
    bad = ~(np.isfinite(arr) & (arr > 0.0))
    if bad.any():
        i = int(np.argmax(bad))
        raise InvalidInput(f"{name}[{i}]", float(arr[i]), "must be a finite price greater than 0")
    return arr


def min_variance_hedge(asset_prices: Sequence[float],
                       hedge_prices: Sequence[float]) -> BetaResult:
    """Hedge ratio, correlation and R² of the asset's log returns on the hedge's."""
    import numpy as np

    a = _prices("asset_prices", asset_prices)
    h = _prices("hedge_prices", hedge_prices)
    if len(a) < MIN_PRICES:
        raise InvalidInput("asset_prices", len(a), f"must hold at least {MIN_PRICES} prices")
    if len(h) != len(a):
        raise InvalidInput("hedge_prices", len(h),
                           f"must have as many prices as asset_prices ({len(a)})")
    ra = np.diff(np.log(a))
    rh = np.diff(np.log(h))
    da = ra - ra.mean()
    dh = rh - rh.mean()
    # ddof cancels in the ratios, so plain sums of products are enough.
    saa = float(da @ da)
    shh = float(dh @ dh)
    sah = float(da @ dh)
    # Returns that differ only by float noise (a price series growing at a constant rate)
    # have no real variance; a standard deviation under 1e-12 is that noise.
    floor = _NOISE_SD ** 2 * len(rh)
    if shh <= floor:
        raise InvalidInput("hedge_prices", float(rh[0]),
                           "must vary (its log returns all equal, zero variance)")
    if saa <= floor:
        raise InvalidInput("asset_prices", float(ra[0]),
                           "must vary (its log returns all equal: correlation undefined)")
    rho = sah / math.sqrt(saa * shh)
    rho = max(-1.0, min(1.0, rho))  # rounding can push |ρ| a hair past 1
    return BetaResult(sah / shh, rho, rho * rho, len(ra))
