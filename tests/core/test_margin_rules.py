"""Each venue's isolated-margin rule (core/margin_rules), against the venue's own statement.

Worked examples are the venues' published ones where the stored help-centre copy shows the
result (Bybit's USDT short at 8,000, 40×); the others are hand calculations from the
published formula, written out in each test. Every other figure is a synthetic input to the
formula. The property tests check the solution against each venue's condition written here
independently of the code: equity = maintenance (+ fee where the venue counts it).
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from perphedge.core import margin_rules
from perphedge.core.errors import InvalidInput
from perphedge.core.liquidation import liquidation_price_short, liquidation_short_tiered
from perphedge.core.margin_rules import binance, bybit, okx, rule_for
from perphedge.core.margin_rules.rule import MarginRule, NeverLiquidated
from perphedge.core.marketdata import LeverageTier

# -- each venue's condition, as its documentation states it (independent of the code) -------


def binance_linear(entry, qty, margin, mmr, cum, fee, price):
    return margin + qty * (entry - price) - (qty * price * mmr - cum)


def okx_linear(entry, qty, margin, mmr, cum, fee, price):
    # margin ratio = (margin + PnL) / (size × mark × (tier rate + fee rate)) = 100 %
    return margin + qty * (entry - price) - qty * price * (mmr + fee)


def bybit_linear(entry, qty, margin, mmr, cum, fee, price):
    # MM = position value at ENTRY × MMR − deduction
    return margin + qty * (entry - price) - (qty * entry * mmr - cum)


def binance_inverse(entry, qty, margin, mmr, cum, fee, price):
    usd = qty * entry
    return margin + usd * (1 / price - 1 / entry) - (usd / price * mmr - cum)


def okx_inverse(entry, qty, margin, mmr, cum, fee, price):
    usd = qty * entry
    return margin + usd * (1 / price - 1 / entry) - usd / price * (mmr + fee)


bybit_inverse = binance_inverse  # UTA isolated: value at the mark, deduction as cum

CONDITIONS = [
    (binance.USDM, binance_linear), (okx.LINEAR, okx_linear), (bybit.LINEAR, bybit_linear),
    (binance.COINM, binance_inverse), (okx.INVERSE, okx_inverse), (bybit.INVERSE, bybit_inverse),
]


# -- worked examples -----------------------------------------------------------------------


def test_bybit_usdt_short_worked_example():
    # Bybit help centre, "Liquidation Price (USDT Contract)": 1 BTC short at 8,000, 40×,
    # MMR 0.5 %: IM = 200, MM = 40, LP = 8,000 + (200 − 40) / 1 = 8,160.
    lp = liquidation_price_short(8_000, 1, 200, mmr=0.005, rule=bybit.LINEAR)
    assert round(lp, 2) == 8_160.00


@pytest.mark.parametrize("lev,binance_lp,okx_lp,bybit_lp", [
    # BTC short of 1 at 70,000, margin 70,000 / lev; MMR 0.4 % (Binance, OKX) and 0.5 %
    # (Bybit), OKX taker fee 0.05 %:
    #   Binance (70,000 + 70,000/L) / 1.004; OKX (70,000 + 70,000/L) / 1.0045;
    #   Bybit 70,000 × 0.995 + 70,000 / L.
    (1, 139_442.23, 139_372.82, 139_650.00),
    (2, 104_581.67, 104_529.62, 104_650.00),
    (5, 83_665.34, 83_623.69, 83_650.00),
    (10, 76_693.23, 76_655.05, 76_650.00),
])
def test_btc_short_at_70000_by_each_venue(lev, binance_lp, okx_lp, bybit_lp):
    margin = 70_000 / lev
    assert round(liquidation_price_short(70_000, 1, margin, mmr=0.004), 2) == binance_lp
    assert round(liquidation_price_short(70_000, 1, margin, mmr=0.004, rule=okx.LINEAR,
                                         fee_rate=0.0005), 2) == okx_lp
    assert round(liquidation_price_short(70_000, 1, margin, mmr=0.005, rule=bybit.LINEAR), 2) == bybit_lp


def test_okx_inverse_counts_the_fee():
    # BTC-USD-SWAP short of 1 BTC at 70,000 at 2× (0.5 BTC margin), MMR 0.4 %, fee 0.05 %:
    # X = 70,000 × (1 − 0.004 − 0.0005) / (1 − 0.5) = 139,370; Binance's rule gives 139,440.
    okx_lp = liquidation_price_short(70_000, 1, 0.5, mmr=0.004, inverse=True, rule=okx.INVERSE, fee_rate=0.0005)
    assert round(okx_lp, 2) == 139_370.00
    assert round(liquidation_price_short(70_000, 1, 0.5, mmr=0.004, inverse=True), 2) == 139_440.00


def test_bybit_inverse_by_the_unified_account_formula():
    # Bybit UTA isolated, inverse: LP(short) = Size × (1 − MMR) / (Size/Entry − Size/Entry/L − ded).
    # 60,000 USD short at 50,000, 10×, MMR 0.5 %: 59,700 / (1.2 − 0.12) = 55,277.78.
    lp = liquidation_price_short(50_000, 1.2, 0.12, mmr=0.005, inverse=True, rule=bybit.INVERSE)
    assert round(lp, 2) == 55_277.78


def test_bybit_required_margin_holds_the_fee_to_close():
    # 1× linear short of 70,000: bankruptcy price 140,000, fee to close 140,000 × 0.055 % = 77,
    # so 70,077 is asked (0.11 % of the notional above notional / leverage).
    assert bybit.LINEAR.required_margin(70_000, 1, 0.00055) == pytest.approx(70_077.0, rel=1e-15)
    # 2× inverse, 70,000 USD: bankruptcy at 140,000; fee on 0.5 BTC of value = 70,000 × 0.5 × 0.055 %
    assert bybit.INVERSE.required_margin(70_000, 2, 0.00055) == pytest.approx(35_000 + 19.25, rel=1e-15)
    for rule in (binance.USDM, binance.COINM, okx.LINEAR, okx.INVERSE):
        assert rule.required_margin(70_000, 2, 0.0005) == 35_000


# -- the registry -------------------------------------------------------------------------


def test_every_first_class_venue_has_its_rule():
    assert rule_for("binanceusdm", False) is binance.USDM
    assert rule_for("binancecoinm", True) is binance.COINM
    assert rule_for("BYBIT", False) is bybit.LINEAR and rule_for("bybit", True) is bybit.INVERSE
    assert rule_for("okx", False) is okx.LINEAR and rule_for(" okx ", True) is okx.INVERSE
    for rule in margin_rules.RULES:
        assert "read 2026-" in rule.source and not rule.default


def test_another_exchange_gets_the_declared_default_and_says_so():
    rule = rule_for("kraken", False)
    assert rule.default and rule.name.startswith("default")
    assert margin_rules.default_note("kraken") == "liquidation price by Binance's rule: kraken's own is not known"
    assert rule_for(None, True) is binance.COINM and rule_for("", False) is binance.USDM


def test_the_workbook_reads_venue_terms_from_the_registry():
    assert margin_rules.exchanges_where(False, fee_in_maintenance=True) == ("okx",)
    assert margin_rules.exchanges_where(False, maintenance_at_entry=True) == ("bybit",)
    assert margin_rules.exchanges_where(True, maintenance_at_entry=True) == ()


def test_a_rule_for_the_other_kind_of_market_is_refused():
    with pytest.raises(InvalidInput, match="rule"):
        liquidation_price_short(70_000, 1, 0.5, inverse=True, rule=okx.LINEAR)
    with pytest.raises(InvalidInput, match="maintenance_at_entry"):
        MarginRule("x", (), inverse=True, source="-", maintenance_at_entry=True)


# -- never liquidated ------------------------------------------------------------------------


def _tiers(floors, rates, unit):
    """Synthetic tiers whose amounts keep the maintenance continuous, as Binance defines
    them: cum_n = floor_n × (r_n − r_{n−1}) + cum_{n−1}."""
    cum, out = 0.0, []
    for i, (lo, r) in enumerate(zip(floors, rates)):
        if i:
            cum += lo * (r - rates[i - 1])
        hi = floors[i + 1] if i + 1 < len(floors) else float("inf")
        out.append(LeverageTier(i + 1, lo, hi, r, cum, 125.0, unit))
    return out


def _coin_tiers():
    # Synthetic coin-bracketed tiers (BTC), Binance COIN-M's shape.
    return _tiers([0, 50, 200, 500, 1_000], [0.005, 0.01, 0.025, 0.05, 0.15], "base")


def test_a_leveraged_inverse_short_is_liquidated_in_a_lower_tier():
    # 1,200 BTC of exposure at 70,000 with 1,200 / 1.1 BTC of margin. In the entry tier
    # (cum 115.75) margin + cum ≥ qty: that tier alone says "never". But as the price rises the
    # coin value P/X falls into lower tiers with smaller amounts, where the margin no longer
    # covers it: the short IS liquidated, where equity = maintenance at the tier there.
    tiers, qty, entry = _coin_tiers(), 1_200.0, 70_000.0
    margin = qty / 1.1
    entry_tier = tiers[-1]
    assert margin + entry_tier.maint_amount >= qty  # what the entry tier alone said: "never"
    result = liquidation_short_tiered(entry, qty, margin, tiers, inverse=True)
    assert result.price is not None and result.price > entry
    t = result.tier
    coin_value = qty * entry / result.price
    assert t.min_notional <= coin_value < t.max_notional
    assert binance_inverse(entry, qty, margin, t.mmr, t.maint_amount, 0, result.price) == pytest.approx(
        0, abs=1e-9 * qty)


def test_only_margin_covering_the_whole_position_is_never_liquidated():
    tiers = _coin_tiers()
    assert liquidation_short_tiered(70_000, 100, 100, tiers, inverse=True).never
    assert liquidation_short_tiered(70_000, 100, 100.5, tiers, inverse=True).never
    assert not liquidation_short_tiered(70_000, 100, 99, tiers, inverse=True).never
    with pytest.raises(NeverLiquidated):
        liquidation_price_short(70_000, 1, 1, inverse=True)


# -- properties: equity = the venue's requirement at the computed price ---------------------


def _quote_tiers(scale):
    floors = [0, 10_000 * scale, 50_000 * scale, 250_000 * scale, 1_000_000 * scale]
    return _tiers(floors, [0.004, 0.005, 0.01, 0.025, 0.05], "quote")


@pytest.mark.parametrize("rule,condition", CONDITIONS, ids=[r.name for r, _ in CONDITIONS])
@given(entry=st.floats(1_000, 200_000), qty=st.floats(0.01, 500), lev=st.floats(1.0, 20.0),
       fee=st.sampled_from([0.0, 0.0002, 0.0005, 0.00055]), scale=st.sampled_from([0.01, 0.1, 1.0]))
def test_at_the_liquidation_price_equity_equals_the_venues_requirement(rule, condition, entry, qty, lev,
                                                                        fee, scale):
    if rule.inverse:
        tiers = [LeverageTier(t.tier, t.min_notional / 50_000, t.max_notional / 50_000, t.mmr,
                              t.maint_amount / 50_000, t.max_leverage, "base") for t in _quote_tiers(scale)]
        margin = qty / lev
    else:
        tiers = _quote_tiers(scale)
        margin = qty * entry / lev
    if rule.fee_in_maintenance:  # OKX: the tier's rate on the whole position, no deduction
        tiers = [LeverageTier(t.tier, t.min_notional, t.max_notional, t.mmr, 0.0, t.max_leverage,
                              t.notional_unit) for t in tiers]
    try:
        result = liquidation_short_tiered(entry, qty, margin, tiers, inverse=rule.inverse, rule=rule,
                                          fee_rate=fee)
    except InvalidInput:
        assume(False)  # above the last cap, or below maintenance at entry: refused loudly
        return
    if result.never:
        assert rule.inverse and margin >= qty * (1 - 1e-12)
        return
    t = result.tier
    scale_ = qty if rule.inverse else qty * entry
    assert condition(entry, qty, margin, t.mmr, t.maint_amount, fee, result.price) == pytest.approx(
        0, abs=1e-9 * scale_)
    assert result.price > entry
