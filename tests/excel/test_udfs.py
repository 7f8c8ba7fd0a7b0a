"""The Excel functions, called as Excel calls them: floats for every number (counts too),
None for an empty cell, 0.5 for a cell showing 50 %, TRUE or 1, ranges as rows, columns or
blocks with blanks. Expected values are worked by hand in each test (or come from the
guide's examples), never read back from the code.
"""

from __future__ import annotations

import inspect
import math
import statistics
import subprocess
import sys
import textwrap

import pytest

from perphedge import catalogue
from perphedge.catalogue import FUNCTIONS
from perphedge.excel import udfs

approx = pytest.approx


def _udf_functions():
    return {name: obj for name, obj in vars(udfs).items()
            if name.isupper() and callable(obj) and not name.startswith("_")}


# -- the module, the catalogue and the design agree -----------------------------------------


def test_module_functions_are_exactly_the_catalogue():
    assert set(_udf_functions()) == set(catalogue.function_names())


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda f: f.name)
def test_parameters_and_defaults_match_the_catalogue(spec):
    params = inspect.signature(getattr(udfs, spec.name)).parameters
    assert tuple(params) == spec.arg_names
    for p, a in zip(params.values(), spec.args):
        if a.required:
            assert p.default is inspect.Parameter.empty, a.name
        else:
            assert p.default == a.default, a.name


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda f: f.name)
def test_one_line_docstring(spec):
    doc = getattr(udfs, spec.name).__doc__
    assert doc == spec.doc and "\n" not in doc


def test_a_function_that_drifts_from_the_catalogue_is_refused_at_import():
    def HEDGE_SIZE(spot_value, ratio):  # wrong argument name
        pass

    with pytest.raises(TypeError, match="differ from the catalogue"):
        udfs._excel(HEDGE_SIZE)

    def HEDGE_MARGIN(notional, leverage=2.0):  # a default the catalogue does not have
        pass

    with pytest.raises(TypeError, match="default of leverage"):
        udfs._excel(HEDGE_MARGIN)


def test_xlwings_windows_decorators_register_every_function():
    """Run xlwings' own Windows decorators (xlwings.udfs, with the COM modules stubbed)
    over the module and generate the VBA that *Import Functions* would write."""
    code = textwrap.dedent("""
        import io, json, sys, types
        for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
            sys.modules[name] = types.ModuleType(name)
        sys.modules["pythoncom"].CoInitialize = lambda: None
        sys.modules["win32com.client"].Dispatch = None
        import xlwings as xw
        import xlwings.udfs as xu
        xw.func, xw.arg, xw.ret = xu.xlfunc, xu.xlarg, xu.xlret
        import perphedge.excel.udfs as u
        class Book:
            Name = "perphedge.xlam"
        vba = io.StringIO()
        xu.generate_vba_wrapper("perphedge.excel.udfs", u, vba, Book())
        info = {n: getattr(u, n).__xlfunc__ for n in dir(u) if hasattr(getattr(u, n), "__xlfunc__")}
        json.dump({"vba": vba.getvalue(), "info": info}, sys.stdout, default=repr)
    """)
    import json
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    info, vba = data["info"], data["vba"]
    assert set(info) == set(catalogue.function_names())
    for spec in FUNCTIONS:
        xf = info[spec.name]
        assert xf["category"] == catalogue.CATEGORY
        assert xf["call_in_wizard"] is True
        assert xf["volatile"] is False
        assert xf["ret"]["doc"] == spec.doc
        # Native dynamic arrays spill lists of rows; expand= would be the legacy emulation.
        assert "expand" not in xf["ret"]["options"]
        for got, a in zip(xf["args"], spec.args, strict=True):
            assert got["name"] == a.name and got["doc"] == a.doc
            assert got["options"]["err_to_str"] is True
            assert ("optional" in got) == (not a.required)
            if not a.required:
                assert got["optional"] == a.default
            assert got["options"].get("ndim") == (2 if a.range else None)
        vba_args = ", ".join(a.name if a.required else f"Optional {a.name}" for a in spec.args)
        assert f"Function {spec.name}({vba_args})\n" in vba
        # The toolbar early exit xlwings writes for call_in_wizard=False also fires while a
        # workbook opens and would leave a silent 0 in a live cell; no function carries it.
        body = vba.split(f"Function {spec.name}(", 1)[1].split("End Function", 1)[0]
        assert 'Application.CommandBars("Standard").Controls(1).Enabled' not in body
    assert any(spec.live for spec in FUNCTIONS)


def test_importing_udfs_adds_nothing_heavy_to_what_xlwings_loads():
    """ccxt loads only when a live function runs; numpy only for HEDGE_BETA. (xlwings
    0.37.8 itself imports numpy and pandas when present, so those are measured against
    xlwings alone.)"""
    code = textwrap.dedent("""
        import sys
        import xlwings
        before = set(sys.modules)
        import perphedge.excel.udfs
        added = sorted({m.split(".")[0] for m in set(sys.modules) - before})
        print(" ".join(added))
        print("ccxt" in sys.modules, "openpyxl" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    added = set(out[0].split())
    assert added - {"perphedge"} <= set(sys.stdlib_module_names), added
    assert out[1] == "False False"


def test_live_function_loads_the_market_layer_only_when_called():
    code = textwrap.dedent("""
        import sys
        import perphedge.excel.udfs as u
        print("perphedge.market.live.service" in sys.modules, "perphedge.core.beta" in sys.modules)
        u.HEDGE_BETA([1.0, 2.0, 4.0], [1.0, 2.0, 3.0])
        print("perphedge.core.beta" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False", "True"]


# -- sizing -------------------------------------------------------------------------------


def test_hedge_size_guide_example():
    assert udfs.HEDGE_SIZE(500000.0, 0.5) == 250000.0       # a cell showing 50 % holds 0.5
    assert udfs.HEDGE_SIZE(500000.0, "50%") == 250000.0     # percent typed as text
    assert udfs.HEDGE_SIZE(0.0, 1.0) == 0.0


def test_hedge_size_errors_in_the_cell():
    assert udfs.HEDGE_SIZE(500000.0, 1.5) == "#HEDGE! hedge_ratio must be between 0 and 1, got 1.5"
    assert udfs.HEDGE_SIZE(None, 0.5) == "#HEDGE! spot_value is empty"
    assert udfs.HEDGE_SIZE("#N/A", 0.5) == \
        "#HEDGE! spot_value is #N/A (an error in the cell it refers to)"
    assert udfs.HEDGE_SIZE(True, 0.5) == "#HEDGE! spot_value must be a number, got TRUE"
    assert udfs.HEDGE_SIZE([[1.0, 2.0]], 0.5) == \
        "#HEDGE! spot_value must be a single cell, got a range of 2 cells"
    assert udfs.HEDGE_SIZE(-1.0, 0.5).startswith("#HEDGE! spot_value ")


def test_hedge_contracts_guide_example():
    # 100,000 / 3,000 = 33.3333…, rounded down to the 0.001 step.
    assert udfs.HEDGE_CONTRACTS(100000.0, 3000.0, 1.0, 0.001) == 33.333
    # Omitted optional arguments arrive as the Python defaults; empty cells as None.
    assert udfs.HEDGE_CONTRACTS(100000.0, 3000.0) == approx(100000 / 3000)
    assert udfs.HEDGE_CONTRACTS(100000.0, 3000.0, None, 0.001, None, None) == 33.333


def test_hedge_contracts_linear_contract_size_and_step():
    # OKX BTC/USDT:USDT is 0.01 BTC per contract, step 1: 100,000 / 60,000 / 0.01 = 166.67
    assert udfs.HEDGE_CONTRACTS(100000.0, 60000.0, 0.01, 1.0, 1.0) == 166.0


def test_hedge_contracts_inverse_with_true_or_one():
    # Inverse: contract_size is USD per contract (Binance BTC/USD:BTC: 100 USD).
    # 10,000 USD / 100 USD = 100 contracts whatever the price.
    assert udfs.HEDGE_CONTRACTS(10000.0, 50000.0, 100.0, 1.0, 1.0, True) == 100.0
    assert udfs.HEDGE_CONTRACTS(10050.0, 50000.0, 100.0, 1.0, 1.0, 1.0) == 100.0
    assert udfs.HEDGE_CONTRACTS(10000.0, 50000.0, 100.0, 1.0, 1.0, "TRUE") == 100.0


def test_hedge_contracts_below_minimum_is_an_explicit_error():
    # 1 / 3000 = 0.00033 contracts, below the 0.001 minimum: never a silent 0.
    out = udfs.HEDGE_CONTRACTS(1.0, 3000.0, 1.0, 0.001, 0.001)
    assert out.startswith("#HEDGE! contracts must be at least 0.001")
    assert udfs.HEDGE_CONTRACTS(1.0, 3000.0, 1.0, 0.001, 0.001, 2.0) == \
        "#HEDGE! inverse must be TRUE or FALSE, got 2.0"


def test_hedge_contracts_below_min_cost_is_an_explicit_error():
    # 0.001 ETH at $2,000 is a $2 order: on the step and at the minimum amount, but below a
    # $5 minimum order value (Binance USDⓈ-M's recorded limits.cost.min).
    assert udfs.HEDGE_CONTRACTS(2.0, 2000.0, 1.0, 0.001, 0.001, False, 5.0) == (
        "#HEDGE! order value must be at least 5.0 (min_cost, the market's minimum order value "
        "in quote currency), got 2.0")
    # $6 is 0.003 ETH = $6: accepted. An empty min_cost cell is 0 (none known): $2 accepted.
    assert udfs.HEDGE_CONTRACTS(6.0, 2000.0, 1.0, 0.001, 0.001, False, 5.0) == 0.003
    assert udfs.HEDGE_CONTRACTS(2.0, 2000.0, 1.0, 0.001, 0.001, None, None) == 0.001
    # Inverse: 3 x $100 contracts = $300 whatever the price, below a $500 minimum.
    assert udfs.HEDGE_CONTRACTS(350.0, 50000.0, 100.0, 1.0, 1.0, True, 500.0) == (
        "#HEDGE! order value must be at least 500.0 (min_cost, the market's minimum order "
        "value in quote currency), got 300.0")
    assert udfs.HEDGE_CONTRACTS(2.0, 2000.0, 1.0, 0.001, 0.001, False, -5.0) == \
        "#HEDGE! min_cost must be 0 or more, got -5.0"
    assert udfs.HEDGE_CONTRACTS(2.0, 2000.0, 1.0, 0.001, 0.001, False, "five") == \
        "#HEDGE! min_cost must be a number, got 'five'"


def test_hedge_margin():
    assert udfs.HEDGE_MARGIN(100000.0, 2.0) == 50000.0
    assert udfs.HEDGE_MARGIN(100000.0, 1.0) == 100000.0
    assert udfs.HEDGE_MARGIN(100000.0, 0.0) == "#HEDGE! leverage must be greater than 0, got 0.0"


def test_hedge_liq_price_linear():
    # Binance USDⓈ-M isolated short: LP = (margin + maint_amount + qty × entry) / (qty (1 + mmr))
    # 1 BTC short at 50,000 with 50,000 USDT margin (1x): (50,000 + 50,000) / 1.005
    assert udfs.HEDGE_LIQ_PRICE(50000.0, 1.0, 50000.0) == approx(100000 / 1.005)
    # 2x (25,000 margin), mmr 0.004, maintenance amount 0: 75,000 / 1.004
    assert udfs.HEDGE_LIQ_PRICE(50000.0, 1.0, 25000.0, 0.004, None) == approx(75000 / 1.004)
    # maint_amount adds to the margin side: (25,000 + 100 + 50,000) / 1.005
    assert udfs.HEDGE_LIQ_PRICE(50000.0, 1.0, 25000.0, 0.005, 100.0, False) == \
        approx(75100 / 1.005)


def test_hedge_liq_price_inverse():
    # Coin-margined short of 1 BTC exposure at 50,000 (P = 50,000 USD) with 0.5 BTC margin.
    # Liquidation when equity = maintenance, in coin:
    #   0.5 + P/price − P/entry = mmr × P/price  →  price = P (1 − mmr) / (P/entry − 0.5)
    #   = 50,000 × 0.995 / (1 − 0.5) = 99,500
    assert udfs.HEDGE_LIQ_PRICE(50000.0, 1.0, 0.5, 0.005, 0.0, True) == approx(99500.0)
    # 1 BTC of margin covers any rise: no liquidation price, said so in the cell.
    assert udfs.HEDGE_LIQ_PRICE(50000.0, 1.0, 1.0, 0.005, 0.0, True) == \
        "#HEDGE! margin covers any price rise: this short has no liquidation price, got 1.0"


def test_hedge_pnl_guide_example():
    # 10 BTC bought at 50,000, half hedged, price falls to 45,000:
    # spot −50,000, hedge +25,000, nothing else, net −25,000. One row of four cells.
    assert udfs.HEDGE_PNL(10.0, 50000.0, 45000.0, 0.5) == [[-50000.0, 25000.0, 0.0, -25000.0]]
    assert udfs.HEDGE_PNL(10.0, 50000.0, 45000.0, 0.5, None, None) == \
        [[-50000.0, 25000.0, 0.0, -25000.0]]


def test_hedge_pnl_with_funding_and_fees():
    # Fully hedged, price up 5,000: spot +50,000, hedge −50,000; +300 funding − 50 fees.
    assert udfs.HEDGE_PNL(10.0, 50000.0, 55000.0, 1.0, 300.0, 50.0) == \
        [[50000.0, -50000.0, 250.0, 250.0]]
    assert udfs.HEDGE_PNL(10.0, 50000.0, 55000.0, 1.0, 0.0, -5.0).startswith("#HEDGE! fees ")


def test_hedge_scenarios_worked_rows():
    # 2 BTC at 100, half hedged (1 BTC short, 100 notional). Funding 0.0001 per 8 h for
    # 30 days = 90 settlements → +0.9. Fees 0.1 % on open (100) and close (at the new price).
    # −10 %: spot 2 × −10 = −20, hedge +10, fees 0.001 × 190 = 0.19, net −9.29, unhedged 180
    # +20 %: spot +40, hedge −20, fees 0.001 × 220 = 0.22, net 20.68, unhedged 240
    out = udfs.HEDGE_SCENARIOS(2.0, 100.0, 0.5, [[-0.1], [None], [0.2]], 0.0001, 30.0, 8.0,
                               0.001)
    assert out[0] == ["shock", "price", "spot P&L", "hedge P&L", "funding", "fees", "net",
                      "unhedged", "liquidated"]
    # without a leverage the short is never liquidated (today's table, liquidated 0)
    assert out[1] == approx([-0.1, 90.0, -20.0, 10.0, 0.9, 0.19, -9.29, 180.0, 0])
    assert out[2] == approx([0.2, 120.0, 40.0, -20.0, 0.9, 0.22, 20.68, 240.0, 0])
    assert len(out) == 3


def test_hedge_scenarios_liquidation_and_beta():
    # 1 BTC at a synthetic 100,000, fully hedged at 5x, MMR 0.4 % (Binance USDⓈ-M rule):
    # liquidation at 120,000 / 1.004 = 119,522 (+19.5 %). +50 %: the short loses its
    # 20,000 margin, not 50,000: net +30,000, liquidated 1. +15 %: open, net 0.
    out = udfs.HEDGE_SCENARIOS(1.0, 100000.0, 1.0, [[0.15, 0.5]], None, None, None, None, 5.0,
                               None, None, 0.004)
    assert out[1] == approx([0.15, 115000.0, 15000.0, -15000.0, 0.0, 0.0, 0.0, 115000.0, 0])
    assert out[2] == approx([0.5, 150000.0, 50000.0, -20000.0, 0.0, 0.0, 30000.0, 150000.0, 1])
    # Same at 1x: liquidation at +99.2 %, so +50 % is hedged (the two differ).
    one = udfs.HEDGE_SCENARIOS(1.0, 100000.0, 1.0, [[0.5]], None, None, None, None, 1.0,
                               None, None, 0.004)
    assert one[1][3] == approx(-50000.0) and one[1][8] == 0
    # Inverse 5x (COIN-M rule): liquidated at +24.5 %; at +50 % its 0.2 BTC margin is lost,
    # worth 0.2 × 150,000 = 30,000.
    inv = udfs.HEDGE_SCENARIOS(1.0, 100000.0, 1.0, [[0.5]], None, None, None, None, 5.0,
                               None, True, 0.004)
    assert inv[1][3] == approx(-30000.0) and inv[1][8] == 1
    # Cross hedge: 25 coins at 4,000 with β 1.21 against another coin's perp: at −50 % of
    # the hedge's price the holding moves −60.5 %: spot −60,500, hedge +60,500.
    cross = udfs.HEDGE_SCENARIOS(25.0, 4000.0, 1.0, [[-0.5]], None, None, None, None, None, 1.21)
    assert cross[1][2:4] == approx([-60500.0, 60500.0])


def test_hedge_scenarios_liquidation_errors():
    assert udfs.HEDGE_SCENARIOS(1.0, 100.0, 1.0, None, None, None, None, None, 5.0, None, None,
                                None, "kraken").startswith("#HEDGE! exchange has no known liquidation rule")
    assert udfs.HEDGE_SCENARIOS(1.0, 100.0, 1.0, None, None, None, None, None, 0.0).startswith(
        "#HEDGE! leverage must be greater than 0")


def test_hedge_scenarios_default_shocks_and_row_ranges():
    out = udfs.HEDGE_SCENARIOS(1.0, 100.0, 1.0)
    shocks = [r[0] for r in out[1:]]
    assert len(out) == 22 and shocks[0] == -0.5 and shocks[10] == 0.0 and shocks[-1] == 0.5
    # Fully hedged: every net is 0 and every hedged P&L mirrors the spot's.
    assert all(r[6] == approx(0.0) and r[3] == approx(-r[2]) for r in out[1:])
    # An empty range for shocks means the default; a row or a block works like a column.
    assert udfs.HEDGE_SCENARIOS(1.0, 100.0, 1.0, [[None, None]]) == out
    row = udfs.HEDGE_SCENARIOS(1.0, 100.0, 0.5, [[-0.2, 0.0, 0.2]])
    assert [r[0] for r in row[1:]] == [-0.2, 0.0, 0.2]


def test_hedge_scenarios_errors():
    assert udfs.HEDGE_SCENARIOS(1.0, 100.0, 0.5, [[-1.5]]) == \
        "#HEDGE! shocks[0] must be above -1 (a price cannot fall 100 %), got -1.5"
    assert udfs.HEDGE_SCENARIOS(1.0, 100.0, 0.5, [["big"]]).startswith(
        "#HEDGE! shocks must be a number, got 'big'")


def test_funding_apr():
    # 0.01 % per 8 h: 3 settlements a day × 365 = 10.95 % a year (simple).
    assert udfs.FUNDING_APR(0.0001) == approx(0.1095)
    assert udfs.FUNDING_APR(0.0001, None) == approx(0.1095)
    assert udfs.FUNDING_APR(0.0001, 4.0) == approx(0.219)
    assert udfs.FUNDING_APR(-0.0002, 1.0) == approx(-0.0002 * 24 * 365)


def test_funding_drag():
    # $1,000,000 short at +0.0001 per 8 h for 30 days receives 1e6 × 1e-4 × 90 = +9,000.
    assert udfs.FUNDING_DRAG(1000000.0, 0.0001, 30.0) == approx(9000.0)
    # Negative funding: the short pays.
    assert udfs.FUNDING_DRAG(1000000.0, -0.0001, 30.0) == approx(-9000.0)
    assert udfs.FUNDING_DRAG(1000000.0, 0.0001, 30.0, 4.0) == approx(18000.0)
    assert udfs.FUNDING_DRAG(1000000.0, 0.0001, None) == "#HEDGE! days is empty"


def test_basis():
    assert udfs.BASIS(50100.0, 50000.0) == approx(0.002)
    assert udfs.BASIS(49900.0, 50000.0) == approx(-0.002)
    assert udfs.BASIS(50100.0, 0.0).startswith("#HEDGE! spot_price ")


def test_hedge_beta_against_the_statistics_module():
    asset = [100.0, 103.0, 101.0, 106.0, 104.0, 108.0]
    hedge = [50.0, 51.0, 50.8, 52.5, 51.5, 53.9]
    ra = [math.log(b / a) for a, b in zip(asset, asset[1:])]
    rh = [math.log(b / a) for a, b in zip(hedge, hedge[1:])]
    h = statistics.covariance(ra, rh) / statistics.variance(rh)
    rho = statistics.correlation(ra, rh)
    # asset as a row, hedge as a column with a blank cell in it
    column = [[x] for x in hedge[:3]] + [[None]] + [[x] for x in hedge[3:]]
    out = udfs.HEDGE_BETA(asset, column)
    assert len(out) == 1 and out[0] == approx([h, rho, rho * rho])


def test_hedge_beta_of_a_series_against_itself_and_its_square():
    prices = [[10.0, 11.0], [12.5, 12.0], [13.0, None]]   # a block read row by row
    assert udfs.HEDGE_BETA(prices, prices) == [approx([1.0, 1.0, 1.0])]
    squared = [[x * x if x else None for x in r] for r in prices]
    # log(p²) = 2 log p: the asset moves half as much as the hedge.
    assert udfs.HEDGE_BETA(prices, squared) == [approx([0.5, 1.0, 1.0])]


def test_hedge_beta_errors():
    assert udfs.HEDGE_BETA([1.0, 2.0, 3.0], [1.0, 2.0]) == \
        "#HEDGE! hedge_prices must have as many prices as asset_prices (3), got 2"
    assert udfs.HEDGE_BETA([1.0, 2.0], [1.0, 2.0]).startswith(
        "#HEDGE! asset_prices must hold at least 3 prices")
    assert udfs.HEDGE_BETA([[None]], [1.0]) == "#HEDGE! asset_prices is empty"


def test_rebalance():
    # 10 BTC, target 50 % = 5 BTC short. Short 3: ratio 0.30, 0.20 off: add 2 contracts.
    assert udfs.REBALANCE(10.0, 50000.0, 0.5, 3.0) == approx(2.0)
    # Short 5.2: ratio 0.52, inside the 0.05 band: nothing to do.
    assert udfs.REBALANCE(10.0, 50000.0, 0.5, 5.2) == 0.0
    # Short 8: buy back 3.
    assert udfs.REBALANCE(10.0, 50000.0, 0.5, 8.0, None, None) == approx(-3.0)
    # Contracts of 0.01 BTC: 3 BTC short = 300 contracts; add 200.
    assert udfs.REBALANCE(10.0, 50000.0, 0.5, 300.0, 0.01) == approx(200.0)
    # A wider band keeps the 0.20 drift inside.
    assert udfs.REBALANCE(10.0, 50000.0, 0.5, 3.0, 1.0, 0.25) == 0.0


def test_rebalance_with_a_lot_step():
    # 10 BTC at $50,000, target 50 %, none short, 0.001 BTC contracts, step 1:
    # 5 BTC / 0.001 = 5,000 contracts.
    assert udfs.REBALANCE(10.0, 50000.0, 0.5, 0.0, 0.001, 0.05, 1.0) == 5000.0
    # 1.2345 BTC: 0.61725 BTC = 617.25 contracts, rounded down to 617 (empty cells: defaults).
    assert udfs.REBALANCE(1.2345, 50000.0, 0.5, 0.0, 0.001, None, 1.0, None) == 617.0
    # Inside the band it is still 0: short 5.3 of 10 BTC is 53 % against 50 %.
    assert udfs.REBALANCE(10.0, 50000.0, 0.5, 5.3, 1.0, 0.05, 0.001) == 0.0


def test_rebalance_inverse_usd_contracts():
    # 0.37 BTC at $61,234.50 = $22,656.765; 80 % = $18,125.412 = 181.25412 $100 contracts,
    # rounded down to 181; short 100: add 81. TRUE or 1 for inverse.
    assert udfs.REBALANCE(0.37, 61234.5, 0.8, 100.0, 100.0, 0.05, 1.0, True) == 81.0
    assert udfs.REBALANCE(0.37, 61234.5, 0.8, 100.0, 100.0, 0.05, 1.0, 1.0) == 81.0
    # Without a step: 81.25412, as the decimal reads.
    assert udfs.REBALANCE(0.37, 61234.5, 0.8, 100.0, 100.0, 0.05, 0.0, True) == 81.25412


def test_rebalance_shows_no_float_noise():
    # 70 % of 0.1 BTC in 1 BTC contracts is 0.07 (binary floats: 0.06999999999999999).
    assert repr(udfs.REBALANCE(0.1, 50000.0, 0.7, 0.0)) == "0.07"
    assert repr(udfs.REBALANCE(0.1, 50000.0, 0.7, 0.0, 1.0, 0.05, 0.01)) == "0.07"


def test_rebalance_errors_in_the_cell():
    assert udfs.REBALANCE(10.0, 50000.0, 0.5, 0.0, 1.0, 0.05, -1.0) == \
        "#HEDGE! amount_step must be 0 or more, got -1.0"
    assert udfs.REBALANCE(10.0, 50000.0, 0.5, 0.0, 1.0, 0.05, 0.0, 2.0) == \
        "#HEDGE! inverse must be TRUE or FALSE, got 2.0"
    assert udfs.REBALANCE(10.0, 50000.0, 0.5, 0.0, 1.0, 0.05, "lot") == \
        "#HEDGE! amount_step must be a number, got 'lot'"
    assert udfs.REBALANCE(1e6, 50000.0, 1.0, 0.0, 1.0, 0.05, 1e-10).startswith(
        "#HEDGE! amount_step is too fine for this amount")


def test_hedge_beta_keeps_dates_paired_across_gaps():
    asset = [100.0, 103.0, 101.0, 106.0, 104.0, 108.0]
    hedge = [50.0, 51.0, 50.8, 52.5, 51.5, 53.9]
    full = udfs.HEDGE_BETA(asset, hedge)
    # A date missing from the hedge series drops that date from both, as CORREL would:
    # the same as leaving the date out of both ranges.
    gap_asset = asset[:2] + asset[3:]
    gap_hedge = hedge[:2] + hedge[3:]
    expected = udfs.HEDGE_BETA(gap_asset, gap_hedge)
    assert expected != full
    assert udfs.HEDGE_BETA(asset, hedge[:2] + [None] + hedge[3:]) == expected
