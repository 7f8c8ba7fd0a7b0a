"""In-process TTL cache that keeps the last good value through failures, and the
on-disk cache of loaded markets.

A key is fetched at most once per TTL, whether the fetch succeeds or fails: after a
failure the key is not asked again until the TTL (or the exchange's Retry-After, if
longer) has passed, so a thousand cells reading
a dead endpoint cost one (bounded, retried) attempt, not a thousand.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from perphedge.atomicfile import remove_leftovers, write_text_atomic

T = TypeVar("T")

#: The document name of the loaded markets themselves.
MARKETS_DOCUMENT = "markets"


@dataclass(frozen=True)
class Entry(Generic[T]):
    """What a key holds: the last good value (if any) and the last failure (if newer)."""

    value: T | None
    has_value: bool
    as_of_ms: int          # when the value was obtained (our clock)
    checked_ms: int        # when the key was last fetched or attempted
    error: BaseException | None = None

    def held(self) -> T:
        """The value, where ``has_value`` (a value may itself be None only if fetch gave it)."""
        if not self.has_value:
            raise LookupError("the cache holds no value for this key")
        return self.value  # type: ignore[return-value]


class TTLCache:
    """Thread-safe; one lock per key so concurrent readers of a key wait for one fetch."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._entries: dict[Hashable, Entry[Any]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def now_ms(self) -> int:
        return int(self._clock() * 1000)

    def peek(self, key: Hashable) -> Entry[Any] | None:
        return self._entries.get(key)

    def get(self, key: Hashable, ttl_s: float, fetch: Callable[[], T],
            failed_ttl_s: float | None = None) -> Entry[T]:
        """The entry for ``key``, fetching first when it is older than ``ttl_s``
        (``failed_ttl_s`` after a failure, default the same).

        A failed fetch keeps the previous value and records the error; the caller decides
        whether to serve that value as stale or to raise.
        """
        entry = self._fresh(key, ttl_s, failed_ttl_s)
        if entry is not None:
            return entry
        with self._lock_for(key):
            entry = self._fresh(key, ttl_s, failed_ttl_s)
            if entry is not None:
                return entry
            old = self._entries.get(key)
            try:
                value = fetch()
            except Exception as e:  # recorded, then served as stale or raised by the caller
                now = self.now_ms()
                entry = Entry(old.value if old else None, bool(old and old.has_value),
                              old.as_of_ms if old else now, now, e)
            else:
                now = self.now_ms()
                entry = Entry(value, True, now, now, None)
            self._entries[key] = entry
            return entry

    def put(self, key: Hashable, value: Any) -> None:
        now = self.now_ms()
        self._entries[key] = Entry(value, True, now, now, None)

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()

    def _fresh(self, key: Hashable, ttl_s: float, failed_ttl_s: float | None = None) -> Entry[Any] | None:
        entry = self._entries.get(key)
        if entry is not None and entry.error is not None:
            if failed_ttl_s is not None:
                ttl_s = failed_ttl_s
            # an exchange that said when to come back (Retry-After) is not asked before then
            ttl_s = max(ttl_s, getattr(entry.error, "retry_after_s", None) or 0.0)
        # a clock set back makes the age negative: that is not "fresh for hours", it is unknown
        if entry is not None and 0 <= self.now_ms() - entry.checked_ms < ttl_s * 1000:
            return entry
        return None

    def _lock_for(self, key: Hashable) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


class MarketsDiskCache:
    """Loaded ccxt markets per exchange (and API base), kept for ``ttl_s`` on disk, and
    beside them the answers that change as rarely as listings (``document`` names one, such
    as Binance's funding intervals), so a new process asks neither again within the day.

    Written with :mod:`perphedge.atomicfile` (whole file or nothing), so a crash or a second
    process never leaves a half-written file; an unreadable file is simply ignored.
    """

    def __init__(self, directory: Path, ttl_s: float, clock: Callable[[], float] = time.time,
                 version: str = "") -> None:
        self.directory = Path(directory)
        self.ttl_s = ttl_s
        self._clock = clock
        self._version = version

    def path(self, exchange_id: str, api_base: str | None, document: str = MARKETS_DOCUMENT) -> Path:
        suffix = ""
        if api_base:
            import hashlib

            suffix = "-" + hashlib.sha256(api_base.encode()).hexdigest()[:10]
        name = "" if document == MARKETS_DOCUMENT else "." + "".join(
            ch if ch.isalnum() else "-" for ch in document)
        return self.directory / "markets" / f"{exchange_id}{suffix}{name}.json"

    def load(self, exchange_id: str, api_base: str | None,
             document: str = MARKETS_DOCUMENT) -> dict[str, Any] | None:
        path = self.path(exchange_id, api_base, document)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("ccxt_version") != self._version \
                or data.get("document", MARKETS_DOCUMENT) != document:
            return None
        saved_ms = data.get("saved_at_ms")
        if not isinstance(saved_ms, int) or not 0 <= self._clock() * 1000 - saved_ms < self.ttl_s * 1000:
            return None  # expired, or stamped in our future (clock set back): reload
        held = data.get("markets")
        if not isinstance(held, dict) or (document == MARKETS_DOCUMENT and not held):
            return None  # no listing is never a day's listing; an empty interval list can be
        return held

    def save(self, exchange_id: str, api_base: str | None, markets: dict[str, Any],
             document: str = MARKETS_DOCUMENT) -> None:
        path = self.path(exchange_id, api_base, document)
        payload = {"exchange": exchange_id, "document": document, "ccxt_version": self._version,
                   "saved_at_ms": int(self._clock() * 1000), "markets": markets}
        try:
            text = json.dumps(payload, default=_json_default)
            path.parent.mkdir(parents=True, exist_ok=True)
            remove_leftovers(path)  # temp files of a save a killed process left behind
            write_text_atomic(path, text)
        except (OSError, TypeError, ValueError):
            # A read-only or full disk costs a reload next process, nothing more.
            pass


def _json_default(obj: Any) -> Any:
    return str(obj)
