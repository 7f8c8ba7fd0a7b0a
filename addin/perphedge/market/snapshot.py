"""The recorded market snapshot: what every market function serves when offline.

One import path for the whole of it, split by concept into:

- :mod:`~perphedge.market.snapshot_data` — the records (``Snapshot``, ``SnapshotMarket``,
  ``Figure``) and reading a snapshot file (``load_snapshot``);
- :mod:`~perphedge.market.snapshot_symbols` — which recorded market a typed symbol means;
- :mod:`~perphedge.market.snapshot_source` — ``SnapshotSource``, answering the
  MarketService questions from a recording, every status marked as recorded;
- :mod:`~perphedge.market.snapshot_recorder` — recording a snapshot from the live service
  and writing it (``record_snapshot``, ``write_snapshot``);
- :mod:`~perphedge.market.snapshot_build` — building the embedded snapshot from the
  recorded fixture files.
"""

from __future__ import annotations

from perphedge.market.snapshot_data import (DEFAULT_EXCHANGE, EMBEDDED_PATH, FIGURE_KINDS,
                                            FORMAT_VERSION, SNAPSHOT_ENV, SNAPSHOT_SOURCE, Figure,
                                            Snapshot, SnapshotMarket, absent_figures,
                                            load_snapshot, snapshot_from_document, utc_text)
from perphedge.market.snapshot_recorder import SnapshotAnswer, record_snapshot, write_snapshot
from perphedge.market.snapshot_source import SnapshotSource
from perphedge.market.snapshot_symbols import NotInSnapshot, resolve_market

__all__ = ["DEFAULT_EXCHANGE", "EMBEDDED_PATH", "FIGURE_KINDS", "FORMAT_VERSION", "SNAPSHOT_ENV",
           "SNAPSHOT_SOURCE", "Figure", "NotInSnapshot", "Snapshot", "SnapshotAnswer",
           "SnapshotMarket", "SnapshotSource", "absent_figures", "load_snapshot",
           "record_snapshot", "resolve_market", "snapshot_from_document", "utc_text",
           "write_snapshot"]
