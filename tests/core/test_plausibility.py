"""The plausibility gates: worked examples on synthetic figures, the invariants, and the
market-data reference (docs/market-data.md) stating the same bounds as the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from perphedge.core import plausibility as pl
from perphedge.core.conventions import MAX_FUNDING_PER_INTERVAL


def test_worked_examples():
    # 0.75 % per 8 h is inside every venue's cap; 50 % is not a market
    assert pl.funding_problem(0.0075) is None and pl.funding_problem(-0.05) is None
    assert pl.funding_problem(0.5) == "funding 0.5 per interval beyond ±0.05"
    assert pl.funding_problem(float("inf")) is not None and pl.funding_problem(float("nan")) is not None
    assert pl.price_problem("mark_price", 1e-8) is None          # a coin at a hundred-millionth
    assert pl.price_problem("mark_price", 1e-300) == "mark price 1e-300 outside [1e-12, 1e+09]"
    assert pl.price_problem("spot_price", 1e300) is not None
    # 100 and 124.9: 24.9 % apart, within the mark-index bound; 126 is not
    assert pl.disagreement("mark_price", 100, "index_price", 124.9) is None
    assert pl.disagreement("mark_price", 126, "index_price", 100) is not None
    # spot against the perp: a factor 2
    assert pl.disagreement("spot_price", 199, "mark_price", 100) is None
    assert pl.disagreement("spot_price", 10_000, "mark_price", 100) is not None
    assert pl.jump_problem("mark_price", 999, 100) is None
    assert "10× the workbook's 100" in pl.jump_problem("mark_price", 1000.5, 100)
    assert pl.jump_problem("mark_price", 9.9, 100) is not None


def test_the_price_that_jumped_is_the_one_refused():
    prev = {"spot_price": 70_000.0, "mark_price": 70_010.0}
    bad = pl.figure_problems({"spot_price": 70_100.0, "mark_price": 70_010_000.0}, prev)
    assert set(bad) == {"mark_price"}
    bad = pl.figure_problems({"spot_price": 7_000_000.0, "mark_price": 70_000.0}, prev)
    assert set(bad) == {"spot_price"}
    # no previous value to tell them apart: both refused
    assert set(pl.figure_problems({"spot_price": 7_000_000.0, "mark_price": 70_000.0})) == \
        {"spot_price", "mark_price"}


def test_prices_moving_together_are_a_real_move_not_a_bad_answer():
    # the user typed ETH over BTC: every price is ~25x lower, and they agree with each other
    prev = {"spot_price": 70_000.0, "mark_price": 70_010.0, "index_price": 70_005.0}
    assert pl.figure_problems({"spot_price": 2_800.0, "mark_price": 2_801.0, "index_price": 2_800.5}, prev) == {}
    # one price alone, nothing to agree with it: refused
    assert set(pl.figure_problems({"mark_price": 2_801.0}, prev)) == {"mark_price"}


@pytest.mark.parametrize("figures", [
    {"mark_price": 100.0, "index_price": 100.1, "spot_price": 99.9, "rate_per_interval": 0.0001,
     "contract_size": 0.001, "amount_step": 0.001, "min_amount": 0.0},
    {"mark_price": None, "index_price": None, "spot_price": None},
])
def test_plausible_or_absent_figures_pass(figures):
    assert pl.figure_problems(figures, {a: v for a, v in figures.items() if v}) == {}


def test_the_readme_states_the_bounds_the_code_uses():
    # the market-data reference the README links to
    text = " ".join((Path(__file__).parents[2] / "docs" / "market-data.md").read_text(encoding="utf-8").split())
    for stated in (f"±{MAX_FUNDING_PER_INTERVAL:.0%}".replace("%", " %"),
                   f"[{pl.MIN_PLAUSIBLE_PRICE:g}, {pl.MAX_PLAUSIBLE_PRICE:g}]".replace("e+0", "e"),
                   f"more than {pl.MAX_MARK_INDEX_GAP:.0%}".replace("%", " %"),
                   f"more than {pl.MAX_SPOT_PERP_GAP:.0%}".replace("%", " %"),
                   f"more than {pl.MAX_PRICE_JUMP_FACTOR:g}×"):
        assert stated in text, stated
