"""HoldingInput validates what a Portfolio row may hold."""

from __future__ import annotations

import pytest

from perphedge.core.errors import InvalidInput
from perphedge.template.holding import HoldingInput


def test_preset_names_are_case_insensitive_and_custom_needs_a_ratio():
    h = HoldingInput("BTC", 1, "BTC/USDT:USDT", strategy="tactical defense")
    assert h.strategy == "Tactical Defense" and h.hedge_ratio is None
    with pytest.raises(InvalidInput, match="hedge_ratio is required"):
        HoldingInput("BTC", 1, "BTC/USDT:USDT", strategy="Custom")


@pytest.mark.parametrize("kwargs, argument", [
    ({"qty": 0}, "qty"), ({"qty": float("nan")}, "qty"), ({"hedge_ratio": 1.01}, "hedge_ratio"),
    ({"leverage": 0.5}, "leverage"), ({"leverage": 126}, "leverage"), ({"beta": 0}, "beta"),
    ({"held_contracts": -1}, "held_contracts"), ({"asset": " "}, "asset"),
    ({"strategy": "YOLO"}, "strategy"),
])
def test_bad_values_name_the_argument(kwargs, argument):
    base = {"asset": "BTC", "qty": 1, "hedge_symbol": "BTC/USDT:USDT", "strategy": "Custom",
            "hedge_ratio": 0.5}
    with pytest.raises(InvalidInput) as info:
        HoldingInput(**{**base, **kwargs})
    assert info.value.argument == argument


def test_price_key_defaults_to_the_hedge_symbol():
    assert HoldingInput("BTC", 1, "BTC/USDT:USDT", strategy="Tactical Defense").price_key == "BTC/USDT:USDT"
    cross = HoldingInput("ETH", 1, "BTC/USDT:USDT", strategy="Tactical Defense", price_symbol="ETH/USDT:USDT")
    assert cross.price_key == "ETH/USDT:USDT"
