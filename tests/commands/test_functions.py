"""``perphedge functions`` prints the Excel catalogue from the registry."""

from __future__ import annotations

from perphedge import catalogue as registry
from perphedge.cli import COMMANDS, main


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_lists_every_function_one_line_each(capsys):
    code, out, err = run(capsys, "functions")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 21  # the 19 of DESIGN §4, then POSITION and FUNDING_PAID (§9)
    assert lines[0] == "HEDGE_SIZE(spot_value, hedge_ratio) — Hedge notional: spot_value times " \
                       "hedge_ratio."
    assert lines[1].startswith("HEDGE_CONTRACTS(notional, price, [contract_size=1], "
                               "[amount_step=0], [min_amount=0], [inverse=FALSE], [min_cost=0]) — ")
    assert lines[16].startswith("FUNDING_HISTORY(symbol, [days=30], [exchange]) — ")
    assert lines[16].endswith("(live data)")
    assert [line.split("(")[0] for line in lines] == [f.name for f in registry.FUNCTIONS]


def test_one_function_with_its_arguments(capsys):
    code, out, err = run(capsys, "functions", "hedge_pnl")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "HEDGE_PNL(spot_qty, entry_price, new_price, hedge_ratio, [funding_pnl=0], " \
                       "[fees=0])"
    assert lines[2] == "  Returns: 1×4 row: spot P&L, futures P&L, funding+fees, net"
    assert [ln.split(":")[0].strip() for ln in lines[3:]] == \
        ["spot_qty", "entry_price", "new_price", "hedge_ratio", "funding_pnl", "fees"]


def test_live_function_is_marked(capsys):
    code, out, _ = run(capsys, "functions", "MARK_PRICE")
    assert code == 0 and "(live market data)" in out


def test_unknown_function_is_a_usage_error(capsys):
    code, out, err = run(capsys, "functions", "HEDGE_SIZES")
    assert code == 2
    assert "unknown function HEDGE_SIZES; the functions are HEDGE_SIZE, " in err


def test_markdown_is_the_readme_reference(capsys):
    code, out, _ = run(capsys, "functions", "--markdown")
    assert code == 0 and out == registry.markdown_table()


def test_registered_in_the_cli():
    assert COMMANDS["functions"][:2] == ("functions", "functions")
