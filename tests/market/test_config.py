"""MarketConfig: defaults, the user's TOML file, the environment (which wins)."""

from __future__ import annotations

from pathlib import Path

import pytest

from perphedge.core.errors import InvalidInput
from perphedge.market.config import MarketConfig


def test_defaults_match_the_documented_contract(tmp_path):
    c = MarketConfig(cache_dir=tmp_path)
    assert (c.default_exchange, c.timeout_ms, c.ttl_prices_s, c.ttl_funding_s, c.ttl_markets_s, c.retries,
            c.offline) == ("binanceusdm", 10_000, 15, 300, 86_400, 2, False)
    assert dict(c.api_base) == {}


def test_environment_sets_offline_timeout_cache_dir_and_api_bases(tmp_path):
    env = {"PERPHEDGE_OFFLINE": "1", "PERPHEDGE_TIMEOUT_S": "2.5", "PERPHEDGE_CACHE_DIR": str(tmp_path),
           "PERPHEDGE_BINANCEUSDM_API_BASE": "http://127.0.0.1:8000/",
           "PERPHEDGE_BYBIT_API_BASE": "http://127.0.0.1:8001"}
    c = MarketConfig.from_env(env, config_file=tmp_path / "none.toml")
    assert c.offline and c.timeout_ms == 2500 and c.cache_dir == tmp_path
    assert dict(c.api_base) == {"binanceusdm": "http://127.0.0.1:8000", "bybit": "http://127.0.0.1:8001"}


def test_user_file_read_and_environment_wins(tmp_path):
    f = tmp_path / "config.toml"
    f.write_text('[market]\ndefault_exchange = "bybit"\ntimeout_ms = 5000\noffline = true\n'
                 '[market.api_base]\nokx = "http://127.0.0.1:9000"\n')
    c = MarketConfig.from_env({"PERPHEDGE_OFFLINE": "0", "PERPHEDGE_CACHE_DIR": str(tmp_path)}, config_file=f)
    assert c.default_exchange == "bybit" and c.timeout_ms == 5000
    assert c.offline is False  # environment wins over the file
    assert dict(c.api_base) == {"okx": "http://127.0.0.1:9000"}


def test_api_keys_are_read_but_never_shown(tmp_path):
    env = {"PERPHEDGE_BINANCEUSDM_API_KEY": "k-123", "PERPHEDGE_BINANCEUSDM_API_SECRET": "s-456",
           "PERPHEDGE_CACHE_DIR": str(tmp_path)}
    c = MarketConfig.from_env(env, config_file=tmp_path / "none.toml")
    assert c.api_keys["binanceusdm"] == ("k-123", "s-456")
    assert "k-123" not in repr(c) and "s-456" not in repr(c)


@pytest.mark.parametrize("field,value", [("timeout_ms", -1), ("retries", 9), ("retries", True),
                                         ("ttl_prices_s", "15"), ("default_exchange", " ")])
def test_bad_settings_name_themselves(tmp_path, field, value):
    with pytest.raises(InvalidInput, match=field):
        MarketConfig(cache_dir=tmp_path, **{field: value})


def test_bad_api_base_and_bad_file_are_clear(tmp_path):
    with pytest.raises(InvalidInput, match="api_base"):
        MarketConfig(cache_dir=tmp_path, api_base={"bybit": "127.0.0.1:80"})
    bad = tmp_path / "bad.toml"
    bad.write_text("[market\n")
    with pytest.raises(InvalidInput, match="config file"):
        MarketConfig.from_env({}, config_file=bad)
    with pytest.raises(InvalidInput, match="PERPHEDGE_TIMEOUT_S"):
        MarketConfig.from_env({"PERPHEDGE_TIMEOUT_S": "soon"}, config_file=Path(tmp_path / "none"))
