"""Recorded answers handed to ccxt through its HTTP session: each client gets a
``requests.Session`` whose adapter answers from the recorded routes, so ccxt's own request
building, status handling and parsing run (and the service's checks on them), with no
socket."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from perphedge.market.config import MarketConfig
from perphedge.market.live.clients import ClientPool

Handler = Callable[[Mapping[str, str]], tuple[int, Any]]


class Replay:
    """Routes by URL path; keeps a log of (exchange id, path, query) asked."""

    def __init__(self, routes: Mapping[str, Handler]) -> None:
        self.routes = dict(routes)
        self.log: list[tuple[str, str, dict[str, str]]] = []

    def answer(self, exchange_id: str, url: str) -> requests.Response:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.log.append((exchange_id, parts.path, query))
        handler = self.routes.get(parts.path)
        if handler is None:
            raise AssertionError(f"no recorded answer for {parts.path}")
        status, payload = handler(query)
        assert status == 200, status
        response = requests.Response()
        response.status_code, response.reason, response.url = status, "OK", url
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        response._content = json.dumps(payload).encode("utf-8")
        response.encoding = "utf-8"
        return response

    def session(self, exchange_id: str) -> requests.Session:
        """The transport of one exchange's client: every request answered from the routes."""
        session = requests.Session()
        session.mount("https://", _Recorded(self, exchange_id))
        session.mount("http://", _Recorded(self, exchange_id))
        return session

    def pool(self, config: MarketConfig, clock: Callable[[], float]) -> ClientPool:
        return ClientPool(config, clock=clock, sleep=lambda s: None, transport=self.session)

    def count(self, path: str) -> int:
        return sum(1 for _, p, _ in self.log if p == path)


class _Recorded(BaseAdapter):
    """A requests transport adapter that never opens a socket."""

    def __init__(self, replay: Replay, exchange_id: str) -> None:
        super().__init__()
        self.replay, self.exchange_id = replay, exchange_id

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = self.replay.answer(self.exchange_id, str(request.url))
        response.request = request
        return response

    def close(self) -> None:
        pass
