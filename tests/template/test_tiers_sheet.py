"""The Tiers sheet as built: rows smallest tier first, numbered, uncapped tiers blank;
inconsistent tier tables refused before anything is written. Tiers here are synthetic."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from perphedge.core.errors import InvalidInput
from perphedge.core.marketdata import LeverageTier
from perphedge.template import layout as L
from perphedge.template.build import build_workbook
from perphedge.template.tiers_sheet import TierTable


def test_tiers_table_rows_smallest_first_numbered_and_uncapped_blank(tmp_path):
    """Synthetic tiers given out of order: written smallest first, numbered 1..n, an
    unbounded cap as an empty cell, the fetch time as a UTC date-time; a market whose
    tiers are unknown has no rows."""
    tiers = (LeverageTier(7, 50_000, float("inf"), 0.01, 250.0, 20),
             LeverageTier(3, 0, 50_000, 0.005, 0.0, 50))
    table = TierTable("BTC/USDT:USDT", "binanceusdm", tiers, 1_767_225_600_000)  # 2026-01-01
    path = tmp_path / "t.xlsx"
    build_workbook([], [], {}, path, tier_tables=[table])
    ws = openpyxl.load_workbook(path)["Tiers"]
    r = L.TIER_FIRST_ROW
    rows = [[ws.cell(row=r + i, column=j + 1).value for j in range(len(L.TIER_HEADERS))]
            for i in range(3)]
    assert rows[0] == ["BTC/USDT:USDT", "binanceusdm", 1, 0, 50_000, "quote", 0.005, 0, 50,
                       datetime(2026, 1, 1)]
    assert rows[1][:9] == ["BTC/USDT:USDT", "binanceusdm", 2, 50_000, None, "quote", 0.01, 250, 20]
    assert rows[2] == [None] * len(L.TIER_HEADERS)


def test_tier_tables_refused_when_mixed_units_or_repeated(tmp_path):
    with pytest.raises(InvalidInput, match="one notional unit"):
        TierTable("X", "okx", (LeverageTier(1, 0, 10, 0.01, 0, 50, "contracts"),
                               LeverageTier(2, 10, 20, 0.02, 0, 25, "quote")))
    t = TierTable("BTC/USDT:USDT", "binanceusdm", (LeverageTier(1, 0, 10, 0.01, 0, 50),))
    path = tmp_path / "t.xlsx"
    with pytest.raises(InvalidInput, match="once in the Tiers table"):
        build_workbook([], [], {}, path, tier_tables=[t, t])
    assert not path.exists()


def test_undated_tiers_without_max_leverage_leave_those_cells_empty(tmp_path):
    """Recorded brackets (the snapshot's Binance leverageBrackets) carry no date (as of 0)
    and no maximum leverage (None): both cells stay empty, never 1970-01-01 or a number."""
    tiers = (LeverageTier(1, 0, 50_000, 0.004, 0.0, None),
             LeverageTier(2, 50_000, float("inf"), 0.005, 50.0, None))
    path = tmp_path / "t.xlsx"
    build_workbook([], [], {}, path, tier_tables=[TierTable("BTC/USDT:USDT", "binanceusdm", tiers, 0)])
    ws = openpyxl.load_workbook(path)["Tiers"]
    r = L.TIER_FIRST_ROW
    rows = [[ws.cell(row=r + i, column=j + 1).value for j in range(len(L.TIER_HEADERS))]
            for i in range(2)]
    assert rows == [["BTC/USDT:USDT", "binanceusdm", 1, 0, 50_000, "quote", 0.004, 0, None, None],
                    ["BTC/USDT:USDT", "binanceusdm", 2, 50_000, None, "quote", 0.005, 50, None, None]]
