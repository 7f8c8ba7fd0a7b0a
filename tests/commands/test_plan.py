import json

import pytest

from perphedge.cli import main
from perphedge.commands.plan import HOLDING_NOTE


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def cells(out, asset):
    """The cells of the table row for `asset` (columns are separated by 2+ spaces)."""
    import re
    for line in out.splitlines():
        if line.startswith(asset + " "):
            return re.split(r"\s{2,}", line.strip())
    raise AssertionError(f"no row for {asset} in:\n{out}")


def table_lines(out):
    """The table's lines, from its header on (notes come first)."""
    lines = out.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("asset ")):]


def test_guide_example_table(capsys):
    code, out, err = run(capsys, "plan", "--holding", "BTC:10:50000:0.5", "--holding", "ETH:2:3000:100%:2")
    assert code == 0 and err == ""
    # --holding gives no contract specs: what it assumes is said once, above the table.
    assert out.splitlines()[0] == HOLDING_NOTE and "contract size 1, no amount step, no minimum" in out
    header = table_lines(out)[0].split()
    assert header[:5] == ["asset", "qty", "price", "spot", "value"]
    btc = cells(out, "BTC")
    # 10 BTC at $50,000 hedged 50 %: $250,000 notional, 5 contracts, 1x margin $250,000;
    # liquidation (250,000 + 250,000) / (5 * 1.005) = 99,502.49, +99.00 % from 50,000.
    assert btc == ["BTC", "10", "50,000.00", "500,000.00", "50%", "250,000.00", "5", "250,000.00",
                   "250,000.00", "1x", "99,502.49", "+99.00%"]
    eth = cells(out, "ETH")
    # 2 ETH at $3,000 fully hedged at 2x: margin 3,000; LP (3,000 + 6,000) / (2 * 1.005) = 4,477.61
    assert eth == ["ETH", "2", "3,000.00", "6,000.00", "100%", "6,000.00", "2", "6,000.00",
                   "3,000.00", "2x", "4,477.61", "+49.25%"]
    total = cells(out, "TOTAL")
    assert total == ["TOTAL", "506,000.00", "256,000.00", "256,000.00", "253,000.00"]


def test_columns_are_aligned(capsys):
    _, out, _ = run(capsys, "plan", "--holding", "BTC:10:50000:0.5", "--holding", "ETH:33.333:3000:1")
    lines = table_lines(out)
    # right-aligned numeric columns end at the same offset on every row
    end_of_price = lines[0].index("price") + len("price")
    for line in lines[2:4]:
        assert line[end_of_price - 1] != " "


def test_json(capsys):
    code, out, _ = run(capsys, "plan", "--json", "--holding", "ETH:33.333333333333336:3000:1")
    assert code == 0
    data = json.loads(out)
    (line,) = data["lines"]
    assert line["contracts"] == pytest.approx(100_000 / 3_000, rel=1e-15)  # no step: unrounded
    assert line["notional"] == pytest.approx(100_000)
    assert line["liq_price"] == pytest.approx((100_000 + 100_000) / (33.333333333333336 * 1.005))
    assert data["totals"]["spot_value"] == pytest.approx(100_000)


def test_json_step_and_warning(capsys, tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("asset,qty,price,hedge_ratio,leverage,contract_size,amount_step,min_amount,mmr,"
                 "min_cost,inverse,maint_amount\n"
                 "ETH,33.333333333333336,3000,1,1,1,0.001,0.001,0.005,0,linear,0\n"
                 "BTC,0.0001,50000,0.5,3,1,0.001,0.001,0.005,0,linear,0\n")
    code, out, _ = run(capsys, "plan", "--csv", str(f), "--json")
    assert code == 0
    eth, btc = json.loads(out)["lines"]
    assert eth["contracts"] == 33.333  # the guide's 33.333 contracts at a 0.001 step
    assert eth["hedged_notional"] == pytest.approx(99_999.0)
    assert btc["contracts"] == 0 and btc["liq_price"] is None
    assert btc["warnings"] == ["no hedge: contracts must be at least 0.001 (market minimum), got 5e-05",
                               "leverage 3x is above the advised 2x"]


def test_csv_min_cost_refuses_an_order_below_the_minimum_value(capsys, tmp_path):
    # min_cost 5 is Binance USDⓈ-M's recorded limits.cost.min for ETH/USDT:USDT; the holdings
    # are illustrative. 0.001 ETH at $2,000 hedged in full is a $2 order: on the 0.001 step and
    # at the 0.001 minimum amount, but below $5 — unhedged, with the reason. 0.003 ETH is $6.
    f = tmp_path / "h.csv"
    f.write_text("asset,qty,price,hedge_ratio,contract_size,amount_step,min_amount,min_cost,mmr,"
                 "inverse,maint_amount\n"
                 "ETH,0.001,2000,1,1,0.001,0.001,5,0.005,false,0\n"
                 "ETH6,0.003,2000,1,1,0.001,0.001,5,0.005,false,0\n"
                 "ETH0,0.001,2000,1,1,0.001,0.001,,0.005,false,0\n")
    code, out, err = run(capsys, "plan", "--csv", str(f), "--json")
    assert code == 0, err
    tiny, six, unknown = json.loads(out)["lines"]
    assert tiny["min_cost"] == 5.0
    assert tiny["contracts"] == 0 and tiny["hedged_notional"] == 0 and tiny["liq_price"] is None
    assert tiny["warnings"] == ["no hedge: order value must be at least 5.0 (min_cost, the "
                                "market's minimum order value in quote currency), got 2.0"]
    assert six["contracts"] == 0.003 and six["hedged_notional"] == pytest.approx(6.0)
    assert six["warnings"] == []
    # An empty min_cost cell with no Market row is 0: none known, said on the line; the $2
    # order is sized.
    assert unknown["min_cost"] == 0.0 and unknown["contracts"] == 0.001
    assert unknown["warnings"] == ["assumed (not given, no Market row): no minimum order value"]
    # The table says the same.
    code, out, _ = run(capsys, "plan", "--csv", str(f))
    assert code == 0
    assert cells(out, "ETH")[6:8] == ["0", "0.00"]
    assert "no hedge: order value must be at least 5.0" in out


def test_csv_bad_min_cost_is_one_line_exit_2(capsys, tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("asset,qty,price,hedge_ratio,min_cost\nETH,1,2000,1,-5\n")
    code, out, err = run(capsys, "plan", "--csv", str(f))
    assert code == 2 and out == ""
    assert err.strip() == f"Error: {f} line 2, column min_cost: must be 0 or more (got -5.0)"


def test_csv_table(capsys, tmp_path):
    f = tmp_path / "holdings.csv"
    f.write_text("asset,qty,price,hedge_ratio,leverage,contract_size,amount_step,min_amount,inverse\n"
                 "BTC,10,50000,0.5,1,1,0.001,0.001,false\n"
                 "BTC-inv,2,50000,1,2,100,1,1,true\n")
    code, out, err = run(capsys, "plan", "--csv", str(f))
    assert code == 0, err
    inv = cells(out, "BTC-inv")
    # $100,000 in $100 contracts = 1,000; 2x margin 1 BTC ($50,000);
    # LP = 2 * 50,000 * 0.995 / (2 - 1) = 99,500
    assert inv[:11] == ["BTC-inv", "2", "50,000.00", "100,000.00", "100%", "100,000.00", "1,000",
                        "100,000.00", "50,000.00", "2x", "99,500.00"]


@pytest.mark.parametrize("spec,message", [
    ("BTC:abc:50000:0.5", "Error: --holding 'BTC:abc:50000:0.5': qty must be a number, got 'abc'"),
    ("BTC:10:50000:1.5", "Error: --holding 'BTC:10:50000:1.5': hedge_ratio must be between 0 and 1, got 1.5"),
    ("BTC:10:nan:0.5", "Error: --holding 'BTC:10:nan:0.5': price must be a finite number, got nan"),
    ("BTC:-1:50000:0.5", "Error: --holding 'BTC:-1:50000:0.5': qty must be greater than 0, got -1.0"),
    ("BTC:10:0:0.5", "Error: --holding 'BTC:10:0:0.5': price must be greater than 0, got 0.0"),
    ("BTC:10:50000:0.5:0", "Error: --holding 'BTC:10:50000:0.5:0': leverage must be greater than 0, got 0.0"),
    ("BTC:10:50000", "Error: --holding 'BTC:10:50000': expected ASSET:QTY:PRICE:RATIO[:LEVERAGE], got 3 fields"),
    (":10:50000:0.5", "Error: --holding ':10:50000:0.5': asset must be a non-empty text, got ''"),
])
def test_bad_holding_is_one_line_exit_2(capsys, spec, message):
    code, out, err = run(capsys, "plan", "--holding", spec)
    assert code == 2
    assert out == ""
    assert err.strip() == message
    assert "Traceback" not in err


@pytest.mark.parametrize("content,message", [
    ("asset,qty,price,hedge_ratio\nBTC,10,50000,0.5\nETH,x,3000,1\n",
     "line 3, column qty: must be a number (got 'x')"),
    ("asset,qty,price,hedge_ratio\nBTC,10,50000,150 %\n",
     "line 2, column hedge_ratio: must be between 0 and 1 (got 1.5)"),
    ("asset,qty,price,ratio\nBTC,10,50000,0.5\n", "line 1, column ratio: is not a known column"),
    ("asset,quantity,price\nBTC,10,50000\n", "line 1, column qty: is missing from the header row"),
    ("asset,qty,price,hedge_ratio,inverse\nBTC,10,50000,0.5,maybe\n",
     "line 2, column inverse: must be true or false (inverse or linear) (got 'maybe')"),
    ("asset,qty,price,hedge_ratio,leverage\nBTC,10,50000,0.5,-2\n",
     "line 2, column leverage: must be greater than 0 (got -2.0)"),
    ("asset,qty,price,hedge_ratio\nBTC,10,50000,0.5,7\n", "line 2: has 5 fields, the header 4"),
    ("asset,qty,price,hedge_ratio\n", "lists no holdings"),
])
def test_bad_csv_is_one_line_exit_2(capsys, tmp_path, content, message):
    f = tmp_path / "h.csv"
    f.write_text(content)
    before = f.read_bytes()
    code, out, err = run(capsys, "plan", "--csv", str(f))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.strip().startswith("Error: ") and message in err, err
    assert f.read_bytes() == before


def test_missing_file(capsys, tmp_path):
    code, _, err = run(capsys, "plan", "--csv", str(tmp_path / "nope.csv"))
    assert code == 2
    assert "cannot be read" in err and len(err.strip().splitlines()) == 1


def test_no_holdings(capsys):
    code, _, err = run(capsys, "plan")
    assert code == 2
    assert err.strip() == "Error: give holdings with --holding ASSET:QTY:PRICE:RATIO[:LEVERAGE] or --csv FILE"


def test_csv_exchange_picks_the_venues_liquidation_rule(capsys, tmp_path):
    # 1 BTC at 70,000 hedged in full at 2×, MMR 0.4 %, taker 0.05 % (synthetic inputs):
    # Binance (35,000 + 70,000) / 1.004 = 104,581.67; OKX counts the fee: / 1.0045 = 104,529.62.
    f = tmp_path / "h.csv"
    f.write_text("asset,qty,price,hedge_ratio,leverage,contract_size,amount_step,mmr,exchange,taker_fee\n"
                 "BTC,1,70000,1,2,0.001,0.001,0.004,,0.0005\n"
                 "BTC,1,70000,1,2,0.001,0.001,0.004, okx ,0.0005\n")
    code, out, err = run(capsys, "plan", "--csv", str(f), "--json")
    assert code == 0, err
    binance, okx = json.loads(out)["lines"]
    # No exchange given: the default exchange's (Binance USDⓈ-M), named in the plan.
    assert binance["exchange"] == "binanceusdm" and round(binance["liq_price"], 2) == 104_581.67
    assert okx["exchange"] == "okx" and round(okx["liq_price"], 2) == 104_529.62


# ---- one holdings CSV for plan and new ---------------------------------------------------
# Market figures below come from the embedded recorded snapshot (Binance USDⓈ-M marks of
# 2026-10-03 08:00 UTC: BTC 84,520.75468841, ETH 2,680.34097674; steps 0.001); quantities are
# illustrative inputs.

BTC_MARK, ETH_MARK = 84_520.75468841, 2680.34097674


def offline_plan(capsys, monkeypatch, *args):
    monkeypatch.setenv("PERPHEDGE_OFFLINE", "1")  # restored after the test (cli sets it too)
    code, out, err = run(capsys, "--offline", "plan", *args)
    assert code == 0, err
    return out


def test_a_new_portfolio_csv_is_planned_from_the_recorded_snapshot(capsys, monkeypatch, tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("asset,qty,hedge_symbol,exchange,hedge_ratio,leverage,beta,price_symbol\n"
                 "BTC,1.5,BTC,binanceusdm,50%,2,,\n"
                 "ETH,8,BTC/USDT:USDT,binanceusdm,70 %,1,1.21,ETH/USDT:USDT\n")
    data = json.loads(offline_plan(capsys, monkeypatch, "--csv", str(f), "--json"))
    btc, eth = data["lines"]
    assert "figures recorded 2026-10-03 08:00 UTC" in " ".join(data["notes"])
    # 1.5 BTC x 50 % = 0.75 BTC = 0.75 contracts, at the recorded mark (no spot recorded).
    assert (btc["price"], btc["hedge_price"], btc["contracts"]) == (BTC_MARK, BTC_MARK, 0.75)
    assert btc["amount_step"] == 0.001 and btc["warnings"][0] == "valued at the perp mark (no spot price)"
    # 8 ETH x 2,680.34097674 x 70 % x 1.21 = 18,161.99045839024 of BTC perp at 84,520.75...:
    # 0.21488... -> 0.214.
    assert (eth["price"], eth["hedge_price"], eth["beta"]) == (ETH_MARK, BTC_MARK, 1.21)
    assert eth["notional"] == pytest.approx(18_161.99045839024, rel=1e-12) and eth["contracts"] == 0.214


def test_semicolon_csv_with_decimal_commas(capsys, tmp_path):
    # As European Excel saves it. Every figure given: no market access. 0.3 x 2,136.68 x 50 %
    # = 320.502 of ETH perp at 2,136.68 = exactly 0.15 contracts at the 0.001 step.
    f = tmp_path / "eu.csv"
    f.write_text("asset;qty;price;hedge_ratio;contract_size;amount_step;min_amount;min_cost;inverse;mmr;"
                 "maint_amount;taker_fee\nETH;0,3;2.136,68;50 %;1;0,001;0,001;5;linear;0,4 %;0;0,05 %\n",
                 encoding="utf-8")
    code, out, err = run(capsys, "plan", "--csv", str(f), "--json")
    assert code == 0, err
    (eth,) = json.loads(out)["lines"]
    assert (eth["qty"], eth["price"], eth["hedge_ratio"], eth["mmr"], eth["taker_fee"]) == (
        0.3, 2136.68, 0.5, 0.004, 0.0005)
    assert eth["contracts"] == 0.15 and eth["warnings"] == []


def test_a_ratio_in_percent_is_the_decimal_fraction(capsys):
    # 33.3 % is 0.333, not 33.3 / 100 = 0.33299999999999996: 3 x 1,000 x 33.3 % / 1,000 = 0.999.
    code, out, _ = run(capsys, "plan", "--json", "--holding", "ETH:3:1000:33.3 %")
    assert code == 0
    (line,) = json.loads(out)["lines"]
    assert line["hedge_ratio"] == 0.333 and line["contracts"] == 0.999
    assert json.loads(out)["notes"] == [HOLDING_NOTE]


def test_a_row_the_market_cannot_price_names_its_line(capsys, monkeypatch, tmp_path):
    f = tmp_path / "h.csv"
    # The snapshot lists DOGE's perp (contract specs) but recorded no price for it.
    f.write_text("asset,qty\nBTC,1\nDOGE,100\n")
    monkeypatch.setenv("PERPHEDGE_OFFLINE", "1")
    code, out, err = run(capsys, "plan", "--csv", str(f))
    assert code == 2 and out == ""
    assert err.strip() == f"Error: {f} line 3: DOGE: no spot or mark price for DOGE/USDT:USDT on binanceusdm"
