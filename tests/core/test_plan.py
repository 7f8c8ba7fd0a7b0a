import pytest

from perphedge.core.errors import InvalidInput
from perphedge.core.plan import HedgePlan, Holding, plan_hedge

# The guide's illustrative portfolio; steps/minimums 0.001 are synthetic inputs here.
BTC = Holding("BTC", 10, 50_000, 0.5, amount_step=0.001, min_amount=0.001)
ETH = Holding("ETH", 100_000 / 3_000, 3_000, 1.0, amount_step=0.001, min_amount=0.001)


def test_guide_portfolio():
    plan = plan_hedge([BTC, ETH])
    assert isinstance(plan, HedgePlan)
    btc, eth = plan.lines
    assert btc.spot_value == 500_000.0
    assert btc.notional == 250_000.0
    assert btc.contracts == 5.0
    assert btc.hedged_notional == 250_000.0
    assert btc.margin == 250_000.0  # 1x
    # LP by hand: (250,000 + 5 * 50,000) / (5 * 1.005) = 99,502.49
    assert btc.liq_price == pytest.approx(500_000 / 5.025)
    assert btc.liq_distance == pytest.approx(99_502.4876 / 50_000 - 1, abs=1e-8)
    assert eth.spot_value == pytest.approx(100_000.0)
    assert eth.contracts == 33.333
    assert eth.hedged_notional == pytest.approx(99_999.0)
    assert plan.total_spot_value == pytest.approx(600_000.0)
    assert plan.total_notional == pytest.approx(350_000.0)
    assert plan.total_hedged_notional == pytest.approx(349_999.0)
    assert plan.total_margin == pytest.approx(349_999.0)
    assert btc.warnings == () and eth.warnings == ()


def test_leverage_warning_and_margin():
    (line,) = plan_hedge([Holding("BTC", 10, 50_000, 0.5, leverage=5)]).lines
    assert line.margin == 50_000.0
    assert line.leverage_warning is True
    assert line.warnings == ("leverage 5x is above the advised 2x",)
    # 5x: (50,000 + 250,000) / (5 * 1.005)
    assert line.liq_price == pytest.approx(300_000 / 5.025)


def test_below_minimum_is_a_line_warning_not_an_error():
    small = Holding("DOGE", 1, 0.1, 0.5, amount_step=1, min_amount=1)
    plan = plan_hedge([small, BTC])
    line = plan.lines[0]
    assert line.contracts == 0.0 and line.hedged_notional == 0.0 and line.margin == 0.0
    assert line.liq_price is None and line.liq_distance is None
    assert line.warnings == ("no hedge: contracts must be at least 1.0 (market minimum), got 0.5",)
    assert plan.lines[1].contracts == 5.0


def test_inverse_one_x_is_never_liquidated():
    (line,) = plan_hedge([Holding("BTC", 1, 50_000, 1.0, contract_size=100, amount_step=1, inverse=True)]).lines
    assert line.contracts == 500.0
    assert line.hedged_notional == 50_000.0
    assert line.liq_price is None
    assert line.warnings == ("never liquidated: the coin margin covers any price rise",)


def test_inverse_two_x_liquidation():
    # 1 BTC of $100 contracts at 2x: margin 0.5 BTC; LP = 1 * 50,000 * 0.995 / 0.5 = 99,500.
    (line,) = plan_hedge([Holding("BTC", 1, 50_000, 1.0, leverage=2, contract_size=100, inverse=True)]).lines
    assert line.margin == 25_000.0
    assert line.liq_price == pytest.approx(99_500.0)


def test_empty_or_wrong_holdings():
    with pytest.raises(InvalidInput, match="holdings must list at least one holding"):
        plan_hedge([])
    with pytest.raises(InvalidInput, match=r"holdings\[0\] must be a Holding"):
        plan_hedge([("BTC", 10, 50_000, 0.5)])


def test_holding_normalises_numbers():
    h = Holding("  eth ", 2, 3000, 1)
    assert h.asset == "eth" and isinstance(h.qty, float) and isinstance(h.hedge_ratio, float)


def test_cross_hedge_sizes_the_perp_at_its_own_price_and_the_beta():
    # Synthetic inputs: 25 ETH at $2,000 hedged in full with a $60,000 perp at beta 1.2,
    # step 0.001, 2x. By hand: spot value 50,000; notional 50,000 x 1.0 x 1.2 = 60,000;
    # contracts 60,000 / 60,000 = 1.000; margin 30,000;
    # LP = (30,000 + 1 x 60,000) / (1 x 1.005) = 89,552.24 (above the PERP's price).
    h = Holding("ETH", 25, 2_000, 1.0, leverage=2, amount_step=0.001, beta=1.2,
                hedge_price=60_000)
    (line,) = plan_hedge([h]).lines
    assert line.spot_value == 50_000.0
    assert line.notional == pytest.approx(60_000.0)
    assert line.contracts == 1.0
    assert line.hedged_notional == pytest.approx(60_000.0)
    assert line.margin == pytest.approx(30_000.0)
    assert line.liq_price == pytest.approx(90_000 / 1.005)
    assert line.liq_distance == pytest.approx(90_000 / 1.005 / 60_000 - 1)


def test_same_coin_hedge_is_unchanged_by_default_cross_fields():
    plain = plan_hedge([BTC]).lines[0]
    explicit = plan_hedge([Holding("BTC", 10, 50_000, 0.5, amount_step=0.001,
                                   min_amount=0.001, beta=1.0, hedge_price=50_000)]).lines[0]
    assert (plain.notional, plain.contracts, plain.liq_price) == \
        (explicit.notional, explicit.contracts, explicit.liq_price)


@pytest.mark.parametrize("field,value", [("beta", 0.0), ("beta", float("nan")),
                                         ("hedge_price", -1.0), ("hedge_price", "60000")])
def test_cross_hedge_fields_are_validated(field, value):
    with pytest.raises(InvalidInput, match=field):
        Holding("ETH", 25, 2_000, 1.0, **{field: value})


def test_below_min_cost_is_a_line_warning_not_an_error():
    # 0.001 ETH at $2,000 fully hedged: $2 = 0.001 contracts, on the step and at the minimum
    # amount, but worth less than a $5 minimum order value (Binance USDⓈ-M's recorded
    # limits.cost.min): unhedged, with the reason on the line; the other holding is sized.
    tiny = Holding("ETH", 0.001, 2_000, 1.0, amount_step=0.001, min_amount=0.001, min_cost=5)
    plan = plan_hedge([tiny, BTC])
    line = plan.lines[0]
    assert line.contracts == 0.0 and line.hedged_notional == 0.0 and line.margin == 0.0
    assert line.liq_price is None
    assert line.warnings == ("no hedge: order value must be at least 5.0 (min_cost, the market's "
                             "minimum order value in quote currency), got 2.0",)
    assert plan.lines[1].contracts == 5.0
    # 0.003 ETH = $6: above the minimum, hedged as 0.003 contracts.
    (ok,) = plan_hedge([Holding("ETH", 0.003, 2_000, 1.0, amount_step=0.001, min_amount=0.001,
                                min_cost=5)]).lines
    assert ok.contracts == 0.003 and ok.hedged_notional == pytest.approx(6.0) and ok.warnings == ()


def test_min_cost_defaults_to_none_known():
    assert Holding("ETH", 0.001, 2_000, 1.0).min_cost == 0.0
    (line,) = plan_hedge([Holding("ETH", 0.001, 2_000, 1.0, amount_step=0.001, min_amount=0.001)]).lines
    assert line.contracts == 0.001


def test_each_line_is_liquidated_by_its_exchanges_rule():
    # 1 BTC at 70,000, 100 % hedge at 2×, MMR 0.4 %, taker 0.05 % (synthetic inputs):
    # Binance (35,000 + 70,000) / 1.004 = 104,581.67; OKX / 1.0045 = 104,529.62;
    # Bybit (MMR 0.5 %) 70,000 × 0.995 + 35,000 = 104,650, margin 35,000 + 105,000 × 0.05 %.
    def line(exchange, mmr=0.004):
        h = Holding("BTC", 1.0, 70_000.0, 1.0, leverage=2.0, contract_size=0.001, amount_step=0.001,
                    mmr=mmr, exchange=exchange, taker_fee=0.0005)
        return plan_hedge([h]).lines[0]

    assert round(line(None).liq_price, 2) == 104_581.67
    assert round(line("binanceusdm").liq_price, 2) == 104_581.67
    assert round(line("okx").liq_price, 2) == 104_529.62
    bybit = line("bybit", mmr=0.005)
    assert round(bybit.liq_price, 2) == 104_650.00
    assert bybit.margin == pytest.approx(35_000 + 105_000 * 0.0005, rel=1e-12)
    other = line("kraken")
    assert round(other.liq_price, 2) == 104_581.67
    assert "liquidation price by Binance's rule: kraken's own is not known" in other.warnings


def test_okx_without_a_taker_fee_says_so():
    h = Holding("BTC", 1.0, 70_000.0, 1.0, leverage=2.0, contract_size=0.001, mmr=0.004, exchange="okx")
    assert any("counts it in the liquidation condition" in w for w in plan_hedge([h]).lines[0].warnings)


def test_a_line_with_tiers_walks_them():
    # Synthetic tiers of core's worked example (tests/core/test_liquidation.py): 0-100,000 at
    # 0.5 %, 100,000-200,000 at 1 % (amount 500), above at 2.5 % (3,500). 1.5 at 60,000, 1×:
    # the first guess 119,402.99 lands in tier 2; with it (90,000 + 500 + 90,000) / 1.515.
    from perphedge.core.marketdata import LeverageTier

    tiers = (LeverageTier(1, 0, 100_000, 0.005, 0.0, 50), LeverageTier(2, 100_000, 200_000, 0.01, 500.0, 20),
             LeverageTier(3, 200_000, float("inf"), 0.025, 3_500.0, 10))
    h = Holding("BTC", 1.5, 60_000.0, 1.0, leverage=1.0, contract_size=0.001, amount_step=0.001, tiers=tiers)
    assert round(plan_hedge([h]).lines[0].liq_price, 2) == 119_141.91


def test_leverage_above_the_entry_tiers_maximum_is_flagged():
    # synthetic tiers: up to 100,000 at most 50×, above at most 20×; a 150,000 short at 25×
    from perphedge.core.marketdata import LeverageTier

    tiers = (LeverageTier(1, 0, 100_000, 0.005, 0.0, 50), LeverageTier(2, 100_000, float("inf"), 0.01, 500.0, 20))
    h = Holding("BTC", 2.5, 60_000.0, 1.0, leverage=25.0, contract_size=0.001, amount_step=0.001, tiers=tiers)
    warnings = plan_hedge([h]).lines[0].warnings
    refused = "refused by the exchange: leverage must be at most 20×, the maximum of tier 2"
    assert any(w.startswith(refused) for w in warnings)
    ok = Holding("BTC", 2.5, 60_000.0, 1.0, leverage=20.0, contract_size=0.001, amount_step=0.001, tiers=tiers)
    assert not any("refused" in w for w in plan_hedge([ok]).lines[0].warnings)


# The count is computed from the exact decimal product of the inputs. Each case below lost a
# lot when qty × price × ratio was multiplied in binary floats first. Prices are illustrative
# inputs (2,136.68 and 69,895.06080435 are the recorded 2026-03-20 marks of ETH and BTC).
@pytest.mark.parametrize("holding, expected", [
    # 0.3 ETH × 50 % at a 0.001 step: exactly 0.15 contracts (floats: 0.149).
    (Holding("ETH", 0.3, 2136.68, 0.5, amount_step=0.001), 0.15),
    # 0.1 BTC × 70 %: exactly 0.07 (floats: 0.069).
    (Holding("BTC", 0.1, 69_895.06080435, 0.7, amount_step=0.001), 0.07),
    # 12.34 LTC × 70 %: exactly 8.638 (floats: 8.637).
    (Holding("LTC", 12.34, 85.5, 0.7, amount_step=0.001), 8.638),
    # Inverse: 0.3 BTC × 70,000 × 70 % = $14,700 in $100 contracts: exactly 147 (floats: 146).
    (Holding("BTC", 0.3, 70_000.0, 0.7, contract_size=100.0, amount_step=1.0, inverse=True), 147.0),
])
def test_contracts_are_exact_to_the_lot(holding, expected):
    (line,) = plan_hedge([holding]).lines
    assert line.contracts == expected
