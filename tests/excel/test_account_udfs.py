"""POSITION and FUNDING_PAID through the real market service and ccxt, over the recorded
account answers (tests/market/live/test_positions.py routes them): one request per
exchange per TTL however many cells, the last rows served stale when a read fails."""

from __future__ import annotations

import pytest

from perphedge.core.conventions import ERROR_PREFIX
from perphedge.excel import udfs
from perphedge.market.config import MarketConfig
from perphedge.market.live.service import MarketService, reset_service
from tests.market.guarded import GuardedExchange
from tests.market.helpers import Clock, Sleeps, replay_service
from tests.market.live import test_positions as live
from tests.market.replay import Replay


class _Flaky:
    """The recorded answer, until ``down`` is set (then the read fails)."""

    def __init__(self, body):
        self.body, self.down = body, False

    def __call__(self, query):
        if self.down:
            raise ConnectionError("venue unreachable")
        return 200, self.body


@pytest.fixture
def coinm(tmp_path, monkeypatch):
    routes = live.binance_account_routes()
    flaky = _Flaky(live._body("binance", "fetchPositions", "inverse positions"))
    routes["/dapi/v1/positionRisk"] = flaky
    replay = Replay(routes)
    replay.clock, replay.flaky = Clock(live._ts(2024, 7, 28, 12)), flaky
    svc = replay_service(replay, tmp_path, replay.clock, api_keys={"binancecoinm": (live.KEY, live.SECRET)})
    svc.clients.client("binancecoinm").options["leverageBrackets"] = live.BRACKETS
    reset_service(svc)
    monkeypatch.setattr(udfs, "_now_ms", lambda: int(replay.clock() * 1000))
    yield replay
    reset_service(None)


def test_position_row_from_the_recorded_inverse_short(coinm):
    parsed, = live._parsed("binance", "fetchPositions", "inverse positions")
    row, = udfs.POSITION("BTC/USD:BTC", "binancecoinm")
    assert row == [-3.0, "short", parsed["entryPrice"], parsed["markPrice"], parsed["notional"],
                   "cross", "", parsed["leverage"], parsed["unrealizedPnl"],
                   parsed["liquidationPrice"], "fresh"]


def test_no_position_is_a_zero_row_said_in_words(coinm):
    row, = udfs.POSITION("ETH/USD:ETH", "binancecoinm")
    assert row[:2] == [0.0, "no position"] and row[-1] == "fresh" and set(row[2:-1]) == {""}


def test_a_sheet_of_positions_costs_one_request_per_ttl_and_fails_stale(coinm):
    for _ in range(50):
        udfs.POSITION("BTC/USD:BTC", "binancecoinm")
        udfs.POSITION("ETH/USD:ETH", "binancecoinm")
    assert coinm.count("/dapi/v1/positionRisk") == 1
    coinm.clock.advance(60)  # past the 15 s price TTL; the venue now fails
    coinm.flaky.down = True
    row, = udfs.POSITION("BTC/USD:BTC", "binancecoinm")
    assert row[0] == -3.0 and row[-1].startswith("stale: ") and "binancecoinm" in row[-1]
    assert live._clean(repr(row))


def test_funding_paid_total_from_the_recorded_bybit_settlements(tmp_path):
    replay = Replay(live.bybit_account_routes())
    clock = Clock(live._ts(2024, 3, 20, 9))
    reset_service(replay_service(replay, tmp_path, clock, api_keys={"bybit": (live.KEY, live.SECRET)}))
    try:
        total = udfs.FUNDING_PAID("LTC", 7, "bybit")
        again = udfs.FUNDING_PAID("LTC", 7, "bybit")
    finally:
        reset_service(None)
    raw = live._body("bybit", "fetchFundingHistory", "linear funding history")["result"]["list"]
    # Bybit's execFee is what the position paid: received = −Σ execFee
    assert total == pytest.approx(-sum(float(r["execFee"]) for r in raw), abs=1e-12) and again == total
    assert replay.count("/v5/execution/list") == 2  # two 4-day windows, once per TTL


def test_offline_and_keyless_cells_say_why(tmp_path):
    reset_service(MarketService(MarketConfig(cache_dir=tmp_path, offline=True)))
    try:
        offline = udfs.POSITION("BTC", "binanceusdm")
    finally:
        reset_service(None)
    assert isinstance(offline, str) and offline.startswith(ERROR_PREFIX) and "offline" in offline
    reset_service(replay_service(Replay(live.binance_account_routes()), tmp_path / "k", Clock()))
    try:
        keyless = udfs.FUNDING_PAID("BTC", 7, "binanceusdm")
    finally:
        reset_service(None)
    assert isinstance(keyless, str) and "no API key configured" in keyless and "perphedge keys set" in keyless


def test_an_echoing_gateway_leaves_no_key_in_any_cell(tmp_path):
    """Every signed request answered 401 with its headers (the API key) quoted back."""
    with GuardedExchange(live.binance_account_routes(), echo=True, leak=f"key on file {live.KEY}",
                         lifetime_s=60) as fx:
        config = MarketConfig(cache_dir=tmp_path, api_base={"binanceusdm": fx.base_url},
                              api_keys={"binanceusdm": (live.KEY, live.SECRET)})
        svc = MarketService(config, clock=Clock(live._ts(2024, 7, 28, 12)), sleep=Sleeps())
        svc.clients.client("binanceusdm").options["leverageBrackets"] = live.BRACKETS
        reset_service(svc)
        try:
            cells = [udfs.POSITION("BTC", "binanceusdm"), udfs.FUNDING_PAID("BTC", 7, "binanceusdm")]
        finally:
            reset_service(None)
        assert any(live.KEY in b for b in fx.bodies)  # the gateway did quote the key
    assert all(isinstance(c, str) and c.startswith(ERROR_PREFIX) for c in cells), cells
    assert all(live._clean(c) for c in cells) and "rejected the API key" in cells[0]
