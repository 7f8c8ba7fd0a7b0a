"""Reading a snapshot file: it says it is recorded and dated, bad files are refused with
the path named, and what the recording lacks is listed as absent."""

from __future__ import annotations

import json

import pytest

from perphedge.core.errors import InvalidInput
from perphedge.market.snapshot.data import EMBEDDED_PATH, SNAPSHOT_ENV, absent_figures, load_snapshot
from tests.market.snapshots import csv_rows

# ----------------------------------------------------------------------------- loading

def test_snapshot_says_it_is_recorded_and_dated():
    snap = load_snapshot()
    assert snap.figures[("okx", "BTC/USDT")]["ticker"].as_of_ms == 1710328243709
    last = int(csv_rows("BTC")[-1]["fundingTime"])
    assert snap.recorded_at_ms == last  # 2026-10-03 08:00 UTC settlement, the newest figure
    assert "NOT live" in snap.description
    assert "2026-07-05 08:00 UTC to 2026-10-03 08:00 UTC" in snap.description
    assert snap.figure("binanceusdm", "BTC/USDT:USDT", "ticker").source.startswith(
        "BTspaceC/crypto-swing-backtest data/BTCUSDT_funding.csv")


def test_load_refuses_missing_and_malformed_files(tmp_path):
    with pytest.raises(InvalidInput, match="path"):
        load_snapshot(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InvalidInput, match="path"):
        load_snapshot(bad)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": 99, "markets": []}))
    with pytest.raises(InvalidInput, match="format"):
        load_snapshot(other)
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"format": 1, "markets": [{"exchange": "x"}]}))
    with pytest.raises(InvalidInput, match="not a perphedge snapshot"):
        load_snapshot(partial)


def test_environment_points_at_another_snapshot_file(tmp_path):
    copy = tmp_path / "mine.json"
    copy.write_bytes(EMBEDDED_PATH.read_bytes())
    assert load_snapshot(environ={SNAPSHOT_ENV: str(copy)}).path == str(copy)
    assert load_snapshot(environ={}).path == str(EMBEDDED_PATH)


def test_absent_list_of_the_binance_btc_perp(source):
    market = source.snapshot.market("binanceusdm", "BTC/USDT:USDT")
    absent = [what for what, _ in absent_figures(source.snapshot, market)]
    assert absent == ["last price", "index price", "spot price"]  # its tiers are recorded
    bybit = source.snapshot.market("bybit", "BTC/USDT:USDT")
    assert "leverage_tiers" in [what for what, _ in absent_figures(source.snapshot, bybit)]
