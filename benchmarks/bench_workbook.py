"""Building the demo workbook (LibreOffice not involved), against its target of 2 s.

Run:  .venv/bin/python benchmarks/bench_workbook.py

Times ``perphedge.template.demo.build_demo`` end to end — loading the embedded snapshot,
resolving the three holdings, the Market rows, 90 days of funding for two perps, the
269-return Beta sheet, every formula, the charts and the deterministic save — and, for
scale, a synthetic 200-holding portfolio (``tests/support/generate.py``; synthetic
inputs, not market data). Median of 7 runs after one warm-up; exits non-zero if the
demo misses its target.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 7
TARGET_S = 2.0


def median_time(fn) -> float:
    fn()  # warm-up: imports and first-use caches stay out of the figure
    runs = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> int:
    from perphedge.template.build import build_workbook
    from perphedge.template.demo import build_demo

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.support.generate import NOW_MS, funding_history, generate

    with tempfile.TemporaryDirectory() as tmp:
        demo = median_time(lambda: build_demo(Path(tmp) / "demo.xlsx"))
        holdings, rows = generate(1, 200)
        history = funding_history(1)
        big = median_time(lambda: build_workbook(holdings, rows, history, Path(tmp) / "big.xlsx",
                                                 now_ms=NOW_MS))
    print(f"build_demo (3 holdings, 2 Market rows, 540 funding rows, 270 beta rows): "
          f"{demo * 1000:.0f} ms median of {REPEATS} (target < {TARGET_S * 1000:.0f} ms)")
    print(f"build_workbook, 200 synthetic holdings and Market rows: {big * 1000:.0f} ms")
    return 0 if demo < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
