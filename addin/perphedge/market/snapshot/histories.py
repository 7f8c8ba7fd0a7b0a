"""The recorded funding histories shipped for backtests (``data/history``, see SOURCES.md):
Binance USDⓈ-M settlements of BTC, ETH and BNB with the mark price at each, as the CSV text
Binance's ``/fapi/v1/fundingRate`` export gives (``fundingTime,fundingRate,markPrice``)."""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from perphedge.core.backtest import Settlement
from perphedge.core.errors import DataUnavailable, UnreadableFile

#: The venue the recordings come from.
RECORDED_EXCHANGE = "binanceusdm"
#: The CSV's header, as Binance's export writes it.
COLUMNS = ("fundingTime", "fundingRate", "markPrice")


@dataclass(frozen=True)
class RecordedHistory:
    name: str      # e.g. BTCUSDT_funding.csv (the source file's name)
    text: str


def _folder() -> Traversable:
    return resources.files("perphedge") / "data" / "history"


def recorded_assets() -> tuple[str, ...]:
    return tuple(sorted(p.name.removesuffix("USDT_funding.csv.gz") for p in _folder().iterdir()
                        if p.name.endswith("USDT_funding.csv.gz")))


def recorded_history(asset: str) -> RecordedHistory:
    """The recorded settlements of ``asset``'s USDT perp; an error naming what is recorded."""
    name = f"{asset.strip().upper()}USDT_funding.csv"
    part = _folder() / f"{name}.gz"
    if not part.is_file():
        raise DataUnavailable(f"no recorded funding history for {asset.strip().upper()} (recorded: "
                              f"{', '.join(recorded_assets())}, on {RECORDED_EXCHANGE})", RECORDED_EXCHANGE)
    return RecordedHistory(name, gzip.decompress(part.read_bytes()).decode("utf-8"))


def parse_settlements(text: str, source: str) -> list[Settlement]:
    """The settlements of a ``fundingTime,fundingRate,markPrice`` CSV's text (an empty mark:
    None); ``source`` names the file in errors, with the line."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or tuple(c.strip() for c in rows[0]) != COLUMNS:
        raise UnreadableFile(f"{source} line 1: expected the header {','.join(COLUMNS)}")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            raise UnreadableFile(f"{source} line {number}: {len(row)} cells but 3 columns")
        try:
            t = int(row[0])
            rate = float(row[1])
            mark = float(row[2]) if row[2].strip() else None
        except ValueError:
            raise UnreadableFile(f"{source} line {number}: not a number in {','.join(row)!r}") from None
        out.append(Settlement(t, rate, mark))
    if not out:
        raise UnreadableFile(f"{source}: no settlements in the file")
    return out
