"""``examples/holdings.csv`` — the file a new user starts from — builds a workbook
(``perphedge new --portfolio``) and prints a plan (``perphedge plan --csv``), both from the
embedded recorded snapshot, with the same contracts, notional and margin per holding: the
workbook's native formulas recalculated in LibreOffice against the printed plan."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from perphedge.cli import main
from perphedge.template import layout as L

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "holdings.csv"


def test_the_example_is_in_the_one_format_with_a_cross_hedge():
    with open(EXAMPLE, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["hedge_symbol"] for r in rows} <= {"BTC/USDT:USDT", "ETH/USDT:USDT"}  # in the snapshot
    assert {r["exchange"] for r in rows} == {"binanceusdm"}
    cross = [r for r in rows if r["asset"] == "ETH" and r["hedge_symbol"] == "BTC/USDT:USDT"]
    assert len(cross) == 1 and cross[0]["price_symbol"] == "ETH/USDT:USDT"


@pytest.mark.libreoffice
def test_new_and_plan_give_the_same_figures_for_the_example(tmp_path, capsys, monkeypatch, recalc):
    monkeypatch.setenv("PERPHEDGE_OFFLINE", "1")  # what --offline sets; restored afterwards
    book = tmp_path / "example.xlsx"
    assert main(["--offline", "new", str(book), "--portfolio", str(EXAMPLE)]) == 0
    assert "recorded snapshot, not live" in capsys.readouterr().out
    assert main(["--offline", "plan", "--csv", str(EXAMPLE), "--json"]) == 0
    lines = json.loads(capsys.readouterr().out)["lines"]
    ws = recalc(book)["Portfolio"]
    assert len(lines) == 3
    for i, line in enumerate(lines):
        r = L.PORTFOLIO_FIRST_ROW + i
        cell = {k: ws[f"{L.pcol(k)}{r}"].value for k in ("asset", "contracts", "notional", "margin", "price",
                                                          "perp_price")}
        assert cell["asset"] == line["asset"]
        assert cell["contracts"] == pytest.approx(line["contracts"], abs=1e-12), cell
        assert cell["contracts"] > 0
        for key, plan_key in (("notional", "notional"), ("margin", "margin"), ("price", "price"),
                              ("perp_price", "hedge_price")):
            assert cell[key] == pytest.approx(line[plan_key], rel=1e-12), (key, cell, line)
