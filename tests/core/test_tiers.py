"""Leverage tiers from (floor, rate) brackets, with exact maintenance amounts (core/tiers.py).

Expected amounts come from Binance's own worked example (USDⓈ-M FAQ "Leverage and Margin":
50,000 × (0.5 % − 0.4 %) = 50; 250,000 × (1 % − 0.5 %) + 50 = 1,300) or are worked by hand
next to the assertion; the property test checks the rule's defining invariant (the
maintenance margin is the same either side of every floor) in exact arithmetic.
"""

from decimal import Decimal
from itertools import accumulate

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.errors import InvalidInput
from perphedge.core.liquidation import tier_for_notional
from perphedge.core.marketdata import LeverageTier
from perphedge.core.tiers import maint_amounts_exact, parse_brackets, tiers_from_brackets

#: Binance BTCUSDT's first three brackets, as the exchange (and ccxt) write them.
BTC_FAQ = [["0", "0.004"], ["50000", "0.005"], ["250000", "0.01"]]


def test_binance_faq_example_is_0_50_1300_exactly():
    amounts = maint_amounts_exact(BTC_FAQ)
    assert all(isinstance(a, Decimal) for a in amounts)
    assert amounts == (Decimal(0), Decimal(50), Decimal(1300))


def test_exact_where_binary_floats_are_not():
    # ETHUSDT's second bracket: 100,000 × (0.65 % − 0.5 %) = 100,000 × 0.0015 = 150.
    eth = [["0", "0.005"], ["100000", "0.0065"]]
    assert 100000 * (0.0065 - 0.005) != 150  # the float trap is real: 149.99999999999997
    assert maint_amounts_exact(eth) == (Decimal(0), Decimal(150))
    # Binance COIN-M BTCUSD, in BTC: 5 × 0.001 = 0.005; + 10 × 0.005 = 0.055;
    # + 20 × 0.015 = 0.355 (floats: 0.35500000000000004).
    coin = [["0", "0.004"], ["5", "0.005"], ["10", "0.01"], ["20", "0.025"]]
    assert maint_amounts_exact(coin) == tuple(Decimal(x) for x in ("0", "0.005", "0.055", "0.355"))


def test_a_float_argument_is_read_as_its_decimal_text():
    assert maint_amounts_exact([(0, 0.005), (100000, 0.0065)])[1] == Decimal(150)
    assert maint_amounts_exact([(Decimal(0), Decimal("0.005")), (100000, "0.0065")])[1] == 150


def test_equal_rates_add_nothing():
    assert maint_amounts_exact([["0", "0.01"], ["1000", "0.01"], ["2000", "0.02"]]) == (0, 0, 20)


@st.composite
def bracket_tables(draw):
    """Random bracket tables as decimal strings: floors 0 then rising by 0.01 .. 1e9,
    rates from up to 5 % rising by 0 .. 8 % per tier (so below 1 with 12 tiers)."""
    n = draw(st.integers(min_value=1, max_value=12))
    gap = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2)
    step = st.decimals(min_value=Decimal(0), max_value=Decimal("0.08"), places=5)
    floors = [Decimal(0), *accumulate(draw(st.lists(gap, min_size=n - 1, max_size=n - 1)))]
    first = draw(st.decimals(min_value=Decimal(0), max_value=Decimal("0.05"), places=5))
    rates = list(accumulate([first, *draw(st.lists(step, min_size=n - 1, max_size=n - 1))]))
    return [[str(f), str(r)] for f, r in zip(floors, rates)]


@given(bracket_tables())
def test_maintenance_margin_is_continuous_at_every_floor_exactly(table):
    amounts = maint_amounts_exact(table)
    pairs = parse_brackets(table)
    assert amounts[0] == 0
    for i in range(1, len(pairs)):
        floor = pairs[i][0]
        below = floor * pairs[i - 1][1] - amounts[i - 1]
        above = floor * pairs[i][1] - amounts[i]
        assert below == above
        assert amounts[i] >= amounts[i - 1]  # rates never fall, so neither do amounts


@given(bracket_tables())
def test_tier_records_carry_the_exact_amounts_and_chain_their_bounds(table):
    tiers = tiers_from_brackets(table)
    assert [t.maint_amount for t in tiers] == [float(a) for a in maint_amounts_exact(table)]
    assert [t.min_notional for t in tiers] == [float(f) for f, _ in table]
    assert [t.max_notional for t in tiers[:-1]] == [t.min_notional for t in tiers[1:]]
    assert tiers[-1].max_notional == float("inf")


def test_tiers_from_brackets_are_leverage_tier_records_without_a_made_up_leverage():
    tiers = tiers_from_brackets(BTC_FAQ)
    assert tiers == (
        LeverageTier(1, 0.0, 50000.0, 0.004, 0.0, None, "quote"),
        LeverageTier(2, 50000.0, 250000.0, 0.005, 50.0, None, "quote"),
        LeverageTier(3, 250000.0, float("inf"), 0.01, 1300.0, None, "quote"),
    )
    coin = tiers_from_brackets([["0", "0.004"], ["5", "0.005"]], "base")
    assert {t.notional_unit for t in coin} == {"base"} and coin[1].maint_amount == 0.005


def test_a_notional_above_the_last_floor_gets_the_last_tier():
    tiers = tiers_from_brackets(BTC_FAQ)
    assert tier_for_notional(tiers, 249_999.99).tier == 2
    assert tier_for_notional(tiers, 250_000).tier == 3          # on a floor: the upper tier
    assert tier_for_notional(tiers, 50_000_000_000).tier == 3   # far above: still the last
    # Maintenance margin at 1,000,000 USDT: 1,000,000 × 1 % − 1,300 = 8,700.
    t = tier_for_notional(tiers, 1_000_000)
    assert 1_000_000 * t.mmr - t.maint_amount == 8_700


@pytest.mark.parametrize(("brackets", "message"), [
    ([], "brackets must be a non-empty list of (floor, mmr) pairs, got []"),
    ("0,0.004", "brackets must be a non-empty list"),
    (None, "brackets must be a non-empty list"),
    ([("0", "0.004", "1")], "brackets[0] must be a (floor, mmr) pair"),
    (["0"], "brackets[0] must be a (floor, mmr) pair, got '0'"),
    ([("1", "0.004")], "brackets[0] floor must be 0, got '1'"),
    ([("0", "0.004"), ("0", "0.005")], "brackets[1] floor must exceed the previous floor 0, got '0'"),
    ([("0", "0.004"), ("50000", "0.005"), ("40000", "0.01")],
     "brackets[2] floor must exceed the previous floor 50000, got '40000'"),
    ([("0", "0.005"), ("50000", "0.004")],
     "brackets[1] mmr must not be below the previous tier's 0.005, got '0.004'"),
    ([("0", "1")], "brackets[0] mmr must be at least 0 and below 1, got '1'"),
    ([("0", "-0.001")], "brackets[0] mmr must be at least 0 and below 1, got '-0.001'"),
    ([("0", "nan")], "brackets[0] mmr must be a finite number, got 'nan'"),
    ([("0", "0.004"), ("Infinity", "0.005")], "brackets[1] floor must be a finite number"),
    ([("0", "0.004"), (float("inf"), "0.005")], "brackets[1] floor must be a finite number, got inf"),
    ([("0", "four")], "brackets[0] mmr must be a decimal number, got 'four'"),
    ([("0", None)], "brackets[0] mmr must be a decimal number, got None"),
    ([("0", True)], "brackets[0] mmr must be a decimal number, got True"),
    ([(False, "0.004")], "brackets[0] floor must be a decimal number, got False"),
])
def test_bad_brackets_name_the_argument_and_value(brackets, message):
    for f in (maint_amounts_exact, tiers_from_brackets):
        with pytest.raises(InvalidInput) as err:
            f(brackets)
        assert message in str(err.value)


def test_bad_notional_unit_is_named():
    with pytest.raises(InvalidInput, match="notional_unit must be one of quote, base, contracts, got 'usd'"):
        tiers_from_brackets(BTC_FAQ, "usd")


def test_a_table_too_long_to_compute_exactly_is_refused_not_rounded():
    # A 250-digit rate cannot be differenced exactly at 200 significant digits.
    with pytest.raises(InvalidInput, match="brackets have too many digits for an exact maintenance amount"):
        maint_amounts_exact([("0", "0"), ("3", "0." + "1" * 250)])
