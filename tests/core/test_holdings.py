"""HoldingInput validates what a Portfolio row may hold; holding_from_market prices it by
the workbook's rule. Market rows here are synthetic inputs unless a test says otherwise."""

from __future__ import annotations

import pytest

from perphedge.core.errors import InvalidInput
from perphedge.core.holdings import HoldingInput


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


# ---- the pricing policy (core.holdings.holding_from_market) ----------------------------

from perphedge.core.errors import HoldingNotPriced  # noqa: E402
from perphedge.core.holdings import (  # noqa: E402
    MarketFigures,
    holding_from_market,
    is_cross_hedge,
    needs_market,
)
from perphedge.core.marketdata import DataStatus, LeverageTier, MarketRow  # noqa: E402
from perphedge.core.validate import number_text, ratio_text  # noqa: E402

BTC, ETH, X = "BTC/USDT:USDT", "ETH/USDT:USDT", "binanceusdm"


def row(symbol, spot=None, mark=None, index=None, **kw):
    """A synthetic Market row (figures are test inputs, not market data)."""
    spec = {"contract_size": 1.0, "amount_step": 0.001, "min_amount": 0.001, "inverse": False,
            "taker_fee": 0.0005, "mmr": 0.004, "maint_amount": 0.0, "min_cost": 5.0}
    spec.update(kw)
    return MarketRow(symbol, X, spot, mark, index, 0.0001, 8.0, None, spec["contract_size"],
                     spec["amount_step"], spec["min_amount"], spec["inverse"], spec["taker_fee"],
                     spec["mmr"], spec["maint_amount"], DataStatus(X, 1), min_cost=spec["min_cost"])


def rows(*rs):
    return {(r.symbol, r.exchange): r for r in rs}


CROSS = HoldingInput("ETH", 25, BTC, X, "Custom", 1.0, price_symbol=ETH, beta=1.2)


def test_cross_hedge_with_no_mark_prices_the_perp_at_the_hedge_markets_index_not_the_asset():
    # The workbook: perp = hedge market's Mark, else Index, else Spot. BTC has no mark here:
    # the short is priced at BTC's index 70,000 — never at ETH's 2,000.
    h = holding_from_market(CROSS, rows(row(ETH, spot=2_000.0), row(BTC, index=70_000.0, spot=69_990.0)),
                            {}, 0.005)
    assert (h.price, h.hedge_price) == (2_000.0, 70_000.0)
    h = holding_from_market(CROSS, rows(row(ETH, spot=2_000.0), row(BTC, spot=69_990.0)), {}, 0.005)
    assert h.hedge_price == 69_990.0
    with pytest.raises(HoldingNotPriced, match="ETH: no mark, index or spot price for BTC/USDT:USDT"):
        holding_from_market(CROSS, rows(row(ETH, spot=2_000.0), row(BTC)), {}, 0.005)


def test_demo_plan_prices_a_cross_hedge_without_a_btc_mark_as_the_workbook_does(demo_build):
    # The recorded BTC row without its mark (the snapshot records no BTC index or spot for
    # that date): the workbook has no price for the BTC perp, so the demo plan refuses rather
    # than price the BTC perp at ETH's price.
    from dataclasses import replace

    from perphedge.template.demo import plan_holdings

    no_mark = tuple(replace(r, mark_price=None) if r.symbol == BTC else r for r in demo_build.market_rows)
    with pytest.raises(HoldingNotPriced, match="BTC/USDT:USDT"):
        plan_holdings(replace(demo_build, market_rows=no_mark))
    # A synthetic BTC spot and no mark: the BTC short (of the BTC and of the ETH holding) is
    # priced at that spot; ETH stays at its recorded mark 2,680.34097674 (2026-10-03 08:00 UTC).
    spot_only = tuple(replace(r, mark_price=None, index_price=None, spot_price=70_000.0) if r.symbol == BTC
                      else r for r in demo_build.market_rows)
    btc, _, cross = plan_holdings(replace(demo_build, market_rows=spot_only))
    assert cross.asset == "ETH" and cross.hedge_price == 70_000.0 and cross.price == 2680.34097674
    assert btc.price == btc.hedge_price == 70_000.0


def test_blank_price_symbol_on_a_cross_hedge_is_refused_not_priced_at_the_hedge_coin():
    h = HoldingInput("ETH", 25, BTC, X, "Custom", 1.0)
    assert is_cross_hedge(h)
    with pytest.raises(HoldingNotPriced) as e:
        holding_from_market(h, rows(row(BTC, spot=70_000.0, mark=70_010.0)), {}, 0.005)
    assert e.value.holding == "ETH" and "price_symbol" in str(e.value) and "ETH/USDT:USDT" in str(e.value)
    # Same coin, blank price symbol: the hedge market's row is the asset's own.
    same = holding_from_market(HoldingInput("BTC", 1, BTC, X, "Custom", 0.5),
                               rows(row(BTC, spot=70_000.0, mark=70_010.0)), {}, 0.005)
    assert (same.price, same.hedge_price) == (70_000.0, 70_010.0)


def test_asset_at_spot_else_mark_said_in_the_notes():
    h = holding_from_market(HoldingInput("BTC", 1, BTC, X, "Custom", 0.5), rows(row(BTC, mark=70_010.0)), {}, 0.005)
    assert h.price == 70_010.0 and "valued at the perp mark (no spot price)" in h.notes
    with pytest.raises(HoldingNotPriced, match="BTC: no Market row for BTC/USDT:USDT on binanceusdm"):
        holding_from_market(HoldingInput("BTC", 1, BTC, X, "Custom", 0.5), {}, {}, 0.005)


def test_contract_figures_come_from_the_hedge_market_and_missing_ones_are_named():
    tiers = (LeverageTier(1, 0, 50_000, 0.004, 0, 125), LeverageTier(2, 50_000, float("inf"), 0.005, 50, 100))
    r = row(BTC, spot=70_000.0, mark=70_010.0, contract_size=0.001, amount_step=1.0, min_amount=1.0,
            min_cost=5.0, taker_fee=0.0004, mmr=None, maint_amount=None)
    h = holding_from_market(HoldingInput("BTC", 2, BTC, X, "Custom", 0.5, 2.0), rows(r), {(BTC, X): tiers}, 0.006)
    assert (h.contract_size, h.amount_step, h.min_amount, h.min_cost, h.taker_fee) == (0.001, 1.0, 1.0, 5.0, 0.0004)
    assert (h.exchange, h.leverage, h.tiers) == (X, 2.0, tiers)
    # No MMR and no tiers: DefaultMMR, and the line says so.
    h = holding_from_market(HoldingInput("BTC", 2, BTC, X, "Custom", 0.5), rows(r), {}, 0.006)
    assert h.mmr == 0.006 and any(n.startswith("no MMR: DefaultMMR 0.60%") for n in h.notes)
    with pytest.raises(HoldingNotPriced, match="BTC: no contract size for BTC/USDT:USDT"):
        holding_from_market(HoldingInput("BTC", 2, BTC, X, "Custom", 0.5),
                            rows(row(BTC, spot=1.0, contract_size=None)), {}, 0.005)


def test_given_figures_win_and_need_no_market():
    h = HoldingInput("BTC", 0.3, "BTC", None, "Custom", 0.7)
    given = MarketFigures(price=70_000.0, contract_size=100.0, amount_step=1.0, min_amount=1.0, inverse=True,
                          mmr=0.004, maint_amount=0.0, min_cost=0.0, taker_fee=0.0)
    assert not needs_market(h, given)
    got = holding_from_market(h, {}, {}, 0.005, given)
    assert (got.price, got.hedge_price, got.contract_size, got.inverse, got.notes) == (
        70_000.0, 70_000.0, 100.0, True, ())
    # Missing ones with no Market row are named as assumed, never silent.
    got = holding_from_market(h, {}, {}, 0.005, MarketFigures(price=70_000.0, contract_size=1.0))
    assert "assumed (not given, no Market row): no amount step, no minimum amount, no minimum order value, " \
           "linear, no maintenance amount" in got.notes
    assert needs_market(h, MarketFigures(price=70_000.0))
    assert needs_market(CROSS, MarketFigures(price=2_000.0, contract_size=1.0))  # the perp's price
    assert not needs_market(CROSS, MarketFigures(price=2_000.0, hedge_price=70_000.0, contract_size=1.0))
    # Market figures given override the row's.
    got = holding_from_market(HoldingInput("BTC", 1, BTC, X, "Custom", 0.5),
                              rows(row(BTC, spot=70_000.0, mark=70_010.0)), {}, 0.005, MarketFigures(amount_step=0.01))
    assert got.amount_step == 0.01 and got.min_amount == 0.001


@pytest.mark.parametrize("text, comma, expected", [
    ("50%", False, 0.5), ("50 %", False, 0.5), (" 70 % ", False, 0.7), ("0.5", False, 0.5),
    ("33.3%", False, 0.333), ("12,5 %", True, 0.125), ("0,7", True, 0.7), ("1", False, 1.0),
])
def test_one_ratio_parser(text, comma, expected):
    assert ratio_text("hedge_ratio", text, comma) == expected


def test_decimal_commas_only_where_the_separator_is_a_semicolon():
    assert number_text("qty", "1,5", True) == 1.5
    assert number_text("qty", "1.234,5", True) == 1234.5
    assert number_text("qty", "1.5", True) == 1.5
    with pytest.raises(InvalidInput, match="qty must be a number, got '1,5'"):
        number_text("qty", "1,5")
