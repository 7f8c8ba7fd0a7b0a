"""The recorded snapshot standing in for the network: offline always, and for a figure or
an exchange found unreachable (a closed port on 127.0.0.1, or a local server gone), with
a status saying why live failed and which recording answered."""

from __future__ import annotations

import socket

import pytest

from perphedge.core.errors import DataUnavailable
from perphedge.core.marketdata import DataStatus, Observed
from perphedge.market.live.faults import Unreachable
from tests.market import recorded
from tests.market.exchanges import binance
from tests.market.fakeexchange import FakeExchange
from tests.market.helpers import replay_service, server_service


def test_offline_delegates_to_the_snapshot(tmp_path):
    calls = []

    class FakeSnapshot:  # stands in for SnapshotSource: only delegation is checked here
        def funding(self, symbol, exchange=None):
            calls.append(("funding", symbol, exchange))
            return Observed("recorded", DataStatus("snapshot", 1))

        def market_rows(self, requests):
            calls.append(("market_rows", list(requests)))
            return []

    replay = binance()
    svc = replay_service(replay, tmp_path, offline=True, snapshot=FakeSnapshot())
    assert svc.funding("BTC").value == "recorded"
    assert svc.market_rows([("BTC", None)]) == []
    assert calls == [("funding", "BTC", None), ("market_rows", [("BTC", None)])]
    assert replay.log == []  # offline: no exchange asked


# -- no network -------------------------------------------------------------------------------

def _closed_port_base() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class _Closed:
    base_url = _closed_port_base()


def test_unreachable_without_snapshot_figure_raises_network_error(tmp_path):
    class NoFigure:
        def funding(self, symbol, exchange=None):
            raise DataUnavailable("not in the recorded snapshot")

    svc = server_service(_Closed(), tmp_path, snapshot=NoFigure())
    with pytest.raises(Unreachable, match="unreachable"):
        svc.funding("BTC")


def test_unreachable_falls_back_to_the_snapshot_marked_stale(tmp_path):
    class Recorded:  # stands in for SnapshotSource: only the delegation is checked
        def funding(self, symbol, exchange=None):
            return Observed("recorded figure", DataStatus("snapshot", 1_773_964_800_000))

    svc = server_service(_Closed(), tmp_path, snapshot=Recorded())
    got = svc.funding("BTC")
    assert got.value == "recorded figure"
    assert got.status.source == "snapshot" and got.status.as_of_ms == 1_773_964_800_000
    # the stand-in gives no reason: the date comes from its as_of_ms, 2026-03-20 00:00 UTC
    assert got.status.stale and got.status.reason.startswith("binanceusdm unreachable")
    assert got.status.reason.endswith("; recorded snapshot: figures recorded 2026-03-20 00:00 UTC")


def test_unreachable_fallback_says_why_and_which_recording(tmp_path):
    svc = server_service(_Closed(), tmp_path)  # the embedded snapshot answers
    got = svc.funding("BTC")
    assert got.status.source == "snapshot" and got.status.stale
    why, recording = got.status.reason.split("; ", 1)
    assert why.startswith("binanceusdm unreachable")
    # the embedded snapshot's Binance funding ends with the 2026-10-03 08:00 UTC settlement
    # (its README and file)
    assert recording.startswith("recorded snapshot: funding recorded 2026-10-03 08:00 UTC")
    rows = svc.market_rows([("BTC", None), ("ETH", None)])
    for row in rows:
        assert row.status.source == "snapshot" and row.status.stale
        assert row.status.reason.startswith("binanceusdm unreachable")
        assert "; recorded snapshot: perp price and funding recorded 2026-10-03" in row.status.reason


def test_network_gone_with_markets_on_disk_gives_snapshot_rows(tmp_path):
    with FakeExchange(recorded.binance_routes()) as fx:
        server_service(fx, tmp_path).contract_spec("BTC")  # markets now on disk
        base = fx.base_url
    # the server is gone; a new session finds the day's markets on disk, then no network

    class Gone:
        base_url = base

    class Recorded:  # stands in for SnapshotSource: only the delegation is checked
        def market_rows(self, requests):
            from perphedge.core.marketdata import MarketRow
            return [MarketRow(s, "binanceusdm", *([None] * 13), DataStatus("snapshot", 7)) for s, _ in requests]

    svc = server_service(Gone(), tmp_path, snapshot=Recorded())
    (row,) = svc.market_rows([("BTC", None)])
    assert row.status.source == "snapshot" and row.status.as_of_ms == 7
    assert row.status.stale and "unreachable" in row.status.reason
