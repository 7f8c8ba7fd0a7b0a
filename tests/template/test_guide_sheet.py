"""The Guide's measured funding table: the sums of the recorded rates per UTC calendar year,
recomputed here with the standard library from the packaged CSVs, and the BTC figures the
history's own README states (+17.2 % in 2020 ... +5.1 % in 2025)."""

from __future__ import annotations

import csv
import gzip
import io
import math
import time
from collections import defaultdict
from importlib import resources

import openpyxl

from perphedge.template.guide_sheet import measured_funding, write_guide


def _by_year(asset: str) -> dict[int, float]:
    raw = (resources.files("perphedge") / "data" / "history" / f"{asset}USDT_funding.csv.gz").read_bytes()
    sums: dict[int, list[float]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(gzip.decompress(raw).decode())):
        sums[time.gmtime(int(row["fundingTime"]) // 1000).tm_year].append(float(row["fundingRate"]))
    return {y: math.fsum(v) for y, v in sums.items()}


def test_each_year_is_the_sum_of_its_recorded_rates():
    lines = {asset: text for asset, text, _ in measured_funding()}
    assert set(lines) == {"BTC", "ETH", "BNB"}
    for asset, text in lines.items():
        expected = _by_year(asset)
        assert text == " · ".join(f"{y}: {s:+.1%}" for y, s in sorted(expected.items()))


def test_btc_matches_the_published_yearly_figures():
    btc = next(text for asset, text, _ in measured_funding() if asset == "BTC")
    for year, pct in ((2020, "+17.2%"), (2021, "+30.6%"), (2022, "+4.2%"), (2023, "+7.9%"),
                      (2024, "+12.0%"), (2025, "+5.1%")):
        assert f"{year}: {pct}" in btc


def test_the_guide_sheet_shows_the_table():
    ws = openpyxl.Workbook().active
    write_guide(ws)
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Measured: funding a short received") for t in texts)
    assert "BTC" in texts and "recorded 2019-09-10 to 2026-10-03" in texts
