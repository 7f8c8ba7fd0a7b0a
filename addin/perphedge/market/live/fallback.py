"""The recorded snapshot standing in for the network: always when offline, and for a figure
whose live fetch found no network at all (``faults.Unreachable``).

A figure served this way says both why live failed and which recording answered, so a
cell never passes a recording off as a current price.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from perphedge.core.errors import DataUnavailable
from perphedge.core.marketdata import RECORDED, DataStatus, recording_of
from perphedge.market.live import faults

T = TypeVar("T")


class SnapshotFallback:
    """The snapshot source (loaded on first use) and the rules for serving from it.

    ``source`` may be given (tests pass a stand-in); otherwise the snapshot that
    ``load_snapshot()`` chooses is read the first time it is needed.
    """

    def __init__(self, source: Any = None) -> None:
        self._source = source
        self._lock = threading.Lock()

    def source(self) -> Any:
        with self._lock:
            if self._source is None:
                try:
                    from perphedge.market.snapshot.data import load_snapshot
                    from perphedge.market.snapshot.source import SnapshotSource
                except ImportError as e:
                    raise DataUnavailable(f"no recorded snapshot available ({e})") from e
                self._source = SnapshotSource(load_snapshot())
            return self._source

    def serve(self, offline: bool, method: str, live: Callable[[], T], *args: Any) -> T:
        """The snapshot's answer when ``offline``; else ``live()``, falling back to the
        snapshot only when the network is unreachable and the snapshot holds the figure."""
        if offline:
            return getattr(self.source(), method)(*args)
        try:
            return live()
        except faults.Unreachable as e:
            try:
                got = getattr(self.source(), method)(*args)
            except Exception:
                raise e from None
            return replace(got, status=fallback_status(got.status, e))

    def rows(self, pairs: Sequence[tuple[str, str | None]], error: BaseException,
             empty_row: Callable[[str, str], Any]) -> list[Any]:
        """Market rows from the snapshot for an exchange found unreachable; if the snapshot
        cannot answer, ``empty_row(symbol, reason)`` rows saying why live failed."""
        try:
            rows = list(self.source().market_rows(list(pairs)))
        except Exception:
            return [empty_row(s, str(error)) for s, _ in pairs]
        return [replace(r, status=fallback_status(r.status, error)) for r in rows]


def fallback_status(recorded: DataStatus, error: BaseException) -> DataStatus:
    """A snapshot figure served because live failed: the status says both why live failed
    and which recording answered (the snapshot's own reason names its date)."""
    what = recorded.reason if recorded.reason and RECORDED in recorded.reason \
        else recording_of(recorded)
    return replace(recorded, stale=True, reason=f"{error}; {what}", in_place_of_live=True)

