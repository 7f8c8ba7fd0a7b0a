"""Importing the core must not load the heavy or edge libraries (DESIGN §2)."""

import json
import subprocess
import sys

CORE_MODULES = ["basis", "beta", "contracts", "conventions", "errors", "funding", "holdings", "liquidation",
                "margin", "marketdata", "plan", "pnl", "rebalance", "scenarios", "sizing", "validate"]
FORBIDDEN = ["ccxt", "xlwings", "openpyxl", "pandas", "numpy"]


def test_core_imports_nothing_heavy():
    code = (
        "import sys, json, importlib\n"
        "import perphedge.core\n"
        f"for m in {CORE_MODULES!r}: importlib.import_module('perphedge.core.' + m)\n"
        f"print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout) == []


def test_numpy_loads_only_when_beta_runs():
    code = (
        "import sys\n"
        "from perphedge.core.beta import min_variance_hedge\n"
        "before = 'numpy' in sys.modules\n"
        "min_variance_hedge([1.0, 2.0, 3.0, 5.0], [2.0, 3.0, 5.0, 7.0])\n"
        "print(before, 'numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["False", "True"]
