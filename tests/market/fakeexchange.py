"""A local exchange on 127.0.0.1 speaking recorded Binance / Bybit / OKX answers over real
HTTP, so ccxt's whole HTTP stack runs in tests and benchmarks.

Knobs: added latency per request, and faults queued per path prefix — ``timeout`` (hold
the answer past the client's timeout), ``429`` (with ``Retry-After``), ``418``, ``500``,
``malformed`` (200 with a body that is not JSON), ``451``, ``403`` (a location refusal in
JSON), ``403-geo`` (CloudFront's HTML page refusing the country), ``403-ban`` (Bybit's IP
ban for too many requests, in the words of its v5 rate-limit rules). Every request is logged
(path, query, status). The server is bounded: it stops itself after ``lifetime_s`` or
``max_requests``, whichever first, and its threads are daemons.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Handler = Callable[[Mapping[str, str]], tuple[int, Any]]

#: The 403 page CloudFront serves when a distribution blocks the caller's country (its
#: wording, as exchanges behind CloudFront answer it; request id left out).
CLOUDFRONT_COUNTRY_BLOCK = (
    b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD>'
    b"<TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>\n<H1>403 ERROR</H1>\n"
    b"<H2>The request could not be satisfied.</H2>\nThe Amazon CloudFront distribution is "
    b"configured to block access from your country.\n</BODY></HTML>")


@dataclass
class Logged:
    path: str
    query: dict[str, str]
    status: int
    started_s: float  # time.monotonic() at arrival and when answered: shows overlap
    ended_s: float = 0.0


@dataclass
class Fault:
    prefix: str
    kind: str
    times: int
    retry_after: str | None = None
    hold_s: float = 0.0


class FakeExchange:
    def __init__(self, routes: Mapping[str, Handler], *, latency_s: float = 0.0,
                 lifetime_s: float = 120.0, max_requests: int = 5000) -> None:
        self.routes = dict(routes)
        self.latency_s = latency_s
        self.lifetime_s = lifetime_s
        self.max_requests = max_requests
        self.log: list[Logged] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._timer: threading.Timer | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> FakeExchange:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                owner._handle(self)

            def do_POST(self) -> None:  # noqa: N802
                owner._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         name="fakeexchange", daemon=True).start()
        self._timer = threading.Timer(self.lifetime_s, self.stop)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if self._timer is not None:
            self._timer.cancel()
        if server is not None:
            server.shutdown()
            server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- knobs and log -------------------------------------------------------------------

    def fault(self, prefix: str, kind: str, times: int = 1, *, retry_after: str | None = None,
              hold_s: float = 0.0) -> None:
        """The next ``times`` requests whose path starts with ``prefix`` fail with ``kind``."""
        with self._lock:
            self._faults.append(Fault(prefix, kind, times, retry_after, hold_s))

    def count(self, prefix: str = "/") -> int:
        with self._lock:
            return sum(1 for r in self.log if r.path.startswith(prefix))

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.log]

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    # -- serving -------------------------------------------------------------------------

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for f in self._faults:
                if f.times > 0 and path.startswith(f.prefix):
                    f.times -= 1
                    return f
        return None

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        started = time.monotonic()
        parts = urlsplit(req.path)
        path, query = parts.path, dict(parse_qsl(parts.query))
        with self._lock:
            over = len(self.log) >= self.max_requests
        fault = None if over else self._take_fault(path)
        headers: dict[str, str] = {}
        hold_s = 0.0
        if over:
            status, body = 503, b'{"msg":"fake exchange request budget exhausted"}'
        elif fault is not None:
            status, body, headers, hold_s = self._faulty(fault)
        else:
            handler = self.routes.get(path)
            if handler is None:
                status, body = 404, json.dumps({"msg": f"no route {path}"}).encode()
            else:
                status, payload = handler(query)
                body = json.dumps(payload).encode()
        entry = Logged(path, query, status, started)
        with self._lock:
            self.log.append(entry)  # logged on arrival, so counts never wait for a held answer
        time.sleep(self.latency_s + hold_s)
        try:
            req.send_response(status)
            req.send_header("Content-Type", "text/html" if fault is not None and fault.kind in
                            ("malformed", "403-geo", "403-ban") else "application/json")
            for k, v in headers.items():
                req.send_header(k, v)
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            req.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout fault): nothing to answer
        entry.ended_s = time.monotonic()

    @staticmethod
    def _faulty(fault: Fault) -> tuple[int, bytes, dict[str, str], float]:
        """Status, body, headers and how long to hold the answer."""
        kind = fault.kind
        if kind == "timeout":
            return 200, b"[]", {}, fault.hold_s
        if kind in ("429", "418"):
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return int(kind), b'{"code":-1003,"msg":"Too many requests."}', headers, 0.0
        if kind == "500":
            return 500, b"<html>Internal Server Error</html>", {}, 0.0
        if kind == "malformed":
            return 200, b"<html><body>upstream proxy error</body>", {}, 0.0
        if kind in ("451", "403"):
            return int(kind), b'{"code":0,"msg":"Service unavailable from a restricted location."}', {}, 0.0
        if kind == "403-geo":
            return 403, CLOUDFRONT_COUNTRY_BLOCK, {}, 0.0
        if kind == "403-ban":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return 403, b"403, access too frequent", headers, 0.0
        raise ValueError(f"unknown fault kind {kind}")
