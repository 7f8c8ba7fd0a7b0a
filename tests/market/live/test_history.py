"""Paged history: bounded loops whatever the exchange answers (synthetic rows: only the
paging is checked; the recorded-data paging tests are in test_service)."""

from __future__ import annotations

from perphedge.market.live import history
from perphedge.market.live.history import funding_pages, ohlcv_pages
from tests.market import recorded
from tests.market.helpers import replay_service
from tests.market.replay import Replay


def test_funding_history_stops_at_the_page_bound(tmp_path, monkeypatch):
    # an exchange that keeps answering full pages: the loop ends at MAX_PAGES
    monkeypatch.setattr(history, "MAX_PAGES", 3)
    routes = recorded.binance_routes()

    def endless(q):
        start = int(q["startTime"])
        return 200, [{"symbol": "BTCUSDT", "fundingTime": start + i * 3_600_000, "fundingRate": "0.0001"}
                     for i in range(int(q["limit"]))]

    routes["/fapi/v1/fundingRate"] = endless  # synthetic rows: only the bound is checked
    replay = Replay(routes)
    replay_service(replay, tmp_path).funding_history("BTC", days=1000)
    assert replay.count("/fapi/v1/fundingRate") == 3


class _EndlessClient:
    """Answers every page in full, one hour further each time."""

    def __init__(self):
        self.calls = 0

    def fetch_funding_rate_history(self, symbol, since, limit, params=None):
        self.calls += 1
        start = since if since is not None else 0
        return [{"timestamp": start + i * 3_600_000, "fundingRate": 0.0001} for i in range(limit)]

    def fetch_ohlcv(self, symbol, timeframe, since, limit):
        self.calls += 1
        return [[since + i * 86_400_000, 1, 1, 1, 1, 0] for i in range(limit - 1)]


def test_bybit_windows_and_ohlcv_pages_are_bounded():
    client = _EndlessClient()
    funding_pages(client, "bybit", "BTC/USDT:USDT", 0, 10**15)
    assert client.calls == history.MAX_PAGES
    client = _EndlessClient()
    ohlcv_pages(client, "BTC/USDT:USDT", 0, 10**15, 10)
    assert client.calls == history.MAX_PAGES


def test_okx_backwards_paging_stops_when_the_exchange_repeats_itself():
    class Stuck:
        calls = 0

        def fetch_funding_rate_history(self, symbol, since, limit, params=None):
            Stuck.calls += 1  # always the same full page, whatever "after" says
            return [{"timestamp": 10**12 + i, "fundingRate": 0.0} for i in range(limit)]

    funding_pages(Stuck(), "okx", "BTC/USDT:USDT", 0, 10**13)
    assert Stuck.calls == 2


# -- how many pages a window takes ---------------------------------------------------------

def test_page_bound_follows_the_window_and_the_interval():
    day = 86_400_000
    # 1000 days of hourly settlements, 200 a page: 24,000 / 200 = 120 pages, +1 for a window
    # starting mid-page; 8-hourly: 3,000 / 200 = 15 (+1)
    assert history.page_bound(0, 1000 * day, 200, 1.0) == 121
    assert history.page_bound(0, 1000 * day, 200, 8.0) == 16
    # unknown interval: the shortest there is, so the bound never falls short
    assert history.page_bound(0, 1000 * day, 200, None) == 121
    assert history.page_bound(0, 10**15, 200, 1.0) == history.MAX_PAGES


class _HourlyBybit:
    """Bybit's windowed paging over SYNTHETIC hourly settlements (only paging is checked):
    each call answers the settlements in [since, since + limit × 1 h], as ccxt asks."""

    markets = {"ZRX/USDT:USDT": {"info": {"fundingInterval": "60"}}}

    def __init__(self):
        self.calls = 0

    def fetch_funding_rate_history(self, symbol, since, limit, params=None):
        self.calls += 1
        first = -(-since // 3_600_000) * 3_600_000
        return [{"timestamp": t, "fundingRate": 0.0001}
                for t in range(first, since + limit * 3_600_000 + 1, 3_600_000)][:limit]


def test_bybit_hourly_history_of_1000_days_is_complete_and_bounded():
    client = _HourlyBybit()
    until = 1000 * 86_400_000
    got = funding_pages(client, "bybit", "ZRX/USDT:USDT", 0, until)
    assert not got.truncated
    assert set(range(0, until + 1, 3_600_000)) <= {r["timestamp"] for r in got.rows}  # every hour
    assert client.calls == got.pages <= history.page_bound(0, until, 200, 1.0)


def test_a_history_cut_by_the_bound_says_so(monkeypatch):
    monkeypatch.setattr(history, "MAX_PAGES", 5)
    got = funding_pages(_HourlyBybit(), "bybit", "ZRX/USDT:USDT", 0, 1000 * 86_400_000)
    assert got.truncated and got.pages == 5
