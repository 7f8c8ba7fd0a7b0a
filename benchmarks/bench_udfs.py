"""Cost of the Excel functions as Excel calls them, and of importing them.

Run: python benchmarks/bench_udfs.py   (not part of the test suite)

1. Warm calls of the pure functions (arguments as Excel hands them over: floats, None for
   empty optional cells, ranges as lists of rows), median per call.
2. Warm calls of the live functions served from the market service's cache: the real
   MarketService and ccxt code over the recorded exchange answers of tests/fixtures
   (replayed into ccxt, no network), clock frozen so every read after the first is a
   cache hit.
3. Import time of ``perphedge.excel.udfs`` beside ``import xlwings`` alone, each in a fresh
   interpreter, several runs, medians and their ratio.

Exits non-zero if a target is missed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 7
IMPORT_RUNS = 9

PURE_TARGET_S = 10e-6
#: Tables: HEDGE_SCENARIOS checks 22 × 9 cells and its core table alone takes ~25 µs;
#: HEDGE_BETA is a numpy regression. They have targets of their own.
TABLE_TARGET_S = 100e-6
#: FUNDING_HISTORY is held to it too, with a 31-row table (10 days of 8-hourly settlements).
LIVE_TARGET_S = 50e-6
IMPORT_RATIO_TARGET = 1.3

ASSET = [[x] for x in (100.0, 103.0, 101.0, 106.0, 104.0, 108.0)]
HEDGE = [[x] for x in (50.0, 51.0, 50.8, 52.5, 51.5, 53.9)]  # synthetic: only the work matters

PURE_CASES = [
    ("HEDGE_SIZE", (500000.0, 0.5), PURE_TARGET_S),
    ("HEDGE_CONTRACTS", (100000.0, 3000.0, 1.0, 0.001, 0.001, False), PURE_TARGET_S),
    ("HEDGE_MARGIN", (100000.0, 2.0), PURE_TARGET_S),
    ("HEDGE_LIQ_PRICE", (50000.0, 1.0, 25000.0, 0.005, None, None), PURE_TARGET_S),
    ("HEDGE_PNL", (10.0, 50000.0, 45000.0, 0.5, None, None), PURE_TARGET_S),
    ("FUNDING_APR", (0.0001, None), PURE_TARGET_S),
    ("FUNDING_DRAG", (1e6, 0.0001, 30.0, None), PURE_TARGET_S),
    ("BASIS", (50100.0, 50000.0), PURE_TARGET_S),
    ("REBALANCE", (10.0, 50000.0, 0.5, 3.0, None, None), PURE_TARGET_S),
    ("HEDGE_SCENARIOS", (10.0, 50000.0, 0.5, None, 0.0001, 30.0, 8.0, 0.0005), TABLE_TARGET_S),
    ("HEDGE_BETA", (ASSET, HEDGE), TABLE_TARGET_S),
]

LIVE_CASES = [
    ("SPOT_PRICE", ("BTC", None), LIVE_TARGET_S),
    ("MARK_PRICE", ("BTC", None), LIVE_TARGET_S),
    ("INDEX_PRICE", ("BTC", "bybit"), LIVE_TARGET_S),
    ("FUNDING_RATE", ("BTC", None), LIVE_TARGET_S),
    ("FUNDING_INTERVAL", ("BTC", None), LIVE_TARGET_S),
    ("CONTRACT_SPEC", ("BTC", None), LIVE_TARGET_S),
    ("MARKET_STATUS", ("BTC", None), LIVE_TARGET_S),
    ("FUNDING_HISTORY", ("BTC", 10.0, None), LIVE_TARGET_S),
]


def per_call(fn, args, calls: int) -> float:
    runs = timeit.repeat(lambda: fn(*args), number=calls, repeat=REPEATS)
    return statistics.median(runs) / calls


def install_replayed_service() -> None:
    """The real service over the recorded answers (tests/market helpers), clock frozen."""
    sys.path.insert(0, str(ROOT))
    from perphedge.market.live.service import reset_service
    from tests.market import recorded
    from tests.market.helpers import Clock, replay_service
    from tests.market.replay import Replay

    routes = {}
    routes.update(recorded.binance_routes())
    routes.update(recorded.bybit_routes())
    reset_service(replay_service(Replay(routes), Path(tempfile.mkdtemp()), Clock()))


def import_seconds(module: str) -> float:
    code = (f"import time; t = time.perf_counter(); import {module}; "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def main() -> None:
    from perphedge.excel import udfs

    install_replayed_service()
    rows = []
    for name, args, target in PURE_CASES:
        fn = getattr(udfs, name)
        result = fn(*args)
        assert not (isinstance(result, str) and result.startswith("#HEDGE!")), (name, result)
        rows.append((name, per_call(fn, args, 2000), target))
    for name, args, target in LIVE_CASES:
        fn = getattr(udfs, name)
        result = fn(*args)  # fills the cache (replayed requests)
        assert not (isinstance(result, str) and result.startswith("#HEDGE!")), (name, result)
        rows.append((name + " (cached)", per_call(fn, args, 2000), target))

    print(f"{'function (warm call)':<28} {'median':>10} {'target':>10}  ok")
    failed = False
    for name, seconds, target in rows:
        ok = seconds <= target
        failed |= not ok
        print(f"{name:<28} {seconds * 1e6:>7.2f} µs {'≤ ' + format(target * 1e6, 'g') + ' µs':>10}  "
              f"{'yes' if ok else 'NO'}")

    xl, ours = [], []
    for _ in range(IMPORT_RUNS):  # interleaved, so drift in the machine hits both alike
        xl.append(import_seconds("xlwings"))
        ours.append(import_seconds("perphedge.excel.udfs"))
    xl_med, ours_med = statistics.median(xl), statistics.median(ours)
    ratio = ours_med / xl_med
    ok = ratio <= IMPORT_RATIO_TARGET
    failed |= not ok
    print()
    print(f"import, fresh interpreter, median of {IMPORT_RUNS}:")
    print(f"  import xlwings               {xl_med * 1e3:7.1f} ms")
    print(f"  import perphedge.excel.udfs  {ours_med * 1e3:7.1f} ms  (xlwings included)")
    print(f"  ratio                        {ratio:7.2f}    target ≤ {IMPORT_RATIO_TARGET}  "
          f"{'yes' if ok else 'NO'}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
