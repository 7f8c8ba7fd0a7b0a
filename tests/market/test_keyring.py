"""API keys from the environment, else the user config file, else the OS keyring — an
in-memory keyring backend here, never the machine's own."""

from __future__ import annotations

import pytest

from perphedge.market.config import KEYRING_SERVICE, MarketConfig, keyring_pair

keyring = pytest.importorskip("keyring")
from keyring.backend import KeyringBackend  # noqa: E402  (after the importorskip)
from keyring.backends import fail  # noqa: E402


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.asked: list[tuple[str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.asked.append((service, username))
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def ring():
    before = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(before)


def _store(ring, exchange, key, secret):
    ring.set_password(KEYRING_SERVICE, f"{exchange}_api_key", key)
    ring.set_password(KEYRING_SERVICE, f"{exchange}_api_secret", secret)


def test_environment_then_config_file_then_keyring(ring, tmp_path):
    for ex in ("binanceusdm", "bybit", "okx"):
        _store(ring, ex, f"ring-key-{ex}", f"ring-secret-{ex}")
    f = tmp_path / "config.toml"
    f.write_text('[market.api_keys.binanceusdm]\nkey = "file-key"\nsecret = "file-secret"\n'
                 '[market.api_keys.bybit]\nkey = "file-key-b"\nsecret = "file-secret-b"\n')
    env = {"PERPHEDGE_BINANCEUSDM_API_KEY": "env-key", "PERPHEDGE_BINANCEUSDM_API_SECRET": "env-secret"}
    c = MarketConfig.from_env(env, config_file=f)
    assert c.api_keys["binanceusdm"] == ("env-key", "env-secret")      # environment first
    assert c.api_keys["bybit"] == ("file-key-b", "file-secret-b")      # then the config file
    assert c.api_keys["okx"] == ("ring-key-okx", "ring-secret-okx")    # then the keyring
    assert (KEYRING_SERVICE, "binanceusdm_api_key") not in ring.asked  # not asked when given
    assert "ring-key-okx" not in repr(c)


def test_half_a_pair_in_the_keyring_is_no_key(ring, tmp_path):
    ring.set_password(KEYRING_SERVICE, "okx_api_key", "only-the-key")
    c = MarketConfig.from_env({}, config_file=tmp_path / "none.toml")
    assert "okx" not in c.api_keys and keyring_pair("okx") is None


def test_no_keyring_backend_is_no_key_not_a_failure(tmp_path):
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        c = MarketConfig.from_env({}, config_file=tmp_path / "none.toml")
    finally:
        keyring.set_keyring(before)
    assert dict(c.api_keys) == {}


def test_keyring_keys_are_redacted_from_messages(ring, tmp_path):
    from perphedge.market.live import faults
    from perphedge.market.live.clients import ClientPool

    _store(ring, "bybit", "ring-key-PERPHEDGE_TEST_MARKER_9c1e", "ring-secret-PERPHEDGE_TEST_MARKER_77d0")
    config = MarketConfig.from_env({"PERPHEDGE_CACHE_DIR": str(tmp_path)}, config_file=tmp_path / "none.toml")
    ClientPool(config).client("bybit")  # a client given the keys registers them
    text = faults.redact("retCode 10003: api key ring-key-PERPHEDGE_TEST_MARKER_9c1e is invalid")
    assert "PERPHEDGE_TEST_MARKER" not in text
