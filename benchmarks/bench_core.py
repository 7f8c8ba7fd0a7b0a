"""Per-call cost of the core hedge math, against its targets.

Run: python benchmarks/bench_core.py   (not part of the test suite; validation included)
"""

from __future__ import annotations

import math
import random
import statistics
import timeit

from perphedge.core.beta import min_variance_hedge
from perphedge.core.contracts import contracts_for_notional
from perphedge.core.scenarios import scenario_table
from perphedge.core.sizing import hedge_notional

REPEATS = 7


def per_call(stmt, calls: int) -> float:
    """Median seconds per call over REPEATS runs of `calls` calls."""
    runs = timeit.repeat(stmt, number=calls, repeat=REPEATS)
    return statistics.median(runs) / calls


def synthetic_prices(n: int, seed: int) -> tuple[list[float], list[float]]:
    """A random-walk pair, synthetic: only the amount of work matters here."""
    rng = random.Random(seed)
    hedge, asset = [60_000.0], [3_000.0]
    for _ in range(n - 1):
        r = rng.gauss(0, 0.01)
        hedge.append(hedge[-1] * math.exp(r))
        asset.append(asset[-1] * math.exp(1.2 * r + rng.gauss(0, 0.005)))
    return asset, hedge


def main() -> None:
    asset, hedge = synthetic_prices(20_000, 1)
    min_variance_hedge(asset, hedge)  # import numpy outside the timing
    rows = [
        ("hedge_notional", per_call(lambda: hedge_notional(500_000.0, 0.5), 100_000), 5e-6, "µs"),
        ("contracts_for_notional (step 0.001)",
         per_call(lambda: contracts_for_notional(100_000.0, 3_000.0, 1.0, 0.001, 0.001), 50_000), 5e-6, "µs"),
        ("scenario_table (21 rows, funding + fees)",
         per_call(lambda: scenario_table(10.0, 50_000.0, 0.5, rate_per_interval=0.0001, days=30.0,
                                         fee_rate=0.0005), 2_000), 0.5e-3, "ms"),
        ("min_variance_hedge (20,000 prices each)",
         per_call(lambda: min_variance_hedge(asset, hedge), 20), 20e-3, "ms"),
    ]
    scale = {"µs": 1e6, "ms": 1e3}
    print(f"{'call':<42} {'median':>12} {'target':>12}  ok")
    failed = False
    for name, seconds, target, unit in rows:
        ok = seconds <= target
        failed |= not ok
        bound = f"≤ {format(target * scale[unit], 'g')} {unit}"
        print(f"{name:<42} {seconds * scale[unit]:>9.3f} {unit} {bound:>12}  {'yes' if ok else 'NO'}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
