"""The Market sheet's Status cell says what a refresh could not give."""

from __future__ import annotations

from perphedge.core.marketdata import DataStatus, MarketRow
from perphedge.template.market_sheet import status_text

NOW_MS = 1_764_000_000_000


def _row(status: DataStatus) -> MarketRow:
    # Synthetic inputs: only the status matters here.
    return MarketRow("BTC/USDT:USDT", "binanceusdm", 100.0, 100.0, 100.0, 0.0001, 8.0, None,
                     1.0, 0.001, 0.001, False, 0.0005, None, None, status)


def test_a_complete_live_row_is_fresh():
    assert status_text(_row(DataStatus("binanceusdm", NOW_MS)), NOW_MS) == "fresh"


def test_a_live_row_missing_a_figure_says_which_not_fresh():
    why = "binanceusdm leverage tiers are not available without API key; funding interval assumed 8 h"
    text = status_text(_row(DataStatus("binanceusdm", NOW_MS, False, why)), NOW_MS)
    assert text == f"partial: {why}"


def test_a_stale_row_keeps_its_age():
    text = status_text(_row(DataStatus("bybit", NOW_MS - 200_000, True, "timeout")), NOW_MS)
    assert text == "stale: timeout (age 3m 20s)"
