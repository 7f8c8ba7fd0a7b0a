"""Recording a snapshot through a market service and writing it: read back it keeps the
values, sources and dates; a recording of the recording is refused; a bad document
leaves the file unchanged."""

from __future__ import annotations

import pytest

from perphedge.core.errors import DataUnavailable, InvalidInput
from perphedge.core.marketdata import (
    ContractSpec,
    DailyClose,
    DataStatus,
    FundingPoint,
    FundingRate,
    LeverageTier,
    Observed,
    Ticker,
)
from perphedge.market.snapshot.data import load_snapshot
from perphedge.market.snapshot.recorder import SnapshotAnswer, record_snapshot, write_snapshot
from perphedge.market.snapshot.source import SnapshotSource
from perphedge.market.snapshot.symbols import NotInSnapshot
from tests.market.snapshots import snapshot_status_is

# ----------------------------------------------------------------------------- record

class FakeService:
    """A stand-in for MarketService. Its answers are synthetic inputs to the recorder (the
    numbers are the Bybit BTC figures recorded in the fixtures, reused as plain inputs)."""

    def __init__(self, source: str = "bybit") -> None:
        self.source = source
        self.t = 1730730080834

    def _status(self, ms: int | None = None) -> DataStatus:
        return DataStatus(self.source, ms or self.t)

    def resolve(self, symbol, exchange=None):
        if symbol.upper() not in ("BTC", "BTC/USDT:USDT"):
            raise NotInSnapshot(symbol, exchange)  # an UnknownSymbol, as the live service raises
        return "BTC/USDT:USDT"

    def contract_spec(self, symbol, exchange=None):
        return Observed(ContractSpec(symbol, exchange, 1.0, 0.001, 0.001, False, "USDT", 0.0001, 0.0006),
                        self._status())

    def ticker(self, symbol, exchange=None):
        return Observed(Ticker(symbol, exchange, 68577.5, 68591.46, 68599.9, self.t), self._status())

    def spot_price(self, symbol, exchange=None):
        raise DataUnavailable("no spot market answered", exchange)

    def funding(self, symbol, exchange=None):
        return Observed(FundingRate(symbol, exchange, 0.0001, 8.0, "exchange", 1730736000000, self.t,
                                    68591.46, 68599.9), self._status())

    def funding_history(self, symbol, days=30, exchange=None):
        return Observed((FundingPoint(1710892800000, 0.0001), FundingPoint(1710921600000, -0.000881)),
                        self._status(1710921600000))

    def daily_closes(self, symbol, days=90, exchange=None):
        return Observed((DailyClose(1712534400000, 71625.41841177),), self._status(1712534400000))

    def leverage_tiers(self, symbol, exchange=None):
        return Observed((LeverageTier(1, 0.0, 50000.0, 0.004, 0.0, 125.0),
                         LeverageTier(2, 50000.0, float("inf"), 0.005, 50.0, 100.0)), self._status())


def test_record_then_read_back_keeps_values_sources_and_dates(tmp_path):
    doc = record_snapshot(FakeService(), "bybit", ["btc", "NOPE"], 2, clock=lambda: 1_800_000_000.0)
    assert doc["recorded_at_ms"] == 1_800_000_000_000 and doc["live"] is False
    assert "NOPE" in doc["unresolved"]
    path = write_snapshot(doc, tmp_path / "rec.json")
    back = SnapshotSource(load_snapshot(path), default_exchange="bybit")
    t = back.ticker("BTC")
    assert (t.value.last_price, t.value.mark_price, t.value.index_price) == (68577.5, 68591.46, 68599.9)
    snapshot_status_is(t.status, 1730730080834, "2024-11-04 14:21 UTC")
    assert back.snapshot.figure("bybit", "BTC/USDT:USDT", "ticker").source == "live bybit API"
    assert [p.rate_per_interval for p in back.funding_history("BTC", 30).value] == [0.0001, -0.000881]
    tiers = back.leverage_tiers("BTC").value
    assert tiers[1].max_notional == float("inf") and tiers[0].mmr == 0.004
    market = back.snapshot.market("bybit", "BTC/USDT:USDT")
    assert market.absent["spot_price"] == "no spot market answered"
    with pytest.raises(DataUnavailable):
        back.spot_price("BTC")


def test_record_refuses_answers_that_came_from_the_snapshot():
    with pytest.raises(SnapshotAnswer, match="nothing live to record"):
        record_snapshot(FakeService(source="snapshot"), "bybit", ["BTC"], 2)


def test_record_refuses_bad_days():
    with pytest.raises(InvalidInput, match="days"):
        record_snapshot(FakeService(), "bybit", ["BTC"], 0)


def test_write_snapshot_leaves_the_file_unchanged_on_a_bad_document(tmp_path):
    target = tmp_path / "snap.json"
    target.write_text("previous")
    with pytest.raises(InvalidInput, match="format"):
        write_snapshot({"format": 2, "markets": []}, target)
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]


def test_write_snapshot_replaces_the_file_whole_readable_by_all(tmp_path, monkeypatch):
    import os
    import stat

    from perphedge import atomicfile

    target = tmp_path / "snap.json"
    old = target.with_name(atomicfile.temp_name(target))  # left by a write killed an hour ago
    old.write_text("{half")
    os.utime(old, (old.stat().st_mtime - 3600,) * 2)
    doc = record_snapshot(FakeService(), "bybit", ["btc"], 2, clock=lambda: 1_800_000_000.0)
    write_snapshot(doc, target)
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert b"\r\n" not in target.read_bytes()
    before = target.read_bytes()
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left")))
    with pytest.raises(OSError, match="snap.json"):  # the error names the file
        write_snapshot(record_snapshot(FakeService(), "bybit", ["btc"], 1, clock=lambda: 1.9e9), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]
