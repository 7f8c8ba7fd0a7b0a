"""Cost of the backtest walk in core over the recorded BTC settlements, against its target.

Run: python benchmarks/bench_backtest.py   (not part of the test suite; validation included)

Data: the 7-year Binance BTCUSDT settlements (7,741; marks from 2023-10-31 08:00 UTC) in
tests/fixtures/history/BTspaceC__crypto-swing-backtest/full/, read once outside the timing.
"""

from __future__ import annotations

import csv
import statistics
import timeit
from pathlib import Path

from perphedge.core.backtest import HedgePolicy, Settlement, backtest

REPEATS = 7
TARGET_S = 50e-3
FILE = (Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "history" / "BTspaceC__crypto-swing-backtest"
        / "full" / "BTCUSDT_funding.csv")


def load() -> list[Settlement]:
    with FILE.open(newline="") as f:
        return [Settlement(int(r["fundingTime"]), float(r["fundingRate"]),
                           float(r["markPrice"]) if r["markPrice"] else None) for r in csv.DictReader(f)]


def median_s(stmt) -> float:
    """Median seconds of one call over REPEATS runs."""
    return statistics.median(timeit.repeat(stmt, number=1, repeat=REPEATS))


def main() -> None:
    rows = load()
    funding_only = [Settlement(s.time_ms, s.rate, None) for s in rows]
    marked = [s for s in rows if s.mark is not None]
    policy = HedgePolicy(0.5, leverage=2.0, band=0.05, amount_step=0.001, taker_fee=0.0005)
    backtest(policy, 1.0, marked)  # warm up outside the timing
    cases = [
        (f"backtest, funding-only ({len(funding_only):,} settlements)",
         median_s(lambda: backtest(policy, 1.0, funding_only))),
        (f"backtest, marked walk ({len(marked):,} settlements)", median_s(lambda: backtest(policy, 1.0, marked))),
    ]
    print(f"{'call':<46} {'median':>10} {'target':>10}  ok")
    failed = False
    for name, seconds in cases:
        ok = seconds <= TARGET_S
        failed |= not ok
        print(f"{name:<46} {seconds * 1e3:>7.2f} ms {'< ' + format(TARGET_S * 1e3, 'g') + ' ms':>10}  "
              f"{'yes' if ok else 'NO'}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
