import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.errors import InvalidInput
from perphedge.core.sizing import PRESETS, hedge_notional, preset, ratio_for


def test_guide_example_half_hedge_of_ten_btc():
    # The guide: 10 BTC at $50,000 hedged 50 % -> a $250,000 short.
    assert hedge_notional(10 * 50_000, 0.5) == 250_000.0


def test_full_and_zero_hedge():
    assert hedge_notional(1_000_000, 1.0) == 1_000_000.0
    assert hedge_notional(1_000_000, 0.0) == 0.0


@pytest.mark.parametrize("ratio", [1.5, -0.1])
def test_ratio_outside_unit_interval_is_refused(ratio):
    with pytest.raises(InvalidInput, match=r"hedge_ratio must be between 0 and 1, got"):
        hedge_notional(1000, ratio)


def test_presets_bands():
    assert (PRESETS["Tactical Defense"].min_ratio, PRESETS["Tactical Defense"].max_ratio) == (0.40, 0.70)
    assert PRESETS["Tactical Defense"].default_ratio == 0.50
    assert (PRESETS["Capital Preservation"].min_ratio, PRESETS["Capital Preservation"].max_ratio) == (0.80, 1.00)
    assert PRESETS["Capital Preservation"].default_ratio == 1.00
    assert PRESETS["Custom"].default_ratio is None


def test_preset_lookup_is_case_insensitive():
    assert preset("tactical defense") is PRESETS["Tactical Defense"]
    assert preset("  CAPITAL PRESERVATION ") is PRESETS["Capital Preservation"]


def test_unknown_preset_lists_valid_names():
    with pytest.raises(InvalidInput) as e:
        preset("Yolo")
    msg = str(e.value)
    assert "'Yolo'" in msg and "Tactical Defense" in msg and "Capital Preservation" in msg and "Custom" in msg


def test_ratio_for_defaults_and_bands():
    assert ratio_for("Tactical Defense") == 0.5
    assert ratio_for("Capital Preservation") == 1.0
    assert ratio_for("Tactical Defense", 0.6) == 0.6
    assert ratio_for("Custom", 0.25) == 0.25
    with pytest.raises(InvalidInput, match="hedge_ratio is required with the Custom preset"):
        ratio_for("Custom")
    with pytest.raises(InvalidInput, match=r"between 0.4 and 0.7 for the Tactical Defense preset, got 0.9"):
        ratio_for("Tactical Defense", 0.9)
    with pytest.raises(InvalidInput, match=r"between 0.8 and 1 for the Capital Preservation preset"):
        ratio_for("Capital Preservation", 0.5)


@given(st.floats(0, 1e12), st.floats(0, 1), st.floats(0.01, 100))
def test_notional_scales_linearly_with_spot_value(value, ratio, k):
    assert hedge_notional(value * k, ratio) == pytest.approx(k * hedge_notional(value, ratio), rel=1e-12, abs=1e-9)
