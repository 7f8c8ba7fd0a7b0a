"""The recorded market snapshot: what every market function serves when offline.

One import path for the whole of it, split by concept into:

- :mod:`~perphedge.market.snapshot.data` — the records (``Snapshot``, ``SnapshotMarket``,
  ``Figure``) and reading a snapshot file (``load_snapshot``);
- :mod:`~perphedge.market.snapshot.symbols` — which recorded market a typed symbol means;
- :mod:`~perphedge.market.snapshot.source` — ``SnapshotSource``, answering the
  MarketService questions from a recording, every status marked as recorded;
- :mod:`~perphedge.market.snapshot.recorder` — recording a snapshot from the live service
  and writing it (``record_snapshot``, ``write_snapshot``);
- :mod:`~perphedge.market.snapshot.build` — building the embedded snapshot from the
  recorded fixture files.
"""

from __future__ import annotations

from perphedge.market.snapshot.data import (DEFAULT_EXCHANGE, EMBEDDED_PATH, FIGURE_KINDS,
                                            FORMAT_VERSION, SNAPSHOT_ENV, SNAPSHOT_SOURCE, Figure,
                                            Snapshot, SnapshotMarket, absent_figures,
                                            load_snapshot, snapshot_from_document, utc_text)
from perphedge.market.snapshot.recorder import SnapshotAnswer, record_snapshot, write_snapshot
from perphedge.market.snapshot.source import SnapshotSource
from perphedge.market.snapshot.symbols import NotInSnapshot, resolve_market

__all__ = ["DEFAULT_EXCHANGE", "EMBEDDED_PATH", "FIGURE_KINDS", "FORMAT_VERSION", "SNAPSHOT_ENV",
           "SNAPSHOT_SOURCE", "Figure", "NotInSnapshot", "Snapshot", "SnapshotAnswer",
           "SnapshotMarket", "SnapshotSource", "absent_figures", "load_snapshot",
           "record_snapshot", "resolve_market", "snapshot_from_document", "utc_text",
           "write_snapshot"]
