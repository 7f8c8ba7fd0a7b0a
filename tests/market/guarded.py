"""A local exchange that treats signed requests as a restricted key's gateway would: it
refuses them (403), or, as a misconfigured proxy does, echoes the request's headers and
credentials back in its error body. Unsigned (public) requests are answered as
FakeExchange answers them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .fakeexchange import FakeExchange, Handler, Logged

#: Headers in which the exchanges send an API key or a signature.
CREDENTIAL_HEADERS = ("x-mbx-apikey", "x-bapi-api-key", "x-bapi-sign", "ok-access-key", "ok-access-sign")


class GuardedExchange(FakeExchange):
    """``echo``: answer a signed request 401 with its headers and query in the body
    (credential headers first, so they sit inside the first line of any message); else 403."""

    def __init__(self, routes: Mapping[str, Handler], *, echo: bool = False, leak: str = "",
                 leak_paths: tuple[str, ...] = (), **kw: Any) -> None:
        super().__init__(routes, **kw)
        self.leak_paths = leak_paths  # public paths the proxy answers as it answers signed ones
        self.echo = echo
        self.leak = leak  # extra text a proxy adds to every signed request's error body
        self.signed: list[str] = []
        self.bodies: list[str] = []

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(req.path)
        query = dict(parse_qsl(parts.query))
        headers = {k.lower(): v for k, v in req.headers.items()}
        if not ("signature" in query or parts.path.startswith(("/sapi", *self.leak_paths))
                or any(h in headers for h in CREDENTIAL_HEADERS)):
            super()._handle(req)
            return
        with self._lock:
            self.signed.append(req.path)
            self.log.append(Logged(parts.path, query, 401 if self.echo else 403, 0.0))
        if self.echo:
            first = [f"{k}: {v}" for k, v in headers.items() if k in CREDENTIAL_HEADERS]
            rest = [f"{k}: {v}" for k, v in headers.items() if k not in CREDENTIAL_HEADERS]
            text = "; ".join(first + [self.leak, req.path] + rest)
            status, body = 401, json.dumps({"code": -1, "msg": f"proxy refused: {text}"})
        else:
            status, body = 403, json.dumps({"code": -2015,
                                            "msg": "Invalid API-key, IP, or permissions for action."})
        with self._lock:
            self.bodies.append(body)
        data = body.encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)
