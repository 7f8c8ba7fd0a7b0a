"""Shared by the snapshot tests: the fixture files read independently of the code under
test, and the shipped snapshot."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from perphedge.core.marketdata import DataStatus
from perphedge.market.snapshot.data import EMBEDDED_PATH, load_snapshot
from perphedge.market.snapshot.source import SnapshotSource

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BTSPACEC = FIXTURES / "history" / "BTspaceC__crypto-swing-backtest"
#: The snapshot's inputs: ccxt's MIT recordings and BTspaceC's whole MIT exports (the
#: trimmed 2a copies beside them serve the local exchange of the market tests only).
MIT_FILES = re.compile(r"^(ccxt/|history/BTspaceC__crypto-swing-backtest/full/)")


def shipped() -> dict:
    return json.loads(EMBEDDED_PATH.read_text(encoding="utf-8"))


#: The snapshot's window: the last 90 days of the whole exports, 2026-07-05 08:00 UTC to
#: their last settlement, 2026-10-03 08:00 UTC (271 settlements, Binance's stamps).
WINDOW_FIRST_MS = 1_783_238_400_000


def csv_rows(coin: str) -> list[dict[str, str]]:
    with (BTSPACEC / "full" / f"{coin}USDT_funding.csv").open(newline="") as fh:
        return [r for r in csv.DictReader(fh) if int(r["fundingTime"]) >= WINDOW_FIRST_MS - 1000]


def fixture_json(rel: str):
    return json.loads((FIXTURES / rel).read_text(encoding="utf-8"))


def response(exchange: str, method: str, description: str) -> dict:
    for e in fixture_json(f"ccxt/responses/{exchange}.json")["methods"][method]:
        if e["description"] == description:
            return e
    raise AssertionError(f"{exchange} {method} {description} not in fixtures")


#: The shipped snapshot, loaded once for every test that reads it.
SOURCE = SnapshotSource(load_snapshot(EMBEDDED_PATH))


def snapshot_status_is(status: DataStatus, as_of_ms: int, date_text: str) -> None:
    """The status of a recorded figure: snapshot, its own time, stale, dated."""
    assert status.source == "snapshot"
    assert status.as_of_ms == as_of_ms
    assert status.stale is True
    assert status.reason.startswith("recorded snapshot: ")
    assert f" recorded {date_text}" in status.reason       # the date says it is a recording time
