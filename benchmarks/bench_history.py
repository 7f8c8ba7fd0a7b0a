"""The History sheet at its largest common size: 3 markets × 3 years of 8-hourly settlements.

Run:  .venv/bin/python benchmarks/bench_history.py

Builds a workbook holding only a History sheet with three blocks over the recorded Binance
BTC, ETH and BNB settlements of 2023-11-01 → 2026-10-02 (the shipped recordings; marks on every
one), 50 % at 2×, then reports the file's size, the time LibreOffice takes to open, recalculate
and save it (one run; LibreOffice's start-up included), and the time core.backtest takes for the
same three paths (median of 20), side by side.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

from perphedge.commands.backtest import settlements_of
from perphedge.core.backtest import HedgePolicy, backtest
from perphedge.market.snapshot.histories import recorded_history
from perphedge.template import history_sheet as H
from perphedge.template.libreoffice import recalculate

LO, HI = 1_698_796_800_000, 1_791_072_000_000   # 2023-11-01, 2026-10-02 UTC


def main() -> int:
    blocks = []
    for asset in ("BTC", "ETH", "BNB"):
        rec = recorded_history(asset)
        path = tuple(s for s in settlements_of(rec.text, rec.name) if LO <= s.time_ms < HI)
        blocks.append(H.HistoryBlock(f"{asset}/USDT:USDT", "binanceusdm", 1.0,
                                     HedgePolicy(hedge_ratio=0.5, leverage=2.0, taker_fee=0.0005), path))
    rows = sum(len(b.settlements) for b in blocks)
    core_ms = []
    for _ in range(20):
        t0 = time.perf_counter()
        for b in blocks:
            backtest(b.policy, b.qty, b.settlements)
        core_ms.append((time.perf_counter() - t0) * 1000)
    with tempfile.TemporaryDirectory() as d:
        wb = openpyxl.Workbook()
        t0 = time.perf_counter()
        H.write_history(wb.active, blocks, "benchmark")
        wb.save(Path(d) / "history.xlsx")
        build_s = time.perf_counter() - t0
        size = (Path(d) / "history.xlsx").stat().st_size
        t0 = time.perf_counter()
        recalculate(Path(d) / "history.xlsx", Path(d) / "lo.xlsx")
        lo_s = time.perf_counter() - t0
    print(f"History sheet, 3 markets, {rows} settlements ({rows * len(H.COLUMNS):,} cells)")
    print(f"  file size                        {size / 1e6:8.2f} MB")
    print(f"  build (openpyxl, write + save)   {build_s:8.2f} s")
    print(f"  LibreOffice open+recalc+save     {lo_s:8.2f} s")
    print(f"  core.backtest, same 3 paths      {statistics.median(core_ms):8.1f} ms median of 20")
    return 0


if __name__ == "__main__":
    sys.exit(main())
