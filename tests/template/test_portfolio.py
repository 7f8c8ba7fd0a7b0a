"""The Portfolio formulas give the numbers ``perphedge.core`` gives, for every computed
cell: workbooks are recalculated in LibreOffice (headless) and read back with openpyxl.

Inputs: the demo (recorded snapshot) and two seeded synthetic portfolios with edge cases
(``tests.support.generate``: linear and inverse, ratios 0-100 %, leverage 1-20×, cross hedges with a
beta, missing figures)."""

from __future__ import annotations

from datetime import datetime

import pytest

from perphedge.core.positions import NOTHING_READ
from perphedge.template import layout as L
from perphedge.template.portfolio import row_formulas
from tests.support.reference import expected_row, on_market_counts, same

pytestmark = pytest.mark.libreoffice

ERRORS = ("#VALUE!", "#NAME?", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:")
COMPUTED = [c.key for c in L.PORTFOLIO_COLUMNS if c.kind != "input"]
#: Text columns compared by their warnings' leads (below), not as whole texts.
TEXTS = ("warnings", "w_errors", "w_risks", "w_notes")


def _now(wb) -> datetime:
    (sheet, ref), = list(wb.defined_names["NowUTC"].destinations)
    value = wb[sheet][ref.replace("$", "")].value
    assert isinstance(value, datetime)
    return value


def _kind(piece: str, expected: list[str]) -> str | None:
    hits = [e for e in expected if piece.startswith(e)]
    return max(hits, key=len) if hits else None


def check_rows(wb, holdings, rows, beta=None, tiers=None, positions=NOTHING_READ):
    ws = wb["Portfolio"]
    now = _now(wb)
    problems = []
    counts = on_market_counts(list(holdings))
    for i, h in enumerate(holdings):
        r = L.PORTFOLIO_FIRST_ROW + i
        b = beta if (beta is not None and h.beta_from_sheet) else None
        exp = expected_row(h, rows, now, b, tiers, positions, counts[i])
        for key in COMPUTED:
            if key in TEXTS or key.startswith("sc_"):
                continue
            actual = ws[f"{L.pcol(key)}{r}"].value
            # net = spot value × beta − hedged: compared at the size of what it subtracts
            scale = exp["spot_value"] if key == "net" and isinstance(exp["spot_value"], float) else 0.0
            if not same(actual, exp[key], scale=scale * 2):
                problems.append((r, h.asset, key, actual, exp[key]))
        text = ws[f"{L.pcol('warnings')}{r}"].value or ""
        pieces = [p for p in text.split("; ") if p]
        kinds = [_kind(p, exp["warnings"]) for p in pieces]
        if None in kinds or sorted(kinds) != sorted(exp["warnings"]):
            problems.append((r, h.asset, "warnings", text, exp["warnings"]))
    assert not problems, "\n".join(map(str, problems[:20]))


def check_blank_rows(wb, n_holdings):
    ws = wb["Portfolio"]
    first = L.PORTFOLIO_FIRST_ROW + n_holdings
    for r in range(first, L.PORTFOLIO_FIRST_ROW + L.portfolio_rows(n_holdings)):
        for key in COMPUTED:
            # the Scenarios sheet's numeric views are 0 on a blank row (SUMPRODUCT reads them)
            if not key.startswith("sc_"):  # the Scenarios sheet's numeric views are never blank
                assert ws[f"{L.pcol(key)}{r}"].value in (None, ""), (r, key)


def check_no_errors(wb):
    bad = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith(ERRORS):
                    bad.append((ws.title, c.coordinate, c.value))
    assert not bad, bad[:10]


def check_totals(wb, n_holdings):
    ws = wb["Portfolio"]
    first = L.PORTFOLIO_FIRST_ROW
    last = first + L.portfolio_rows(n_holdings) - 1
    for col in L.PORTFOLIO_COLUMNS:
        if col.total:
            letter = L.pcol(col.key)
            values = [ws[f"{letter}{r}"].value for r in range(first, last + 1)]
            expected = sum(v for v in values if isinstance(v, (int, float)))
            assert same(ws[f"{letter}{last + 1}"].value, expected), col.key


def test_demo_portfolio_matches_core(recalc, demo_path, demo_build):
    wb = recalc(demo_path)
    check_rows(wb, list(demo_build.holdings), _market_rows_of(demo_build),
               beta=demo_build.beta.hedge_ratio, tiers=_tiers_of_demo(demo_build))
    check_blank_rows(wb, len(demo_build.holdings))
    check_totals(wb, len(demo_build.holdings))


def _market_rows_of(demo_build):
    from perphedge.market.snapshot.data import load_snapshot
    from perphedge.market.snapshot.source import SnapshotSource
    from perphedge.template.assemble import market_requests

    return SnapshotSource(load_snapshot()).market_rows(market_requests(demo_build.holdings))


def _tiers_of_demo(demo_build):
    """The recorded leverage tiers of the demo's hedge markets (Binance's brackets)."""
    from perphedge.market.snapshot.data import load_snapshot
    from perphedge.market.snapshot.source import SnapshotSource

    src = SnapshotSource(load_snapshot())
    keys = dict.fromkeys((h.hedge_symbol, h.exchange) for h in demo_build.holdings)
    return {key: src.leverage_tiers(*key).value for key in keys}


def test_demo_hand_checked_btc_row(recalc, demo_path):
    """BTC: 2.5 × $84,520.75468841 (recorded mark of 2026-10-03 08:00 UTC, no spot recorded),
    Tactical Defense 50 % → $105,650.94 notional → 1.25 contracts exactly at the 0.001 step;
    2× → margin $52,825.47. The recorded Binance brackets put $105,650.94 in tier 2
    ([50,000, 250,000): 0.5 %, amount 50,000 × (0.5 % − 0.4 %) = 50): LP = (52,825.47 + 50 +
    1.25 × 84,520.75) / (1.25 × 1.005) = 126,190.18, whose size 1.25 × 126,190.18 =
    157,737.73 is still in tier 2. (Without tiers it was DefaultMMR 0.5 % and no amount:
    126,150.38.)"""
    ws = recalc(demo_path)["Portfolio"]
    r = L.PORTFOLIO_FIRST_ROW
    mark = 84520.75468841
    assert ws[f"{L.pcol('contracts')}{r}"].value == pytest.approx(1.25, rel=1e-12)
    assert ws[f"{L.pcol('margin')}{r}"].value == pytest.approx(1.25 * mark / 2, rel=1e-12)
    lp = (1.25 * mark / 2 + 50 + 1.25 * mark) / (1.25 * 1.005)
    assert ws[f"{L.pcol('liq_price')}{r}"].value == pytest.approx(lp, rel=1e-12)
    assert ws[f"{L.pcol('liq_price')}{r}"].value == pytest.approx(126_190.18, abs=0.005)
    assert (ws[f"{L.pcol('tier')}{r}"].value, ws[f"{L.pcol('mmr')}{r}"].value,
            ws[f"{L.pcol('maint')}{r}"].value) == (2, 0.005, 50)
    assert "leverage tiers" not in ws[f"{L.pcol('warnings')}{r}"].value
    assert "no MMR in the Market table" not in ws[f"{L.pcol('warnings')}{r}"].value
    assert ws[f"{L.pcol('price_source')}{r}"].value == "mark"


def test_demo_has_no_error_cells(recalc, demo_path):
    check_no_errors(recalc(demo_path))


def test_template_has_no_error_cells_and_blank_rows(recalc, template_path):
    wb = recalc(template_path)
    check_no_errors(wb)
    check_blank_rows(wb, 0)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_generated_portfolios_match_core(recalc, generated, index):
    path, holdings, rows, _history, tiers = generated[index]
    wb = recalc(path)
    check_no_errors(wb)
    check_rows(wb, holdings, rows, tiers=tiers)
    check_blank_rows(wb, len(holdings))
    check_totals(wb, len(holdings))


def test_edge_cases_show_words_not_errors(recalc, generated):
    path, holdings, _rows, _, _ = generated[0]
    ws = recalc(path)["Portfolio"]
    base = L.PORTFOLIO_FIRST_ROW + len(holdings) - 8
    get = lambda key, k: ws[f"{L.pcol(key)}{base + k}"].value  # noqa: E731
    # 0.2 contracts at a 0.5 minimum: the cell says so, as HEDGE_CONTRACTS and plan do
    assert get("contracts", 0) == "below minimum" and get("hedged", 0) == 0
    assert "below the market minimum of 0.5" in get("warnings", 0)
    assert get("liq_price", 1) == "none"
    assert get("liq_price", 2) == "at entry"
    assert get("hedge_row", 3) == 0 and "no single Market row for MISSING" in get("warnings", 3)
    assert get("spot_value", 3) == "not priced" and get("notional", 3) in (None, "")
    # 0.6 × 0.5 = 0.3 coins: exactly 0.300 at a 0.001 step, not 0.299.
    assert get("contracts", 4) == pytest.approx(0.3, rel=1e-12)
    # 10 coins at 2,000 hedged 50 % with a 100,000 perp and no beta: 1 used, and said so.
    assert get("notional", 5) == pytest.approx(10_000.0)
    assert "cross hedge with no beta: β = 1 assumed" in get("warnings", 5)


def test_tiered_shorts_walk_to_another_tier(generated):
    """The generated books exercise the walk: first guesses that land in another tier,
    linear (quote) and inverse (coin), and walks of three liquidation prices."""
    from datetime import datetime as dt

    moved: dict[str, int] = {}
    longest = 0
    for _path, holdings, rows, _h, tiers in generated:
        for h in holdings:
            e = expected_row(h, rows, dt(2026, 9, 1), None, tiers)
            walk = [e[f"walk{i}"] for i in range(1, L.TIER_WALK_STEPS + 1)]
            if walk[0] == "":
                continue
            visited = 1 + sum(a != b for a, b in zip(walk, walk[1:]))
            longest = max(longest, visited)
            if visited > 1:
                moved[e["tier_unit"]] = moved.get(e["tier_unit"], 0) + 1
    assert moved.get("quote", 0) >= 10 and moved.get("base", 0) >= 5, moved
    assert longest == 3  # the most any generated case needs; TIER_WALK_STEPS unrolls more
    assert L.TIER_WALK_STEPS > longest


def test_hand_calculated_tier_walk(recalc, generated):
    """Core's worked example (tests/core/test_liquidation.py), synthetic tiers 0-100,000 at
    0.5 % (amount 0), 100,000-200,000 at 1 % (amount 500), above at 2.5 % (3,500). Short
    1.5 at 60,000 = 90,000 notional, tier 1, 1x margin 90,000. First guess with tier 1:
    (90,000 + 0 + 90,000) / (1.5 × 1.005) = 180,000 / 1.5075 = 119,402.99, whose notional
    1.5 × 119,402.99 = 179,104.48 lies in tier 2. With tier 2:
    (90,000 + 500 + 90,000) / (1.5 × 1.01) = 180,500 / 1.515 = 119,141.91; its notional
    178,712.87 is in tier 2 too, so the walk stops there."""
    path, holdings, _rows, _, _ = generated[0]
    ws = recalc(path)["Portfolio"]
    r = L.PORTFOLIO_FIRST_ROW + len(holdings) - 2
    assert ws[f"{L.pcol('asset')}{r}"].value == "TIER1"
    assert ws[f"{L.pcol('liq_price')}{r}"].value == pytest.approx(180_500 / 1.515, rel=1e-12)
    assert ws[f"{L.pcol('liq_price')}{r}"].value == pytest.approx(119_141.91, abs=0.005)
    assert ws[f"{L.pcol('tier')}{r}"].value == 2
    assert ws[f"{L.pcol('mmr')}{r}"].value == pytest.approx(0.01)
    assert ws[f"{L.pcol('maint')}{r}"].value == pytest.approx(500.0)
    assert ws[f"{L.pcol('walk1')}{r}"].value == 1
    assert "leverage tiers" not in (ws[f"{L.pcol('warnings')}{r}"].value or "")


def test_coin_margined_short_the_entry_tier_calls_safe_is_liquidated_lower(recalc, generated):
    """1,200 BTC-like coins of exposure (840,000 contracts of 100 USD at 70,000), 1.1×: coin
    margin 1,200 / 1.1 = 1,090.91. Synthetic coin tiers 0/50/200/500/1,000 at 0.5/1/2.5/5/15 %
    (amounts 0, 0.25, 3.25, 15.75, 115.75). In the entry tier (5) margin + amount ≥ 1,200: no
    price there liquidates it; the highest tier whose amount leaves the margin short is 4:
    84,000,000 × 0.95 / (1,200 − 1,090.91 − 15.75) = 854,929, where the coin value 98.3 lies in
    tier 2: 84,000,000 × 0.99 / (1,200 − 1,090.91 − 0.25) = 764,051, value 109.9, tier 2."""
    path, holdings, _rows, _, _ = generated[0]
    ws = recalc(path)["Portfolio"]
    r = L.PORTFOLIO_FIRST_ROW + len(holdings) - 1
    assert ws[f"{L.pcol('asset')}{r}"].value == "COIN1"
    expected = 84_000_000 * 0.99 / (1_200 - 1_200 / 1.1 - 0.25)
    assert ws[f"{L.pcol('liq_price')}{r}"].value == pytest.approx(expected, rel=1e-12)
    assert round(expected) == 764_051
    assert ws[f"{L.pcol('tier')}{r}"].value == 2
    assert ws[f"{L.pcol('walk1')}{r}"].value == 5
    assert "did not settle" not in (ws[f"{L.pcol('warnings')}{r}"].value or "")


def test_a_walk_that_never_settles_is_flagged(recalc, tmp_path):
    """Synthetic tiers with no maintenance amount (the maintenance margin jumps at the
    boundary) where no tier holds its own liquidation size: short 1 at 100, 1x margin 100.
    Tier 1 (0.4 %): 200 / 1.004 = 199.20, size 199.20 in tier 2; tier 2 (40 %):
    200 / 1.4 = 142.86, size 142.86 in tier 1 - forever. Core refuses such tiers; the
    workbook shows the last step's price and says the walk did not settle."""
    from perphedge.core.errors import InvalidInput
    from perphedge.core.holdings import HoldingInput
    from perphedge.core.liquidation import liquidation_short_tiered
    from perphedge.core.marketdata import DataStatus, LeverageTier, MarketRow
    from perphedge.template.build import build_workbook
    from perphedge.template.tiers_sheet import TierTable

    tiers = (LeverageTier(1, 0, 150, 0.004, 0.0, 100), LeverageTier(2, 150, float("inf"), 0.4, 0.0, 1))
    with pytest.raises(InvalidInput, match="inconsistent"):
        liquidation_short_tiered(100.0, 1.0, 100.0, tiers)
    st = DataStatus("synthex", 1_790_000_000_000)
    row = MarketRow("JUMP/USDT:USDT", "synthex", 100.0, 100.0, None, 0.0, 8.0, None, 1.0, 0.001,
                    0.001, False, 0.0005, 0.004, 0.0, st)
    path = tmp_path / "jump.xlsx"
    build_workbook([HoldingInput("JUMP", 1.0, "JUMP/USDT:USDT", "synthex", "Custom", 1.0, 1.0)],
                   [row], {}, path, now_ms=1_790_000_000_000,
                   tier_tables=[TierTable("JUMP/USDT:USDT", "synthex", tiers)])
    ws = recalc(path)["Portfolio"]
    r = L.PORTFOLIO_FIRST_ROW
    walk = [ws[f"{L.pcol(f'walk{i}')}{r}"].value for i in range(1, L.TIER_WALK_STEPS + 1)]
    assert walk == [1 + i % 2 for i in range(L.TIER_WALK_STEPS)]
    last_step = 200 / 1.4 if walk[-1] == 2 else 200 / 1.004
    assert ws[f"{L.pcol('liq_price')}{r}"].value == pytest.approx(last_step, rel=1e-12)
    assert f"tier walk did not settle in {L.TIER_WALK_STEPS} steps" in ws[f"{L.pcol('warnings')}{r}"].value


def test_row_formulas_guard_the_asset_cell():
    for key, formula in row_formulas(20).items():
        assert formula.startswith("=IF("), key


def test_refreshed_workbook_recalculates_to_the_same_numbers(recalc, demo_build, tmp_path):
    """The refresh writes the Market table the Portfolio reads: after an offline refresh
    (the same recorded snapshot) LibreOffice gives the same numbers and no error."""
    import shutil

    from perphedge.files.refresh import refresh_file

    copy = tmp_path / "refreshed.xlsx"
    shutil.copyfile(demo_build.path, copy)
    refresh_file(copy, offline=True, backup=False)
    wb = recalc(copy)
    check_no_errors(wb)
    check_rows(wb, list(demo_build.holdings), _market_rows_of(demo_build),
               beta=demo_build.beta.hedge_ratio, tiers=_tiers_of_demo(demo_build))
