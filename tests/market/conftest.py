"""Fixtures of the market tests."""

from __future__ import annotations

import pytest

from perphedge.market.snapshot.source import SnapshotSource

from .snapshots import SOURCE


@pytest.fixture(scope="session")
def source() -> SnapshotSource:
    """The shipped snapshot answering as a SnapshotSource."""
    return SOURCE
