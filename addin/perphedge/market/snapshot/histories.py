"""The recorded funding histories shipped for backtests (``data/history``, see SOURCES.md):
Binance USDⓈ-M settlements of BTC, ETH and BNB with the mark price at each, as the CSV text
Binance's ``/fapi/v1/fundingRate`` export gives (``fundingTime,fundingRate,markPrice``)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from perphedge.core.errors import DataUnavailable

#: The venue the recordings come from.
RECORDED_EXCHANGE = "binanceusdm"


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
