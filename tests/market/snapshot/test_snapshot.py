"""The one import path of the snapshot: every public name still answers at
``perphedge.market.snapshot`` and is the object its own module defines."""

from __future__ import annotations

from perphedge.market import snapshot

from perphedge.market.snapshot import data as snapshot_data, recorder as snapshot_recorder, source as snapshot_source, symbols as snapshot_symbols

def test_public_names_are_re_exported_from_their_modules():
    homes = {
        snapshot_data: ("load_snapshot", "Snapshot", "absent_figures", "utc_text", "EMBEDDED_PATH",
                        "snapshot_from_document"),
        snapshot_source: ("SnapshotSource",),
        snapshot_symbols: ("NotInSnapshot", "resolve_market"),
        snapshot_recorder: ("record_snapshot", "write_snapshot", "SnapshotAnswer"),
    }
    for module, names in homes.items():
        for name in names:
            assert getattr(snapshot, name) is getattr(module, name), name
            assert name in snapshot.__all__
