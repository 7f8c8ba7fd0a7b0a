"""The Portfolio row policy (core.position) on the traps a new user falls into, by hand.

Every Market figure here is a SYNTHETIC input to the rules (round numbers chosen so the
expected values can be checked by hand), not market data."""

from __future__ import annotations

from datetime import datetime

import pytest

from perphedge.core.marketdata import DataStatus, LeverageTier, MarketRow
from perphedge.core.position import (
    BELOW_MINIMUM,
    INVALID_INPUT,
    NOT_PRICED,
    WARNINGS,
    RowCells,
    portfolio_row,
)

NOW = datetime(2026, 1, 1)
ST = DataStatus("binanceusdm", int((NOW - datetime(1970, 1, 1)).total_seconds() * 1000))
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def row(symbol: str, price: float, **kw) -> MarketRow:
    fields = dict(spot_price=price, mark_price=price, index_price=None, rate_per_interval=0.0001,
                  interval_hours=8.0, next_funding_ms=None, contract_size=1.0, amount_step=0.001,
                  min_amount=0.001, inverse=False, taker_fee=0.0005, mmr=0.004, maint_amount=0.0,
                  status=ST)
    fields.update(kw)
    return MarketRow(symbol, "binanceusdm", **fields)


MARKET = [row(BTC, 70_000.0), row(ETH, 2_100.0)]


def cells(**kw) -> RowCells:
    base = dict(asset="ETH", qty=20.0, hedge_symbol=ETH, exchange="binanceusdm", strategy="Custom",
                ratio_in=0.5, leverage=1.0)
    base.update(kw)
    return RowCells(**base)


def test_blank_price_symbol_on_a_cross_hedge_prices_the_asset_at_its_own_market():
    """20 ETH hedged with the BTC perp, Price symbol blank: ETH is valued at ETH's row
    (20 × 2,100 = 42,000), not at BTC's 70,000 (1,400,000)."""
    got = portfolio_row(cells(hedge_symbol=BTC, beta=1.2), MARKET, NOW)
    assert got.values["price_row"] == 2
    assert got.values["spot_value"] == pytest.approx(42_000.0)
    # 42,000 × 1.2 × 50 % = 25,200 of BTC at 70,000 = 0.36 BTC
    assert got.values["contracts"] == pytest.approx(0.36)


def test_a_cross_hedge_whose_asset_has_no_market_is_not_priced_and_left_out():
    got = portfolio_row(cells(hedge_symbol=BTC, beta=1.2), [MARKET[0]], NOW)
    assert got.values["spot_value"] == NOT_PRICED and got.values["notional"] == ""
    assert "no_price_row" in got.warnings and got.values["left_out"] == 1
    assert WARNINGS["no_price_row"].severity == "error"


def test_a_cross_hedge_with_a_blank_beta_is_flagged_red():
    got = portfolio_row(cells(hedge_symbol=BTC, price_symbol=ETH), MARKET, NOW)
    assert got.values["beta_used"] == 1.0
    assert "no_beta" in got.warnings and got.values["f_beta"] == 1 and got.values["severity"] == 1


def test_a_same_coin_hedge_with_a_blank_beta_is_not_flagged():
    got = portfolio_row(cells(), MARKET, NOW)
    assert "no_beta" not in got.warnings and got.values["beta_used"] == 1.0


@pytest.mark.parametrize("field, value, code", [
    ("qty", -3.0, "qty_invalid"),
    ("qty", None, "qty_blank"),
    ("qty", "ten", "qty_invalid"),
    ("leverage", 0.0, "leverage_invalid"),
    ("leverage", 0.5, "leverage_invalid"),
    ("leverage", 200.0, "leverage_invalid"),
    ("ratio_in", 1.5, "ratio_invalid"),
    ("ratio_in", 50.0, "ratio_invalid"),
    ("beta", -1.0, "beta_invalid"),
    ("beta", 0.0, "beta_invalid"),
    ("held", -2.0, "held_invalid"),
])
def test_an_invalid_input_sizes_nothing_and_says_why(field, value, code):
    got = portfolio_row(cells(**{field: value}), MARKET, NOW)
    assert got.values["spot_value"] == INVALID_INPUT
    assert got.values["notional"] == "" and got.values["contracts"] == "" and got.values["margin"] == ""
    assert got.warnings[0] == code and got.values["severity"] == 2 and got.values["left_out"] == 1


def test_blank_leverage_is_one_and_zero_quantity_is_a_zero_hedge():
    got = portfolio_row(cells(leverage=None), MARKET, NOW)
    assert got.values["lev"] == 1.0
    zero = portfolio_row(cells(qty=0.0), MARKET, NOW)
    assert zero.values["spot_value"] == 0.0 and zero.values["contracts"] == 0.0
    assert "below_min" not in zero.warnings


def test_an_order_below_the_minimum_says_below_minimum_in_the_contracts_cell():
    """0.01 ETH × 50 % = 0.005 ETH against a 0.01 minimum: not hedged, and the cell says
    so as HEDGE_CONTRACTS does (it raises BelowMinimum)."""
    got = portfolio_row(cells(qty=0.01), [MARKET[0], row(ETH, 2_100.0, min_amount=0.01)], NOW)
    assert got.values["contracts"] == BELOW_MINIMUM and got.values["hedged"] == 0.0
    assert "below_min" in got.warnings and got.values["f_unhedged"] == 1


def test_net_exposure_against_the_contracts_held():
    """15 ETH at 2,100 hedged 100 %: the target leaves nothing; with 10 contracts of 1 ETH
    held, 5 × 2,100 = 10,500 is unhedged now."""
    got = portfolio_row(cells(qty=15.0, ratio_in=1.0, held=10.0), MARKET, NOW)
    assert got.values["net"] == pytest.approx(0.0, abs=1e-9)
    assert got.values["net_held"] == pytest.approx(10_500.0)


def test_a_never_liquidated_short_shows_no_tier():
    """A 1× coin-margined short whose margin covers the whole position: liquidation 'none',
    and no tier beside it."""
    inv = row("BTC/USD:BTC", 70_000.0, contract_size=100.0, amount_step=1.0, min_amount=1.0,
              inverse=True)
    tiers = {("BTC/USD:BTC", "binanceusdm"): (LeverageTier(1, 0, float("inf"), 0.004, 0.0, 125, "base"),)}
    got = portfolio_row(cells(asset="BTC", qty=1.0, hedge_symbol="BTC/USD:BTC", ratio_in=1.0), [inv], NOW,
                        tiers=tiers)
    assert got.values["liq_price"] == "none" and got.values["tier"] == ""


def test_snapshot_boilerplate_is_not_a_row_warning_but_staleness_is():
    snap = DataStatus("snapshot", ST.as_of_ms, stale=True, reason="recorded snapshot of 2025-12-20")
    quiet = portfolio_row(cells(), [MARKET[0], row(ETH, 2_100.0, status=snap)], NOW)
    assert "stale" not in quiet.warnings and "partial" not in quiet.warnings
    stale = DataStatus("binanceusdm", ST.as_of_ms, stale=True, reason="timeout")
    loud = portfolio_row(cells(), [MARKET[0], row(ETH, 2_100.0, status=stale)], NOW)
    assert "stale" in loud.warnings


def test_warnings_are_ordered_by_severity():
    got = portfolio_row(cells(qty=-1.0, hedge_symbol="XYZ/USDT:USDT", leverage=3.0), MARKET, NOW)
    ranks = [WARNINGS[c].severity for c in got.warnings]
    assert ranks == sorted(ranks, key=["error", "risk", "note"].index)


def test_portfolio_summary_by_hand():
    """Two priced holdings and one left out: totals of the numbers only, the ratio of the
    totals, the nearest liquidation and whose, the oldest As of."""
    from perphedge.core.marketdata import DataStatus, MarketRow
    from perphedge.core.position import portfolio_summary

    rows = [
        ("BTC", {"spot_value": 100_000.0, "hedged": 50_000.0, "margin": 25_000.0, "funding": 12.5,
                 "liq_distance": 0.8}),
        ("ETH", {"spot_value": 30_000.0, "hedged": 30_000.0, "margin": 30_000.0, "funding": -2.5,
                 "liq_distance": 0.3}),
        ("SOL", {"spot_value": "not priced", "hedged": "", "margin": "", "funding": "", "liq_distance": ""}),
    ]

    def market(as_of):
        return MarketRow("X/USDT:USDT", "binanceusdm", 1.0, 1.0, None, 0.0, 8.0, None, 1.0, 0.0, 0.0,
                         False, 0.0, None, None, DataStatus("binanceusdm", as_of))

    s = portfolio_summary(rows, [market(2_000), market(1_000), market(None)])
    assert (s.spot_value, s.hedged, s.margin, s.funding) == (130_000.0, 80_000.0, 55_000.0, 10.0)
    assert s.hedge_ratio == 80_000 / 130_000
    assert (s.worst_distance, s.worst_asset, s.as_of_ms) == (0.3, "ETH", 1_000)
    empty = portfolio_summary([], [])
    assert (empty.hedge_ratio, empty.worst_distance, empty.worst_asset, empty.as_of_ms) == (None, None, "", None)


def test_data_age_is_said_in_days_from_48_hours():
    from perphedge.core.position import age_shown

    assert age_shown(3.25) == 3.25 and age_shown(47.9) == 47.9
    assert age_shown(48.0) == "2 days"
    assert age_shown(60.0) == "3 days"  # 2.5 days: half up, as Excel's ROUND
    assert age_shown(6_173.0) == "257 days"
