"""``perphedge demo``: the demo workbook and its plan, from the recorded snapshot.

Expected figures are worked by hand here from the recorded Binance USDⓈ-M CSVs in
tests/fixtures (the snapshot's source), not taken from the package."""

import csv
import json
import math
import statistics
from pathlib import Path

import openpyxl
import pytest

from perphedge.cli import main

HISTORY = Path(__file__).resolve().parents[1] / "fixtures" / "history" / "BTspaceC__crypto-swing-backtest" / "full"


def _marks(name: str) -> dict[int, float]:
    with open(HISTORY / name, newline="") as f:
        return {int(r["fundingTime"]) // 60_000: float(r["markPrice"]) for r in csv.DictReader(f)
                if r["markPrice"]}


def _floor_step(x: float, step: float) -> float:
    return math.floor(round(x / step, 9)) * step


@pytest.fixture(scope="module")
def demo_json(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "perpetual_hedge_demo.xlsx"
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["demo", "--json", "--out", str(out)]) == 0
    return out, json.loads(buf.getvalue())


def test_demo_writes_the_workbook(demo_json):
    out, _ = demo_json
    wb = openpyxl.load_workbook(out)
    assert {"Portfolio", "Market", "Scenarios", "Funding", "Guide"} <= set(wb.sheetnames)


def test_demo_says_the_data_is_recorded_and_dated_not_live(demo_json):
    _, data = demo_json
    notes = " ".join(data["notes"])
    assert "recorded snapshot (binanceusdm), not live — figures recorded 2026-10-03 08:00 UTC" in notes
    assert "not live" in notes


def test_demo_plan_matches_a_hand_calculation_from_the_recorded_marks(demo_json):
    _, data = demo_json
    btc_marks, eth_marks = _marks("BTCUSDT_funding.csv"), _marks("ETHUSDT_funding.csv")
    btc, eth = btc_marks[max(btc_marks)], eth_marks[max(eth_marks)]
    assert (btc, eth) == (84520.75468841, 2680.34097674)   # 2026-10-03 08:00 UTC
    lines = data["lines"]

    # BTC: 2.5 held, Tactical Defense (50 %), 2x, step 0.001 (Binance BTCUSDT).
    b = lines[0]
    notional = 2.5 * btc * 0.5
    contracts = _floor_step(notional / btc, 0.001)
    margin = contracts * btc / 2
    assert b["price"] == btc and b["notional"] == pytest.approx(notional, rel=1e-12)
    assert b["contracts"] == pytest.approx(1.25, abs=1e-12)
    assert b["margin"] == pytest.approx(margin, rel=1e-12)
    # The recorded Binance brackets put the 105,650.94 short in tier 2 (0.5 %, amount
    # 50,000 × (0.5 % − 0.4 %) = 50), which still holds its size at the price (157,738):
    # the plan walks the tiers as the workbook does.
    assert b["liq_price"] == pytest.approx((margin + 50 + contracts * btc) / (contracts * 1.005), rel=1e-12)

    # ETH: 40 held, Capital Preservation (100 %), 2x.
    e = lines[1]
    assert e["notional"] == pytest.approx(40 * eth, rel=1e-12) and e["contracts"] == 40

    # ETH cross-hedged with the BTC perp at beta = cov/var of log returns of the recorded
    # 8-hourly marks at the same settlements over the last 90 days (270 settlements, the
    # one 90 days before the last excluded), statistics module as an independent engine.
    common = sorted(set(btc_marks) & set(eth_marks))
    common = [t for t in common if t > common[-1] - 90 * 24 * 60]
    assert len(common) == 270
    ra = [math.log(eth_marks[b1] / eth_marks[a]) for a, b1 in zip(common, common[1:])]
    rh = [math.log(btc_marks[b1] / btc_marks[a]) for a, b1 in zip(common, common[1:])]
    beta = statistics.covariance(ra, rh) / statistics.variance(rh)
    x = lines[2]
    assert x["beta"] == pytest.approx(beta, rel=1e-9)
    assert x["hedge_price"] == btc
    assert x["notional"] == pytest.approx(25 * eth * beta, rel=1e-9)
    assert x["contracts"] == pytest.approx(_floor_step(25 * eth * beta / btc, 0.001), abs=1e-12)


def test_demo_table_output(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "d.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "figures recorded 2026-10-03" in out and "not live" in out
    btc_line = next(line for line in out.splitlines() if line.startswith("BTC "))
    assert "1.25" in btc_line and "126,190.18" in btc_line  # (52,825.47 + 50 + 105,650.94) / 1.25625
