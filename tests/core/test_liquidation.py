"""Liquidation of an isolated short, against Binance's formulas (see core/liquidation.py).

Every figure here is a synthetic input to the formula, chosen to make the arithmetic easy
to follow, except where a line says it comes from Binance's documentation.
"""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from perphedge.core.errors import InvalidInput
from perphedge.core.liquidation import (
    LiquidationResult,
    cumulative_maint_amounts,
    liquidation_distance,
    liquidation_price_short,
    liquidation_short_tiered,
    tier_for_notional,
)
from perphedge.core.marketdata import LeverageTier


def linear_equity_minus_maintenance(entry, qty, margin, mmr, cum, price):
    """Independent check: margin balance of the short at `price` less its maintenance."""
    equity = margin + qty * (entry - price)
    maintenance = qty * price * mmr - cum
    return equity - maintenance


def inverse_equity_minus_maintenance(entry, qty, margin, mmr, cum, price):
    """Same in coin for an inverse short worth qty * entry USD."""
    usd = qty * entry
    equity = margin + usd * (1 / price - 1 / entry)
    maintenance = usd / price * mmr - cum
    return equity - maintenance


def test_linear_hand_calculation():
    # Short 1 BTC at 50,000 with 50,000 USDT margin (1x), MMR 0.5 %:
    # 50,000 + 50,000 = 1.005 X  ->  X = 100,000 / 1.005
    lp = liquidation_price_short(50_000, 1, 50_000, mmr=0.005)
    assert lp == pytest.approx(100_000 / 1.005, rel=1e-15)
    assert lp == pytest.approx(99_502.49, abs=0.005)


def test_linear_equity_equals_maintenance_at_the_price():
    entry, qty, margin, mmr, cum = 60_000.0, 0.4, 12_000.0, 0.01, 50.0
    lp = liquidation_price_short(entry, qty, margin, mmr=mmr, maint_amount=cum)
    assert linear_equity_minus_maintenance(entry, qty, margin, mmr, cum, lp) == pytest.approx(0, abs=1e-7)
    # ...and a dollar lower the position is still alive.
    assert linear_equity_minus_maintenance(entry, qty, margin, mmr, cum, lp - 1) > 0


def test_inverse_hand_calculation():
    # Short $300 of BTC (3 contracts of $100) at 60,000 = 0.005 BTC, margin 0.0025 BTC
    # (2x), MMR 0.4 %: X = 0.005 * 60,000 * 0.996 / (0.005 - 0.0025) = 119,520.
    assert liquidation_price_short(60_000, 0.005, 0.0025, mmr=0.004, inverse=True) == pytest.approx(
        119_520.0, rel=1e-12)


def test_inverse_equity_equals_maintenance_at_the_price():
    entry, qty, margin, mmr, cum = 40_000.0, 2.0, 0.5, 0.005, 0.01
    lp = liquidation_price_short(entry, qty, margin, mmr=mmr, maint_amount=cum, inverse=True)
    assert inverse_equity_minus_maintenance(entry, qty, margin, mmr, cum, lp) == pytest.approx(0, abs=1e-12)
    assert lp > entry


def _ccxt_liquidation(inverse, entry, contracts, contract_size, wallet, mmr):
    """ccxt's own implementation of Binance's isolated formula (cum = 0), as an
    independent engine. Market and bracket are synthetic inputs, not recorded data."""
    ccxt = pytest.importorskip("ccxt")
    if inverse:
        ex = ccxt.binancecoinm()
        market = {"id": "BTCUSD_PERP", "symbol": "BTC/USD:BTC", "settle": "BTC", "settleId": "BTC",
                  "quote": "USD", "quoteId": "USD", "linear": False, "inverse": True}
        position = {"symbol": "BTCUSD_PERP",
                    "notionalValue": repr(-contracts * contract_size / entry)}
    else:
        ex = ccxt.binanceusdm()
        market = {"id": "BTCUSDT", "symbol": "BTC/USDT:USDT", "settle": "USDT", "settleId": "USDT",
                  "quote": "USDT", "quoteId": "USDT", "linear": True, "inverse": False}
        position = {"symbol": "BTCUSDT", "notional": repr(-contracts * contract_size * entry)}
    market.update({"base": "BTC", "baseId": "BTC", "type": "swap", "spot": False, "swap": True,
                   "future": False, "option": False, "contract": True, "active": True,
                   "contractSize": contract_size, "precision": {"amount": 1, "price": 1e-8},
                   "limits": {}})
    ex.set_markets([market])
    ex.options["leverageBrackets"] = {market["symbol"]: [["0", repr(mmr)]]}
    position.update({"positionAmt": repr(-contracts), "entryPrice": repr(entry), "isolated": True,
                     "isolatedWallet": repr(wallet), "unrealizedProfit": "0", "initialMargin": repr(wallet),
                     "maintMargin": "0", "leverage": "2", "positionSide": "BOTH", "updateTime": "0"})
    return ex.parse_account_position(position)["liquidationPrice"]


@pytest.mark.parametrize("entry,qty,margin,mmr", [
    (60_000.0, 0.4, 12_000.0, 0.004),
    (3_000.0, 33.333, 99_999.0, 0.005),
    (65_432.1, 1.5, 20_000.0, 0.01),
])
def test_linear_matches_ccxt_binance_engine(entry, qty, margin, mmr):
    expected = _ccxt_liquidation(False, entry, qty, 1, margin, mmr)
    assert liquidation_price_short(entry, qty, margin, mmr=mmr) == pytest.approx(expected, abs=1e-8)


@pytest.mark.parametrize("entry,contracts,margin,mmr", [
    (60_000.0, 3, 0.0025, 0.004),
    (45_000.0, 1_000, 1.0, 0.005),
])
def test_inverse_matches_ccxt_binance_engine(entry, contracts, margin, mmr):
    expected = _ccxt_liquidation(True, entry, contracts, 100, margin, mmr)
    qty = contracts * 100 / entry
    assert liquidation_price_short(entry, qty, margin, mmr=mmr, inverse=True) == pytest.approx(expected, abs=1e-8)


def test_inverse_fully_collateralised_short_has_no_liquidation_price():
    # A 1x inverse short: 1 BTC of exposure backed by 1 BTC. Never liquidated.
    with pytest.raises(InvalidInput,
                       match="margin covers any price rise: this short has no liquidation price, got 1.0"):
        liquidation_price_short(50_000, 1.0, 1.0, inverse=True)


def test_margin_below_maintenance_at_entry_is_refused():
    with pytest.raises(InvalidInput, match="margin must exceed the maintenance margin at the entry price"):
        liquidation_price_short(50_000, 1, 100, mmr=0.005)


def test_distance():
    assert liquidation_distance(50_000, 75_000) == pytest.approx(0.5)
    assert liquidation_distance(50_000, 99_502.49) > 0


def test_cumulative_maint_amounts_binance_example():
    # Binance USD-M FAQ: level 3 amount = 250,000 * (1 % - 0.5 %) + 50 = 1,300 USDT,
    # with level 2 = 50,000 * (0.5 % - 0.4 %) + 0 = 50.
    assert cumulative_maint_amounts([(0, 0.004), (50_000, 0.005), (250_000, 0.01)]) == pytest.approx(
        (0.0, 50.0, 1300.0))


def test_cumulative_maint_amounts_bad_input():
    with pytest.raises(InvalidInput, match=r"brackets\[0\] floor must be 0"):
        cumulative_maint_amounts([(10, 0.004)])
    with pytest.raises(InvalidInput, match=r"brackets\[1\] floor must exceed the previous floor"):
        cumulative_maint_amounts([(0, 0.004), (0, 0.005)])


# Synthetic tier table (not any exchange's): continuous maintenance margin, amounts by
# Binance's rule: 0; 100,000*(0.01-0.005) = 500; 500 + 200,000*(0.025-0.01) = 3,500.
SYNTHETIC_TIERS = (
    LeverageTier(1, 0, 100_000, 0.005, 0.0, 50),
    LeverageTier(2, 100_000, 200_000, 0.01, 500.0, 20),
    LeverageTier(3, 200_000, float("inf"), 0.025, 3_500.0, 10),
)


def test_tier_for_notional_boundaries():
    assert tier_for_notional(SYNTHETIC_TIERS, 0).tier == 1
    assert tier_for_notional(SYNTHETIC_TIERS, 99_999.99).tier == 1
    assert tier_for_notional(SYNTHETIC_TIERS, 100_000).tier == 2  # boundary: upper tier
    assert tier_for_notional(SYNTHETIC_TIERS, 5e8).tier == 3
    assert tier_for_notional(list(reversed(SYNTHETIC_TIERS)), 150_000).tier == 2


def test_tier_above_last_cap_is_refused():
    capped = SYNTHETIC_TIERS[:2]
    with pytest.raises(InvalidInput, match="notional must be below the largest tier's cap 200000"):
        tier_for_notional(capped, 250_000)


def test_tiered_recomputes_when_first_guess_lands_in_another_tier():
    # Short 1.5 BTC at 60,000 = 90,000 notional (tier 1) with 1x margin 90,000.
    entry, qty, margin = 60_000.0, 1.5, 90_000.0
    first = liquidation_price_short(entry, qty, margin, mmr=0.005, maint_amount=0.0)
    # Hand check of the first guess: 180,000 / (1.5 * 1.005) = 119,402.99; its notional
    # 179,104.48 lies in tier 2, so tier 1 does not apply at liquidation.
    assert first == pytest.approx(180_000 / 1.5075)
    assert 100_000 <= qty * first < 200_000
    result = liquidation_short_tiered(entry, qty, margin, SYNTHETIC_TIERS)
    assert isinstance(result, LiquidationResult)
    assert result.tier.tier == 2
    # Tier 2 by hand: (90,000 + 500 + 90,000) / (1.5 * 1.01) = 119,141.91
    assert result.price == pytest.approx(180_500 / 1.515, rel=1e-15)
    assert 100_000 <= qty * result.price < 200_000
    assert linear_equity_minus_maintenance(entry, qty, margin, 0.01, 500.0, result.price) == pytest.approx(0, abs=1e-6)


def test_tiered_stays_in_entry_tier_when_it_holds():
    result = liquidation_short_tiered(50_000, 0.5, 12_500, SYNTHETIC_TIERS)  # 25,000 -> ~37,313 notional
    assert result.tier.tier == 1
    assert result.price == pytest.approx(liquidation_price_short(50_000, 0.5, 12_500, mmr=0.005))


def test_tiered_inverse_in_coin_brackets_moves_down_a_tier():
    # Synthetic COIN-M-style tiers bracketed in BTC. Short $600,000 at 60,000 = 10 BTC
    # (tier 2 at entry); 2x margin 5 BTC. At the liquidation price the coin value P/X is
    # smaller, under 10 BTC, so tier 1 applies.
    tiers = (
        LeverageTier(1, 0, 10, 0.005, 0.0, 50, notional_unit="BTC"),
        LeverageTier(2, 10, 100, 0.01, 0.05, 20, notional_unit="BTC"),
    )
    result = liquidation_short_tiered(60_000, 10.0, 5.0, tiers, inverse=True)
    assert result.tier.tier == 1
    assert result.price == pytest.approx(10 * 60_000 * 0.995 / (10 - 5), rel=1e-15)
    assert 600_000 / result.price < 10
    assert inverse_equity_minus_maintenance(60_000, 10.0, 5.0, 0.005, 0.0, result.price) == pytest.approx(0, abs=1e-12)


def test_tiers_in_contracts_need_contract_size():
    tiers = (LeverageTier(1, 0, 1e9, 0.005, 0.0, 50, notional_unit="contracts"),)
    with pytest.raises(InvalidInput, match="contract_size is needed"):
        liquidation_short_tiered(50_000, 1, 25_000, tiers)
    assert liquidation_short_tiered(50_000, 1, 25_000, tiers, contract_size=0.01).tier.tier == 1


def test_tiers_must_be_tiers():
    with pytest.raises(InvalidInput, match="tiers must be a non-empty list"):
        liquidation_short_tiered(50_000, 1, 25_000, [])
    with pytest.raises(InvalidInput, match=r"tiers\[0\] must be a LeverageTier"):
        liquidation_short_tiered(50_000, 1, 25_000, [(0, 1e9, 0.005)])


@given(entry=st.floats(1, 1e6), qty=st.floats(1e-3, 1e4), lev=st.floats(1, 50),
       mmr=st.sampled_from([0.004, 0.005, 0.01]))
def test_linear_short_liquidates_above_entry_and_closer_with_leverage(entry, qty, lev, mmr):
    notional = qty * entry
    lp = liquidation_price_short(entry, qty, notional / lev, mmr=mmr)
    assert lp > entry
    assert linear_equity_minus_maintenance(entry, qty, notional / lev, mmr, 0, lp) == pytest.approx(
        0, abs=1e-9 * notional)
    higher = lev * 1.5
    assume(1 / higher > mmr * 1.01)
    lp_higher = liquidation_price_short(entry, qty, notional / higher, mmr=mmr)
    assert entry < lp_higher < lp


@given(entry=st.floats(1, 1e6), qty=st.floats(1e-3, 1e4), lev=st.floats(1.01, 50),
       mmr=st.sampled_from([0.004, 0.005, 0.01]))
def test_inverse_short_liquidates_above_entry_and_closer_with_leverage(entry, qty, lev, mmr):
    lp = liquidation_price_short(entry, qty, qty / lev, mmr=mmr, inverse=True)
    assert lp > entry
    higher = lev * 1.5
    assume(1 / higher > mmr * 1.01)
    assert entry < liquidation_price_short(entry, qty, qty / higher, mmr=mmr, inverse=True) < lp


@given(entry=st.floats(10, 1e5), qty=st.floats(0.01, 100), lev=st.floats(1, 9))
def test_tiered_result_holds_its_own_liquidation_notional(entry, qty, lev):
    margin = qty * entry / lev
    result = liquidation_short_tiered(entry, qty, margin, SYNTHETIC_TIERS)
    t = result.tier
    assert t.min_notional <= qty * result.price < t.max_notional
    assert result.price > entry
    scale = qty * result.price
    assert linear_equity_minus_maintenance(entry, qty, margin, t.mmr, t.maint_amount, result.price) == pytest.approx(
        0, abs=1e-9 * scale)


def test_cumulative_maint_amounts_are_exact_decimals():
    # 100,000 × (0.65 % − 0.5 %) is 150 (floats alone give 149.99999999999997)
    assert cumulative_maint_amounts([(0, 0.005), (100_000, 0.0065), (250_000, 0.01)]) == (0.0, 150.0, 1025.0)
