"""Excel-function tests never write to the real user log directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _udf_log_dir(tmp_path, monkeypatch):
    log_dir = tmp_path / "logs"
    monkeypatch.setattr("platformdirs.user_log_dir", lambda *a, **k: str(log_dir))
    return log_dir


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
