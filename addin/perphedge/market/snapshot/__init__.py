"""The recorded market snapshot: what every market function serves when offline.

- :mod:`.data` — the records (``Snapshot``, ``SnapshotMarket``, ``Figure``) and reading a
  snapshot file (``load_snapshot``);
- :mod:`.source` — ``SnapshotSource``, the :class:`~perphedge.market.source.MarketSource`
  over a recording, every status marked as recorded;
- :mod:`.symbols` — which recorded market a typed symbol means (through the one resolver
  of :mod:`perphedge.market.symbols`);
- :mod:`.recorder` — recording a snapshot from the live service and writing it;
- :mod:`.build` — building the embedded snapshot from the recorded fixture files.
"""
