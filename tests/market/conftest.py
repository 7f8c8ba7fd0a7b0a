"""Fixtures of the market tests."""

from __future__ import annotations

import pytest

from perphedge.market.snapshot.source import SnapshotSource

from .snapshots import SOURCE


@pytest.fixture(scope="session")
def source() -> SnapshotSource:
    """The shipped snapshot answering as a SnapshotSource."""
    return SOURCE


@pytest.fixture(autouse=True)
def _no_real_keyring():
    """Market settings read the OS keyring: tests get keyring's failing backend instead of
    the machine's (a test needing keys installs its own in-memory one)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # keyring is optional: without it no keyring is read at all
        yield
        return
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)
