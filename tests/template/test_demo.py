"""The demo workbook: recorded snapshot values labelled with their date, the cross hedge
at the beta core.beta computes from the recorded ETH and BTC marks."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl

from perphedge.template import layout as L

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures/history/BTspaceC__crypto-swing-backtest/full"
#: 2026-07-05 08:00 UTC: the first settlement of the embedded snapshot's 90-day window
WINDOW_FIRST_MS = 1_783_238_400_000


def test_demo_summary(demo_build):
    s = demo_build
    assert [h.asset for h in s.holdings] == ["BTC", "ETH", "ETH"]
    assert s.holdings[2].hedge_symbol == "BTC/USDT:USDT" and s.holdings[2].beta_from_sheet
    assert s.recorded_at == "2026-10-03 08:00 UTC"
    assert "not live" in s.notes[0] and "illustrative" in s.notes[0]
    assert 0.0 < s.beta.r_squared < 1.0 and s.beta.n_returns == 269


def test_demo_beta_equals_an_independent_regression(demo_build):
    """Same window (the 270 settlements after 2026-07-05 08:00 UTC), computed here with numpy
    straight from the recorded CSVs."""
    def marks(name):
        with open(FIXTURES / name) as fh:
            return [float(r["markPrice"]) for r in csv.DictReader(fh)
                    if int(r["fundingTime"]) > WINDOW_FIRST_MS + 1000]
    eth, btc = np.log(marks("ETHUSDT_funding.csv")), np.log(marks("BTCUSDT_funding.csv"))
    ra, rh = np.diff(eth), np.diff(btc)
    c = np.cov(ra, rh, ddof=1)
    assert abs(demo_build.beta.hedge_ratio - c[0, 1] / c[1, 1]) < 1e-12


def test_demo_values_are_labelled_recorded(demo_path):
    wb = openpyxl.load_workbook(demo_path)
    for name in ("Portfolio", "Market", "Funding"):
        assert "figures recorded 2026-10-03 08:00 UTC" in wb[name]["A2"].value
        assert "not live" in wb[name]["A2"].value
    assert "live" not in wb["Beta"]["A2"].value.replace("not live", "")
    port = wb["Portfolio"]
    assert port[f"{L.pcol('held')}{L.PORTFOLIO_FIRST_ROW + 1}"].value == 30
