"""Shared set-up of the market tests: a manual clock, services wired to recorded answers
(replayed into ccxt, or served by the local HTTP exchange)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perphedge.market.config import MarketConfig
from perphedge.market.live.service import MarketService

from .fakeexchange import FakeExchange
from .replay import Replay

#: 2026-03-20 01:00 UTC: one hour after the last settlement of the recorded funding export
#: (its window ends 2026-03-20 00:00), the day after the last recorded daily bar.
RECORDED_NOW_S = datetime(2026, 3, 20, 1, 0, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self, t: float = RECORDED_NOW_S) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class Sleeps:
    """Records the waits instead of sleeping, so retry tests are instant."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def replay_service(replay: Replay, tmp_path: Path, clock: Clock | None = None, *,
                   snapshot: Any = None, **settings) -> MarketService:
    """``snapshot``: what answers offline or without network (default: the recorded one)."""
    clock = clock or Clock()
    config = MarketConfig(cache_dir=tmp_path, **settings)
    return MarketService(config, clock=clock, sleep=lambda s: None, clients=replay.pool(config, clock),
                         snapshot=snapshot)


def server_service(fx: FakeExchange, tmp_path: Path, clock: Clock | None = None,
                   sleeps: Sleeps | None = None, exchanges=("binanceusdm", "binance", "bybit", "okx"),
                   snapshot: Any = None, **settings) -> MarketService:
    """A service whose every request of ``exchanges`` goes to the local server."""
    config = MarketConfig(cache_dir=tmp_path, api_base={ex: fx.base_url for ex in exchanges}, **settings)
    return MarketService(config, clock=clock or Clock(), sleep=sleeps or Sleeps(), snapshot=snapshot)
