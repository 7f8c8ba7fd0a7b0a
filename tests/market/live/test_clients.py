"""ccxt clients: one per exchange per process, rate limiting on, every request of an
exchange sent to its configured API base (market loading included), markets cached on disk
for a day; ccxt itself imported only by the first fetch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from perphedge.core.errors import InvalidInput
from perphedge.market.config import MarketConfig
from perphedge.market.live.clients import ClientPool, redirect_urls, spot_exchange_for
from tests.market import recorded
from tests.market.fakeexchange import FakeExchange
from tests.market.helpers import Clock
from tests.market.replay import Replay


def test_spot_exchange_of_each_perp_exchange():
    assert [spot_exchange_for(x) for x in ("binanceusdm", "bybit", "okx", "binancecoinm", "gate")] == \
        ["binance", "bybit", "okx", "binance", "gate"]


def test_redirect_keeps_paths_and_replaces_hosts():
    urls = {"fapiPublic": "https://fapi.binance.com/fapi/v1", "public": "https://api.{hostname}",
            "nested": {"x": "https://a.example/b/c"}}
    assert redirect_urls(urls, "http://127.0.0.1:9/") == {
        "fapiPublic": "http://127.0.0.1:9/fapi/v1", "public": "http://127.0.0.1:9",
        "nested": {"x": "http://127.0.0.1:9/b/c"}}


def test_one_instance_per_exchange_with_rate_limit_and_timeout(tmp_path):
    pool = ClientPool(MarketConfig(cache_dir=tmp_path, timeout_ms=4321))
    a = pool.client("binanceusdm")
    assert pool.client("binanceusdm") is a
    assert pool.client("bybit") is not a
    assert a.enableRateLimit is True and a.timeout == 4321


def test_unknown_exchange_id_is_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match="exchange"):
        ClientPool(MarketConfig(cache_dir=tmp_path)).client("nosuchexchange")


def test_api_base_receives_every_request_including_markets(tmp_path):
    routes = {**recorded.bybit_routes()}
    with FakeExchange(routes) as fx:
        pool = ClientPool(MarketConfig(cache_dir=tmp_path, api_base={"bybit": fx.base_url}))
        markets = pool.markets("bybit")
        with pool.use("bybit") as client:
            client.fetch_tickers(None, {"type": "swap", "subType": "linear"})
        assert "BTC/USDT:USDT" in markets and "BTC/USDT" in markets and "BTC/USD:BTC" in markets
        # spot, linear and inverse instruments (with their pre-listing pages), then tickers
        assert fx.paths() == ["/v5/market/instruments-info"] * 5 + ["/v5/market/tickers"]
        assert all(r.status == 200 for r in fx.log)


def test_markets_cached_on_disk_for_a_day(tmp_path):
    clock = Clock()
    replay = Replay(recorded.binance_routes())
    config = MarketConfig(cache_dir=tmp_path)
    first = replay.pool(config, clock).markets("binanceusdm")
    assert replay.count("/fapi/v1/exchangeInfo") == 1
    files = list((tmp_path / "markets").glob("*.json"))
    assert [f.name for f in files] == ["binanceusdm.json"]
    assert json.loads(files[0].read_text())["markets"].keys() == first.keys()
    assert not list((tmp_path / "markets").glob("*.tmp"))  # written atomically, no leftovers

    clock.advance(23 * 3600)  # another process, same day: read from disk
    again = replay.pool(config, clock).markets("binanceusdm")
    assert again.keys() == first.keys() and replay.count("/fapi/v1/exchangeInfo") == 1

    clock.advance(2 * 3600)  # a day old: loaded again
    replay.pool(config, clock).markets("binanceusdm")
    assert replay.count("/fapi/v1/exchangeInfo") == 2


def test_unreadable_disk_cache_is_ignored(tmp_path):
    replay = Replay(recorded.binance_routes())
    config = MarketConfig(cache_dir=tmp_path)
    (tmp_path / "markets").mkdir()
    (tmp_path / "markets" / "binanceusdm.json").write_text("{half a fi")
    assert "BTC/USDT:USDT" in replay.pool(config, Clock()).markets("binanceusdm")
    assert replay.count("/fapi/v1/exchangeInfo") == 1


def test_disk_cache_is_kept_apart_per_api_base(tmp_path):
    replay = Replay(recorded.binance_routes())
    replay.pool(MarketConfig(cache_dir=tmp_path, api_base={"binanceusdm": "http://127.0.0.1:1"}),
                Clock()).markets("binanceusdm")
    replay.pool(MarketConfig(cache_dir=tmp_path), Clock()).markets("binanceusdm")
    assert replay.count("/fapi/v1/exchangeInfo") == 2
    assert len(list((tmp_path / "markets").glob("binanceusdm*.json"))) == 2


def test_importing_market_does_not_import_ccxt_until_the_first_fetch(tmp_path):
    code = (
        "import sys\n"
        "import perphedge.market, perphedge.market.live.service, perphedge.market.config\n"
        "from perphedge.market.live.service import MarketService, get_service\n"
        "from perphedge.market.config import MarketConfig\n"
        f"svc = MarketService(MarketConfig(cache_dir={str(tmp_path)!r}, "
        "api_base={'binanceusdm': 'http://127.0.0.1:1'}, retries=0))\n"
        "print('before', 'ccxt' in sys.modules)\n"
        "try:\n"
        "    print(svc.contract_spec('BTC').status.source)\n"  # the recorded snapshot answers
        "except Exception as e:\n"
        "    print(type(e).__name__)\n"
        "print('after', 'ccxt' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "PERPHEDGE_OFFLINE": "0"})
    assert out.returncode == 0, out.stderr
    before, answer, after = out.stdout.split("\n")[:3]
    assert before == "before False" and after == "after True"
    assert answer in ("snapshot", "Unreachable")  # no server there: the snapshot, if it has BTC


def test_binance_spot_listing_is_asked_without_permission_sets(tmp_path):
    replay = Replay(recorded.binance_routes())
    pool = replay.pool(MarketConfig(cache_dir=tmp_path), Clock())
    spot, perps = pool.markets("binance"), pool.markets("binanceusdm")
    assert "BTC/USDT" in spot and "BTC/USDT:USDT" in perps
    asked = {p: q for _, p, q in replay.log}
    # Binance documents showPermissionSets=false as the way to a smaller exchangeInfo; the
    # futures listing has no such parameter and is asked plainly
    assert asked == {"/api/v3/exchangeInfo": {"showPermissionSets": "false"}, "/fapi/v1/exchangeInfo": {}}


def test_markets_in_memory_are_reloaded_after_the_clock_is_set_back(tmp_path):
    replay = Replay(recorded.binance_routes())
    clock = Clock()
    pool = replay.pool(MarketConfig(cache_dir=tmp_path), clock)
    pool.markets("binanceusdm")
    clock.advance(-3600)  # a negative age says nothing about freshness
    pool.markets("binanceusdm")
    assert replay.count("/fapi/v1/exchangeInfo") == 2
