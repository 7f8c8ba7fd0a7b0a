"""Market sources for tests: figures are synthetic inputs (not market data)."""

from __future__ import annotations

from perphedge.core.marketdata import DataStatus, MarketRow

NOW_MS = 1_780_000_000_000
#: A "now" after every figure of the embedded snapshot (its newest: 2026-10-03 08:00 UTC),
#: for refreshing a workbook built from it: 2026-10-14 17:46:40 UTC.
AFTER_SNAPSHOT_MS = 1_792_000_000_000


def row(symbol, exchange, mark, *, status=None, now_ms=NOW_MS, **kw):
    figs = dict(spot_price=mark - 1, mark_price=mark, index_price=mark + 0.5,
                rate_per_interval=0.0001, interval_hours=8.0, next_funding_ms=now_ms + 3_600_000,
                contract_size=1.0, amount_step=0.001, min_amount=0.001, inverse=False,
                taker_fee=0.0005, mmr=0.004, maint_amount=0.0)
    figs.update(kw)
    return MarketRow(symbol, exchange, status=status or DataStatus(exchange, now_ms), **figs)


def empty(symbol, exchange, reason, now_ms=NOW_MS):
    return MarketRow(symbol, exchange, *([None] * 13),
                     status=DataStatus(exchange, now_ms, stale=True, reason=reason))


class FakeSource:
    """Answers market_rows; exchanges in ``failing`` answer like a failed fetch with
    nothing cached: all figures absent, stale with the reason."""

    def __init__(self, marks, failing=(), reason="HTTP 503 from bybit", now_ms=NOW_MS):
        self.marks, self.failing, self.reason, self.now_ms = marks, set(failing), reason, now_ms
        self.calls = []

    def market_rows(self, requests):
        self.calls.append(list(requests))
        return [empty(s, e, self.reason, self.now_ms) if e in self.failing
                else row(s, e, self.marks[s], now_ms=self.now_ms) for s, e in requests]


class BrokenSource:
    def market_rows(self, requests):
        from perphedge.core.errors import NetworkError

        raise NetworkError("connection refused", "binanceusdm")
