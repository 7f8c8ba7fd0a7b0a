"""``perphedge keys``: an in-memory keyring backend (never the machine's own); the secret is
typed at a hidden prompt and appears in no output; status names where a key comes from."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from perphedge.cli import cli
from perphedge.market.config import KEYRING_SERVICE, MarketConfig
from tests.market.test_keyring import MemoryKeyring

keyring = pytest.importorskip("keyring")

KEY = "PERPHEDGE_TEST_MARKER_KEY_0a1b2c3d"
SECRET = "PERPHEDGE_TEST_MARKER_SECRET_9f8e7d"
PASSPHRASE = "PERPHEDGE_TEST_MARKER_PASS_5e5e"


@pytest.fixture
def ring(tmp_path, monkeypatch):
    before = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    for name in list(os.environ):
        if name.startswith("PERPHEDGE_") and "_API_" in name:
            monkeypatch.delenv(name)
    monkeypatch.setattr("perphedge.market.config.default_config_file", lambda: tmp_path / "none.toml")
    yield memory
    keyring.set_keyring(before)


def _run(*args: str, input: str | None = None):
    result = CliRunner().invoke(cli, list(args), input=input)
    return result.exit_code, result.output


def test_set_stores_in_the_keyring_without_echoing_and_config_reads_it(ring):
    code, out = _run("keys", "set", "bybit", input=f"{KEY}\n{SECRET}\n")
    assert code == 0, out
    assert KEY not in out and SECRET not in out and "PERPHEDGE_TEST_MARKER" not in out
    assert ring.entries[(KEYRING_SERVICE, "bybit_api_key")] == KEY
    assert ring.entries[(KEYRING_SERVICE, "bybit_api_secret")] == SECRET
    assert MarketConfig.from_env({}).api_keys["bybit"] == (KEY, SECRET)
    code, out = _run("keys", "status", "bybit")
    assert (code, out.strip()) == (0, "bybit: key from the keyring")


def test_okx_asks_for_its_passphrase(ring):
    code, out = _run("keys", "set", "okx", input=f"{KEY}\n{SECRET}\n{PASSPHRASE}\n")
    assert code == 0 and "passphrase" in out and PASSPHRASE not in out
    assert MarketConfig.from_env({}).api_passwords["okx"] == PASSPHRASE


def test_status_names_the_environment_and_the_config_file(ring, tmp_path, monkeypatch):
    monkeypatch.setenv("PERPHEDGE_OKX_API_KEY", KEY)
    monkeypatch.setenv("PERPHEDGE_OKX_API_SECRET", SECRET)
    assert _run("keys", "status", "okx")[1].strip() == "okx: key from the environment"
    path = tmp_path / "config.toml"
    path.write_text(f'[market.api_keys.bybit]\nkey = "{KEY}"\nsecret = "{SECRET}"\n', encoding="utf-8")
    monkeypatch.setattr("perphedge.market.config.default_config_file", lambda: path)
    code, out = _run("keys", "status", "bybit")
    assert (code, out.strip()) == (0, "bybit: key from the config file")
    code, out = _run("keys", "status", "binanceusdm")
    assert out.strip() == "binanceusdm: no key (set one with `perphedge keys set binanceusdm`)"
    assert "PERPHEDGE_TEST_MARKER" not in out


def test_clear_removes_every_entry(ring):
    _run("keys", "set", "okx", input=f"{KEY}\n{SECRET}\n{PASSPHRASE}\n")
    code, out = _run("keys", "clear", "okx")
    assert (code, out.strip()) == (0, "okx: key removed from the OS keyring")
    assert ring.entries == {}
    assert _run("keys", "clear", "okx")[1].strip() == "okx: no key in the OS keyring"


def test_bad_exchange_and_empty_secret_store_nothing(ring):
    code, out = _run("keys", "set", "nosuchvenue", input=f"{KEY}\n{SECRET}\n")
    assert code == 2 and "exchange must be one of" in out and "'nosuchvenue'" in out
    code, out = _run("keys", "set", "bybit", input=f"{KEY}\n \n")
    assert code != 0 and ring.entries == {}
    assert KEY not in out
