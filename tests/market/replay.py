"""Recorded answers handed straight to ccxt: each client's ``fetch`` is replaced by a router
over the recorded routes, so ccxt's own request building and parsing run, with no socket."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from perphedge.market.live.clients import ClientPool
from perphedge.market.config import MarketConfig

Handler = Callable[[Mapping[str, str]], tuple[int, Any]]


class Replay:
    """Routes by URL path; keeps a log of (exchange id, path, query) asked."""

    def __init__(self, routes: Mapping[str, Handler]) -> None:
        self.routes = dict(routes)
        self.log: list[tuple[str, str, dict[str, str]]] = []

    def prepare(self, client: Any) -> None:
        def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
            parts = urlsplit(url)
            query = dict(parse_qsl(parts.query))
            self.log.append((client.id, parts.path, query))
            handler = self.routes.get(parts.path)
            if handler is None:
                raise AssertionError(f"no recorded answer for {parts.path}")
            status, payload = handler(query)
            assert status == 200, status
            return payload

        client.fetch = fetch

    def pool(self, config: MarketConfig, clock: Callable[[], float]) -> ClientPool:
        return ClientPool(config, clock=clock, sleep=lambda s: None, prepare=self.prepare)

    def count(self, path: str) -> int:
        return sum(1 for _, p, _ in self.log if p == path)
