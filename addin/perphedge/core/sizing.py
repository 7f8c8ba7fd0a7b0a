"""Hedge size from spot value and hedge ratio, and the guide's strategy presets."""

from __future__ import annotations

from dataclasses import dataclass

from perphedge.core import validate as v
from perphedge.core.errors import InvalidInput


def hedge_notional(spot_value: float, hedge_ratio: float) -> float:
    """Notional of the short that hedges ``hedge_ratio`` of ``spot_value`` (quote currency)."""
    return v.non_negative("spot_value", spot_value) * v.fraction("hedge_ratio", hedge_ratio)


@dataclass(frozen=True)
class Preset:
    """A strategy's band of hedge ratios. ``default_ratio`` None: the user picks (Custom)."""

    name: str
    min_ratio: float
    max_ratio: float
    default_ratio: float | None


PRESETS: dict[str, Preset] = {
    "Tactical Defense": Preset("Tactical Defense", 0.40, 0.70, 0.50),
    "Capital Preservation": Preset("Capital Preservation", 0.80, 1.00, 1.00),
    "Custom": Preset("Custom", 0.0, 1.0, None),
}

_BY_KEY = {name.casefold(): p for name, p in PRESETS.items()}


def preset(name: str) -> Preset:
    """The preset called ``name`` (case-insensitive)."""
    key = v.text("preset", name).casefold()
    if key not in _BY_KEY:
        raise InvalidInput("preset", name, f"must be one of {', '.join(PRESETS)}")
    return _BY_KEY[key]


def ratio_for(preset_name: str, hedge_ratio: float | None = None) -> float:
    """The hedge ratio to use: the preset's default, or ``hedge_ratio`` checked against the
    preset's band. Custom has no default, so it needs ``hedge_ratio``."""
    p = preset(preset_name)
    if hedge_ratio is None:
        if p.default_ratio is None:
            raise InvalidInput("hedge_ratio", hedge_ratio, f"is required with the {p.name} preset")
        return p.default_ratio
    r = v.fraction("hedge_ratio", hedge_ratio)
    if not p.min_ratio <= r <= p.max_ratio:
        raise InvalidInput(
            "hedge_ratio", hedge_ratio,
            f"must be between {p.min_ratio:g} and {p.max_ratio:g} for the {p.name} preset")
    return r
