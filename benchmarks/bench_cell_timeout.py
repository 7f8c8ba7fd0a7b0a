"""How long one live cell holds Excel when the exchange does not answer: the market layer's
defaults (what cells used before) beside the cell's own settings, in one run.

Run:  .venv/bin/python benchmarks/bench_cell_timeout.py

The exchange is the test suite's local server on 127.0.0.1 (recorded Binance answers),
told to hold every premium-index answer (mark, index, funding) for 12 s, longer than any
timeout here. Both services have the day's markets on disk, as in Excel after the first
use; each then reads FUNDING_RATE("BTC") the way the cell does, with real sleeps between
attempts. Figures: the wall time of that one read and how many requests reached the server.
Target: the cell's settings keep it at or under 3 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "market"))

import recorded  # noqa: E402  (test helpers: recorded fixtures and the local exchange)
from fakeexchange import FakeExchange  # noqa: E402

from perphedge.excel.cellbudget import cell_market_config  # noqa: E402
from perphedge.market.config import MarketConfig  # noqa: E402
from perphedge.market.live.service import MarketService  # noqa: E402

PREMIUM = "/fapi/v1/premiumIndex"
HOLD_S = 12.0
TARGET_S = 3.0


def one_cell(config: MarketConfig, fx: FakeExchange) -> tuple[float, int, str]:
    svc = MarketService(config)
    svc.contract_spec("BTC")                      # the markets, loaded and on disk
    fx.reset_log()
    fx.fault(PREMIUM, "timeout", times=config.retries + 1, hold_s=HOLD_S)   # every attempt
    t0 = time.perf_counter()
    try:
        svc.funding("BTC")
        outcome = "answered"
    except Exception as e:  # noqa: BLE001 - the cell shows this as its message
        outcome = type(e).__name__
    elapsed = time.perf_counter() - t0
    return elapsed, fx.count(PREMIUM), outcome


def main() -> int:
    rows = []
    with FakeExchange(recorded.binance_routes(), lifetime_s=120) as fx, tempfile.TemporaryDirectory() as tmp:
        base = dict(api_base={"binanceusdm": fx.base_url, "binance": fx.base_url})
        before = MarketConfig(cache_dir=Path(tmp) / "a", **base)
        after = cell_market_config(MarketConfig(cache_dir=Path(tmp) / "b", **base))
        for label, cfg in (("market defaults (before)", before), ("cell settings (now)", after)):
            rows.append((label, cfg, *one_cell(cfg, fx)))
    print(f"one FUNDING_RATE cell, exchange holding its answer {HOLD_S:.0f} s")
    print(f"{'settings':<26}{'timeout':>9}{'retries':>9}{'requests':>10}{'held Excel':>12}  outcome")
    for label, cfg, elapsed, requests, outcome in rows:
        print(f"{label:<26}{cfg.timeout_ms / 1000:>8.1f}s{cfg.retries:>9}{requests:>10}{elapsed:>11.2f}s  {outcome}")
    ratio = rows[0][2] / rows[1][2]
    print(f"ratio: {ratio:.1f}x shorter; target <= {TARGET_S:.0f} s: "
          f"{'met' if rows[1][2] <= TARGET_S else 'MISSED'}")
    return 0 if rows[1][2] <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
