"""Inside Excel a live cell asks once, with a short timeout, and falls back at once: the
exchange is a local server on 127.0.0.1 that holds its answer past the timeout."""

from __future__ import annotations

import pytest

from perphedge.core.conventions import ERROR_PREFIX
from perphedge.excel import cellbudget, udfs
from perphedge.market.config import MarketConfig
from perphedge.market.live.service import MarketService, get_service, reset_service
from tests.market import recorded
from tests.market.fakeexchange import FakeExchange
from tests.market.helpers import Clock

PREMIUM = "/fapi/v1/premiumIndex"      # Binance USDⓈ-M funding, mark and index
#: longer than the cell's timeout, shorter than the market layer's default one
HOLD_S = cellbudget.CELL_TIMEOUT_MS / 1000 + 1.0


@pytest.fixture
def fx():
    with FakeExchange(recorded.binance_routes(), lifetime_s=60) as server:
        yield server


@pytest.fixture
def fresh_process(tmp_path, monkeypatch, fx):
    """The Excel process's first live cell, with the user's settings from the environment
    (a longer timeout than a cell may wait) pointing at the local exchange."""
    monkeypatch.setattr("platformdirs.user_config_dir", lambda *a, **k: str(tmp_path / "cfg"))
    monkeypatch.setenv("PERPHEDGE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PERPHEDGE_TIMEOUT_S", "30")
    monkeypatch.delenv("PERPHEDGE_OFFLINE", raising=False)
    for ex in ("BINANCEUSDM", "BINANCE"):
        monkeypatch.setenv(f"PERPHEDGE_{ex}_API_BASE", fx.base_url)
    reset_service(None)
    yield fx
    reset_service(None)


def test_the_cells_service_waits_briefly_and_never_retries(fresh_process):
    fx = fresh_process
    fx.fault(PREMIUM, "timeout", times=3, hold_s=HOLD_S)
    cell = udfs.FUNDING_RATE("BTC")
    assert isinstance(cell, str) and cell.startswith(ERROR_PREFIX) and "did not answer in time" in cell
    assert fx.count(PREMIUM) == 1                        # asked once: no retry, no back-off
    svc = get_service()
    assert (svc.config.timeout_ms, svc.config.retries) == (cellbudget.CELL_TIMEOUT_MS, 0)
    assert svc.clients.client("binanceusdm").timeout == cellbudget.CELL_TIMEOUT_MS   # what ccxt uses
    # the other cells of the recalculation ask nothing more of the endpoint that failed
    for _ in range(50):
        assert udfs.MARK_PRICE("BTC").startswith(ERROR_PREFIX)
    assert fx.count(PREMIUM) == 1


def test_a_cell_falls_back_to_the_last_good_value_after_one_timeout(fx, tmp_path):
    clock = Clock()
    base = MarketConfig(cache_dir=tmp_path, api_base={"binanceusdm": fx.base_url, "binance": fx.base_url})
    reset_service(MarketService(cellbudget.cell_market_config(base), clock=clock,
                                sleep=lambda s: pytest.fail("a cell never waits to retry")))
    try:
        first = udfs.MARK_PRICE("BTC")
        assert isinstance(first, float)
        clock.advance(20)                                  # past the 15 s price TTL
        fx.reset_log()
        fx.fault(PREMIUM, "timeout", times=3, hold_s=HOLD_S)
        assert udfs.MARK_PRICE("BTC") == first             # the previous number, at once
        [[_, _, status]] = udfs.MARKET_STATUS("BTC")
        assert status.startswith("stale:") and "did not answer in time" in status
        assert fx.count(PREMIUM) == 1
    finally:
        reset_service(None)


def test_a_shorter_configured_timeout_is_kept_and_other_settings_pass_through(tmp_path):
    base = MarketConfig(cache_dir=tmp_path, timeout_ms=800, ttl_prices_s=5.0, retries=3)
    cfg = cellbudget.cell_market_config(base)
    assert (cfg.timeout_ms, cfg.retries, cfg.ttl_prices_s, cfg.cache_dir) == (800, 0, 5.0, tmp_path)
