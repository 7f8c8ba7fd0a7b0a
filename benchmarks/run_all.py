"""Run every benchmark, one after another, each in its own interpreter.

    python benchmarks/run_all.py

Exits non-zero if any benchmark missed its target or failed. Benchmarks are not part of
the test suite: timings on a shared machine are figures to read, not assertions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"=== {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script)]).returncode != 0:
            failed.append(script.name)
        print(flush=True)
    if failed:
        print("missed a target or failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
