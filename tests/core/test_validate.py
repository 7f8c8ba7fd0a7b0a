"""Bad input, across every public core function: NaN, ±inf, strings, bools and None where
numbers belong, and values outside each argument's domain, all raise InvalidInput naming
the argument and the value."""

import math

import pytest

from perphedge.core import validate as v
from perphedge.core.basis import basis, basis_pct
from perphedge.core.contracts import (
    contracts_for_notional,
    notional_for_contracts,
    qty_for_contracts,
    round_down_to_step,
)
from perphedge.core.errors import InvalidInput
from perphedge.core.funding import funding_apr, funding_pnl_short, settlements, summarize_funding
from perphedge.core.liquidation import (
    liquidation_distance,
    liquidation_price_short,
    liquidation_short_tiered,
    tier_for_notional,
)
from perphedge.core.margin import initial_margin, leverage_warning, maintenance_margin
from perphedge.core.marketdata import FundingPoint, LeverageTier
from perphedge.core.plan import Holding
from perphedge.core.pnl import hedge_pnl
from perphedge.core.rebalance import rebalance_contracts
from perphedge.core.scenarios import scenario_table
from perphedge.core.sizing import hedge_notional, ratio_for

TIERS = (LeverageTier(1, 0, float("inf"), 0.005, 0.0, 50),)  # synthetic
POINTS = [FundingPoint(0, 0.0001), FundingPoint(28_800_000, 0.0001)]  # synthetic

NOT_NUMBERS = [float("nan"), float("inf"), float("-inf"), "1", True, None, [1.0]]
NEGATIVE = [-1.0, -1e-9]
OUT_OF_UNIT = [-0.1, 1.5]

# (callable, valid keyword arguments, {argument: domain})
CASES = [
    (hedge_notional, dict(spot_value=500_000, hedge_ratio=0.5), dict(spot_value="nonneg", hedge_ratio="fraction")),
    (round_down_to_step, dict(amount=1.5, step=0.1), dict(amount="nonneg", step="nonneg")),
    (contracts_for_notional, dict(notional=100_000, price=3_000, contract_size=1.0, amount_step=0.001, min_amount=0.001, inverse=False,
                                  min_cost=5.0),
     dict(notional="nonneg", price="positive", contract_size="positive", amount_step="nonneg", min_amount="nonneg", inverse="bool",
          min_cost="nonneg")),
    (notional_for_contracts, dict(contracts=5, price=50_000, contract_size=1.0, inverse=False),
     dict(contracts="nonneg", price="positive", contract_size="positive", inverse="bool")),
    (qty_for_contracts, dict(contracts=5, price=50_000, contract_size=1.0, inverse=False),
     dict(contracts="nonneg", price="positive", contract_size="positive", inverse="bool")),
    (initial_margin, dict(notional=250_000, leverage=2), dict(notional="nonneg", leverage="positive")),
    (maintenance_margin, dict(notional=250_000, mmr=0.005, maint_amount=0.0), dict(notional="nonneg", mmr="rate", maint_amount="nonneg")),
    (leverage_warning, dict(leverage=2), dict(leverage="positive")),
    (liquidation_price_short, dict(entry_price=50_000, qty=1, margin=25_000, mmr=0.005, maint_amount=0.0, inverse=False),
     dict(entry_price="positive", qty="positive", margin="nonneg", mmr="rate", maint_amount="nonneg", inverse="bool")),
    (liquidation_short_tiered, dict(entry_price=50_000, qty=1, margin=25_000, tiers=TIERS, inverse=False),
     dict(entry_price="positive", qty="positive", margin="nonneg", inverse="bool")),
    (tier_for_notional, dict(tiers=TIERS, notional=1000), dict(notional="nonneg")),
    (liquidation_distance, dict(mark_price=50_000, liq_price=75_000), dict(mark_price="positive", liq_price="positive")),
    (hedge_pnl, dict(spot_qty=10, entry_price=50_000, new_price=45_000, hedge_ratio=0.5, funding_pnl=0.0, fees=0.0),
     dict(spot_qty="nonneg", entry_price="positive", new_price="positive", hedge_ratio="fraction", funding_pnl="number", fees="nonneg")),
    (scenario_table, dict(spot_qty=10, price=50_000, hedge_ratio=0.5, rate_per_interval=0.0001, days=30, interval_hours=8, fee_rate=0.0005),
     dict(spot_qty="nonneg", price="positive", hedge_ratio="fraction", rate_per_interval="number", days="nonneg", interval_hours="positive", fee_rate="fraction")),
    (funding_apr, dict(rate_per_interval=0.0001, interval_hours=8), dict(rate_per_interval="number", interval_hours="positive")),
    (settlements, dict(days=30, interval_hours=8), dict(days="nonneg", interval_hours="positive")),
    (funding_pnl_short, dict(notional=1_000_000, rate_per_interval=0.0001, days=30, interval_hours=8),
     dict(notional="nonneg", rate_per_interval="number", days="nonneg", interval_hours="positive")),
    (summarize_funding, dict(points=POINTS, interval_hours=8), dict(interval_hours="optional positive")),
    (basis, dict(perp_price=50_050, spot_price=50_000), dict(perp_price="positive", spot_price="positive")),
    (basis_pct, dict(perp_price=50_050, spot_price=50_000), dict(perp_price="positive", spot_price="positive")),
    (rebalance_contracts, dict(spot_qty=10, price=50_000, target_ratio=0.5, short_contracts=3, contract_size=1.0, band=0.05, inverse=False,
                               amount_step=0.001),
     dict(spot_qty="positive", price="positive", target_ratio="fraction", short_contracts="nonneg", contract_size="positive", band="fraction", inverse="bool",
          amount_step="nonneg")),
    (ratio_for, dict(preset_name="Custom", hedge_ratio=0.5), dict(hedge_ratio="fraction")),
    (Holding, dict(asset="BTC", qty=10, price=50_000, hedge_ratio=0.5, leverage=1.0, contract_size=1.0, amount_step=0.001,
                   min_amount=0.001, inverse=False, mmr=0.005, maint_amount=0.0, min_cost=5.0),
     dict(qty="positive", price="positive", hedge_ratio="fraction", leverage="positive", contract_size="positive",
          amount_step="nonneg", min_amount="nonneg", inverse="bool", mmr="rate", maint_amount="nonneg",
          min_cost="nonneg")),
]


def _bad_values(domain):
    if domain == "bool":
        return ["yes", 2, 0.5, None, float("nan")]
    bad = list(NOT_NUMBERS)
    if domain in ("nonneg", "positive", "fraction", "rate"):
        bad += NEGATIVE
    if domain.endswith("positive"):
        bad += [0, 0.0]
    if domain.startswith("optional"):
        bad.remove(None)  # None: infer it
        bad += NEGATIVE
    if domain == "fraction":
        bad += OUT_OF_UNIT
    if domain == "rate":
        bad += [1.0, 1.5]
    return bad


def _params():
    for func, good, domains in CASES:
        for arg, domain in domains.items():
            for bad in _bad_values(domain):
                yield pytest.param(func, good, arg, bad, id=f"{func.__name__}-{arg}-{bad!r}")


def _shown(value):
    return repr(value) if isinstance(value, (str, float)) else str(value)


@pytest.mark.parametrize("func,good", [pytest.param(f, g, id=f.__name__) for f, g, _ in CASES])
def test_valid_call_succeeds(func, good):
    # The baseline the bad-input cases perturb: valid, and never NaN or inf.
    result = func(**good)
    assert result is not None
    if isinstance(result, float):
        assert math.isfinite(result)


@pytest.mark.parametrize("func,good,arg,bad", list(_params()))
def test_bad_input_names_argument_and_value(func, good, arg, bad):
    kwargs = dict(good, **{arg: bad})
    with pytest.raises(InvalidInput) as e:
        func(**kwargs)
    message = str(e.value)
    assert message.startswith(arg + " "), message
    assert message.endswith("got " + _shown(bad)), message
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_holding_asset_must_be_text(bad):
    with pytest.raises(InvalidInput, match="asset must be a non-empty text"):
        Holding(bad, 1, 1, 0.5)


def test_validators_directly():
    assert v.number("x", 3) == 3.0 and isinstance(v.number("x", 3), float)
    assert v.text("x", "  BTC ") == "BTC"
    assert v.below_one("mmr", 0.0) == 0.0
    with pytest.raises(InvalidInput, match="mmr must be at least 0 and below 1, got 1.0"):
        v.below_one("mmr", 1.0)
    assert v.boolean("inverse", 1) is True and v.boolean("inverse", 0.0) is False
    assert math.isfinite(v.positive("p", 1e-300))
    with pytest.raises(InvalidInput, match="price must be a finite number, got 1000"):
        v.positive("price", 10 ** 400)


@pytest.mark.parametrize("text, expected", [("2", 2.0), ("2x", 2.0), ("2 x", 2.0), ("2×", 2.0), ("1.5X", 1.5)])
def test_leverage_typed_as_the_tables_print_it(text, expected):
    from perphedge.core.validate import leverage_text

    assert leverage_text("leverage", text) == expected


def test_leverage_text_refuses_words():
    from perphedge.core.validate import leverage_text

    with pytest.raises(InvalidInput, match="must be a number"):
        leverage_text("leverage", "two x")
