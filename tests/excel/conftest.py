"""Excel-function tests never write to the real user log directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _udf_log_dir(tmp_path, monkeypatch):
    log_dir = tmp_path / "logs"
    monkeypatch.setattr("platformdirs.user_log_dir", lambda *a, **k: str(log_dir))
    return log_dir
