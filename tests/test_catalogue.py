"""The function catalogue is the catalogue of DESIGN §4, exactly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from perphedge import catalogue
from perphedge.catalogue import FUNCTIONS, function_names, spec

# Transcribed by hand from DESIGN §4 (the product's catalogue): name, argument order,
# optional arguments in brackets with their defaults.
DESIGN_SIGNATURES = [
    "HEDGE_SIZE(spot_value, hedge_ratio)",
    "HEDGE_CONTRACTS(notional, price, [contract_size=1], [amount_step=0], [min_amount=0], "
    "[inverse=FALSE])",
    "HEDGE_MARGIN(notional, leverage)",
    "HEDGE_LIQ_PRICE(entry_price, qty, margin, [mmr=0.005], [maint_amount=0], [inverse=FALSE])",
    "HEDGE_PNL(spot_qty, entry_price, new_price, hedge_ratio, [funding_pnl=0], [fees=0])",
    "HEDGE_SCENARIOS(spot_qty, price, hedge_ratio, [shocks], [rate_per_interval=0], [days=0], "
    "[interval_hours=8], [fee_rate=0])",
    "FUNDING_APR(rate_per_interval, [interval_hours=8])",
    "FUNDING_DRAG(notional, rate_per_interval, days, [interval_hours=8])",
    "BASIS(perp_price, spot_price)",
    "HEDGE_BETA(asset_prices, hedge_prices)",
    "REBALANCE(spot_qty, price, target_ratio, short_contracts, [contract_size=1], [band=0.05])",
    "SPOT_PRICE(symbol, [exchange])",
    "MARK_PRICE(symbol, [exchange])",
    "INDEX_PRICE(symbol, [exchange])",
    "FUNDING_RATE(symbol, [exchange])",
    "FUNDING_INTERVAL(symbol, [exchange])",
    "FUNDING_HISTORY(symbol, [days=30], [exchange])",
    "CONTRACT_SPEC(symbol, [exchange])",
    "MARKET_STATUS(symbol, [exchange])",
]

#: The account functions DESIGN §9 names (``POSITION()``, ``FUNDING_PAID()``), with the
#: arguments the positions issue gives them, after the §4 catalogue.
ACCOUNT_SIGNATURES = [
    "POSITION(symbol, [exchange])",
    "FUNDING_PAID(symbol, [days=7], [exchange])",
]

#: Optional arguments added since DESIGN §4 was written, always after the design's own, so
#: every call written to the design still means the same (the exchange-exact rules: a
#: venue's liquidation rule and the taker fee it counts).
ADDED = {
    "HEDGE_CONTRACTS": ("min_cost",),
    "HEDGE_LIQ_PRICE": ("exchange", "fee_rate"),
    # the isolated short's liquidation in the shock table, and a cross hedge's beta
    "HEDGE_SCENARIOS": ("leverage", "beta", "inverse", "mmr", "exchange"),
    "REBALANCE": ("amount_step", "inverse"),
}


def _design_part(f) -> str:
    added = ADDED.get(f.name, ())
    kept = [a for a in f.args if a.name not in added]
    assert [a.name for a in f.args[len(kept):]] == list(added), f"{f.name}: added arguments come last"
    assert all(not a.required for a in f.args[len(kept):]), f"{f.name}: added arguments are optional"
    return type(f)(f.name, tuple(kept), f.doc, f.returns).signature()


LIVE = {"SPOT_PRICE", "MARK_PRICE", "INDEX_PRICE", "FUNDING_RATE", "FUNDING_INTERVAL",
        "FUNDING_HISTORY", "CONTRACT_SPEC", "MARKET_STATUS", "POSITION", "FUNDING_PAID"}
TABLES = {"HEDGE_PNL", "HEDGE_SCENARIOS", "HEDGE_BETA", "FUNDING_HISTORY", "CONTRACT_SPEC",
          "MARKET_STATUS", "POSITION"}

DESIGN_MD = Path("/work/shared/DESIGN.md")


def test_signatures_are_the_design_catalogue_in_order():
    assert [_design_part(f) for f in FUNCTIONS] == DESIGN_SIGNATURES + ACCOUNT_SIGNATURES


def test_function_names_are_the_catalogue():
    expected = {s.split("(")[0] for s in DESIGN_SIGNATURES + ACCOUNT_SIGNATURES}
    assert function_names() == frozenset(expected)
    assert len(FUNCTIONS) == len(expected) == 21


@pytest.mark.skipif(not DESIGN_MD.exists(), reason="design page not beside this checkout")
def test_signatures_match_the_design_page_itself():
    text = DESIGN_MD.read_text(encoding="utf-8")
    section = text[text.index("## 4."):text.index("## 5.")]
    found = re.findall(r"`([A-Z_]+\([^`]*\))`", section)
    account = {a.split("(")[0] for a in ACCOUNT_SIGNATURES}
    assert sorted(found) == sorted(_design_part(f) for f in FUNCTIONS if f.name not in account)
    positions = text[text.index("## 9."):]
    assert all(f"`{name}()`" in positions for name in account)


def test_live_and_table_flags():
    assert {f.name for f in FUNCTIONS if f.live} == LIVE
    assert {f.name for f in FUNCTIONS if f.table} == TABLES


def test_table_column_labels():
    assert spec("HEDGE_PNL").columns == ("spot P&L", "futures P&L", "funding+fees", "net")
    assert spec("HEDGE_BETA").columns == ("hedge ratio", "correlation", "R²")
    assert spec("FUNDING_HISTORY").columns == ("time", "rate", "APR")
    assert spec("MARKET_STATUS").columns == ("source", "as of (UTC)", "status")
    assert len(spec("HEDGE_SCENARIOS").columns) == 9
    assert spec("HEDGE_SCENARIOS").columns[-1] == "liquidated"
    assert len(spec("CONTRACT_SPEC").columns) == 6
    for f in FUNCTIONS:
        assert bool(f.columns) == f.table, f.name


def test_docs_fit_excels_function_wizard():
    # Excel's function wizard takes descriptions of at most 255 characters, on one line.
    for f in FUNCTIONS:
        assert f.doc and "\n" not in f.doc and len(f.doc) <= 255, f.name
        for a in f.args:
            assert a.doc and "\n" not in a.doc and len(a.doc) <= 255, (f.name, a.name)


def test_required_arguments_come_first_and_have_no_default():
    for f in FUNCTIONS:
        flags = [a.required for a in f.args]
        assert flags == sorted(flags, reverse=True), f.name
        assert all(a.default is None for a in f.args if a.required), f.name


def test_range_arguments():
    ranged = {(f.name, a.name) for f in FUNCTIONS for a in f.args if a.range}
    assert ranged == {("HEDGE_SCENARIOS", "shocks"), ("HEDGE_BETA", "asset_prices"),
                      ("HEDGE_BETA", "hedge_prices")}


def test_spec_lookup_is_case_insensitive_and_strict():
    assert spec("hedge_size") is spec("HEDGE_SIZE")
    assert spec("HEDGE_SIZE").arg_names == ("spot_value", "hedge_ratio")
    with pytest.raises(KeyError):
        spec("HEDGE_SIZES")


def test_catalogue_lines_one_per_function():
    lines = catalogue.catalogue_lines()
    assert len(lines) == 21
    assert lines[0] == "HEDGE_SIZE(spot_value, hedge_ratio) — Hedge notional: spot_value times " \
                       "hedge_ratio."
    assert all("\n" not in line for line in lines)
    assert lines[-1].endswith("(live data)")


def test_markdown_table_lists_every_function_once():
    md = catalogue.markdown_table()
    for f in FUNCTIONS:
        assert md.count(f"| `{f.signature()}` |") == 1
    assert "\n| function | returns | live data |\n| --- | --- | --- |\n" in md
    assert "`#HEDGE! hedge_ratio must be between 0 and 1, got 1.5`" in md


def test_catalogue_imports_only_the_standard_library_and_conventions():
    import subprocess
    import sys
    code = ("import sys; import perphedge.catalogue; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'xlwings','ccxt','pandas','numpy','openpyxl','platformdirs','click'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_readme_function_reference_is_the_generated_table():
    """The function reference the README links to (docs/functions.md); regenerate it with
    `perphedge functions --markdown` when the catalogue changes."""
    readme = (Path(__file__).resolve().parents[1] / "docs" / "functions.md").read_text(encoding="utf-8")
    marker = "<!-- section: functions"
    after = readme[readme.index(marker):].split("\n", 1)[1]
    section = after.split("\n## ", 1)[0]
    assert section.strip() == catalogue.markdown_table().strip()
