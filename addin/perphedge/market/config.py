"""Settings of the market-data layer: defaults, user config file, environment (which wins).

API keys, when a user configures any, are read here and held only in memory: they are
left out of ``repr`` and never written anywhere. A key pair is taken from the environment,
else the user config file, else the OS keyring (service ``perphedge``, entries
``<exchange>_api_key`` and ``<exchange>_api_secret``; the optional ``keyring`` package).
OKX keys also have a passphrase (ccxt's ``password``): ``PERPHEDGE_OKX_API_PASSWORD``, the
file's ``password`` beside ``key`` and ``secret``, or the keyring's ``okx_api_password``.
"""

from __future__ import annotations

import ast
import difflib
import functools
import importlib.util
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from perphedge.core.conventions import DEFAULT_EXCHANGE
from perphedge.core.errors import InvalidInput, PerphedgeError

APP_NAME = "perphedge"
_PREFIX = "PERPHEDGE_"
_API_BASE_SUFFIX = "_API_BASE"
_API_KEY_SUFFIX = "_API_KEY"
_API_SECRET_SUFFIX = "_API_SECRET"
_API_PASSWORD_SUFFIX = "_API_PASSWORD"
#: Credential variables whose values are redacted from every message, whether or not the
#: package sends them (OKX's passphrase, an exchange's uid).
_CREDENTIAL_VAR = re.compile(r"_API_(KEY|SECRET|PASSWORD|PASSPHRASE|UID)$")

#: Exchanges whose key pair is looked up in the OS keyring when neither the environment nor
#: the config file gives one (a keyring cannot list its entries, so the ids are named).
KEYRING_SERVICE = APP_NAME
KEYRING_EXCHANGES = ("binanceusdm", "binancecoinm", "binance", "bybit", "okx")


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def default_config_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


@dataclass(frozen=True)
class MarketConfig:
    """How to reach exchanges and how long answers stay fresh.

    ``api_base`` maps an exchange id to a base URL (``http://127.0.0.1:8000``) that
    receives every request of that exchange, market loading included.
    """

    default_exchange: str = DEFAULT_EXCHANGE
    timeout_ms: int = 10_000
    ttl_prices_s: float = 15.0
    ttl_funding_s: float = 300.0
    ttl_markets_s: float = 86_400.0
    retries: int = 2
    retry_wait_cap_s: float = 5.0
    offline: bool = False
    api_base: Mapping[str, str] = field(default_factory=dict)
    cache_dir: Path = field(default_factory=default_cache_dir)
    api_keys: Mapping[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    api_passwords: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.default_exchange, str) or not self.default_exchange.strip():
            raise InvalidInput("default_exchange", self.default_exchange, "must be an exchange id")
        object.__setattr__(self, "default_exchange", self.default_exchange.strip().lower())
        for name in ("timeout_ms", "ttl_prices_s", "ttl_funding_s", "ttl_markets_s",
                     "retry_wait_cap_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise InvalidInput(name, value, "must be a number, 0 or more")
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or not 0 <= self.retries <= 5:
            raise InvalidInput("retries", self.retries, "must be a whole number from 0 to 5")
        bases = {}
        for ex, url in dict(self.api_base).items():
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise InvalidInput(f"api_base[{ex}]", url, "must start with http:// or https://")
            bases[ex.lower()] = url.rstrip("/")
        object.__setattr__(self, "api_base", MappingProxyType(bases))
        object.__setattr__(self, "api_keys", MappingProxyType(
            {ex.lower(): pair for ex, pair in dict(self.api_keys).items()}))
        object.__setattr__(self, "api_passwords", MappingProxyType(
            {ex.lower(): pw for ex, pw in dict(self.api_passwords).items() if pw}))
        object.__setattr__(self, "cache_dir", Path(self.cache_dir))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None,
                 config_file: Path | None = None, *, use_keyring: bool = True) -> MarketConfig:
        """Defaults, overlaid by the user config file (TOML), overlaid by the environment;
        key pairs neither gives are looked up in the OS keyring (unless ``use_keyring`` is
        false)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        bases: dict[str, str] = {}
        keys: dict[str, list[str]] = {}
        passwords: dict[str, str] = {}
        path = config_file if config_file is not None else default_config_file()
        if path.is_file():
            _apply_file(path, values, bases, keys, passwords)
        if _truthy(env.get(_PREFIX + "OFFLINE")):
            values["offline"] = True
        elif env.get(_PREFIX + "OFFLINE") is not None:
            values["offline"] = False
        if env.get(_PREFIX + "TIMEOUT_S"):
            values["timeout_ms"] = int(_float_env("PERPHEDGE_TIMEOUT_S", env[_PREFIX + "TIMEOUT_S"]) * 1000)
        if env.get(_PREFIX + "CACHE_DIR"):
            values["cache_dir"] = Path(env[_PREFIX + "CACHE_DIR"])
        if env.get(_PREFIX + "EXCHANGE"):
            values["default_exchange"] = env[_PREFIX + "EXCHANGE"]
        for name, value in env.items():
            if not name.startswith(_PREFIX) or not value:
                continue
            if name.endswith(_API_BASE_SUFFIX):
                bases[name[len(_PREFIX):-len(_API_BASE_SUFFIX)].lower()] = value
            elif name.endswith(_API_KEY_SUFFIX):
                keys.setdefault(name[len(_PREFIX):-len(_API_KEY_SUFFIX)].lower(), ["", ""])[0] = value
            elif name.endswith(_API_SECRET_SUFFIX):
                keys.setdefault(name[len(_PREFIX):-len(_API_SECRET_SUFFIX)].lower(), ["", ""])[1] = value
            elif name.endswith(_API_PASSWORD_SUFFIX):
                passwords[name[len(_PREFIX):-len(_API_PASSWORD_SUFFIX)].lower()] = value
        if use_keyring:
            exchanges = {*KEYRING_EXCHANGES, str(values.get("default_exchange", DEFAULT_EXCHANGE)).lower()}
            for ex in sorted(exchanges):
                if not all(keys.get(ex, ("", ""))):
                    pair = keyring_pair(ex)
                    if pair is not None:
                        keys[ex] = list(pair)
                        password = keyring_password(ex)
                        if password and ex not in passwords:
                            passwords[ex] = password
        return cls(**values, api_base=bases,
                   api_keys={ex: (k, s) for ex, (k, s) in keys.items() if k and s},
                   api_passwords=passwords)


def _apply_file(path: Path, values: dict[str, Any], bases: dict[str, str],
                keys: dict[str, list[str]], passwords: dict[str, str]) -> None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise InvalidInput("config file", str(path), f"must be readable TOML ({e})") from e
    section = data.get("market", data)
    for key in ("default_exchange", "timeout_ms", "ttl_prices_s", "ttl_funding_s", "ttl_markets_s",
                "retries", "offline"):
        if key in section:
            values[key] = section[key]
    if "cache_dir" in section:
        values["cache_dir"] = Path(section["cache_dir"])
    for ex, url in dict(section.get("api_base", {})).items():
        bases[ex.lower()] = url
    for ex, pair in dict(section.get("api_keys", {})).items():
        keys[ex.lower()] = [str(pair.get("key", "")), str(pair.get("secret", ""))]
        if pair.get("password"):
            passwords[ex.lower()] = str(pair["password"])


def keyring_pair(exchange: str) -> tuple[str, str] | None:
    """The exchange's key and secret from the OS keyring, or None when either is missing,
    the ``keyring`` package is not installed or no keyring backend answers (no keyring is
    a normal setup, not a failure: keys are optional)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        key = keyring.get_password(KEYRING_SERVICE, f"{exchange}_api_key")
        secret = keyring.get_password(KEYRING_SERVICE, f"{exchange}_api_secret")
    except (KeyringError, RuntimeError, OSError):
        return None
    return (key, secret) if key and secret else None


def keyring_password(exchange: str) -> str | None:
    """The exchange's passphrase from the OS keyring (OKX's), or None."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, f"{exchange}_api_password") or None
    except (KeyringError, RuntimeError, OSError):
        return None


class KeyringUnavailable(PerphedgeError):
    """No OS keyring to store a key in (the package, or a backend, is missing)."""

    def __init__(self, why: str) -> None:
        super().__init__(f"no OS keyring available ({why}): set PERPHEDGE_<EXCHANGE>_API_KEY and "
                         "PERPHEDGE_<EXCHANGE>_API_SECRET in the environment instead")


_ENTRIES = ("api_key", "api_secret", "api_password")


def store_in_keyring(exchange: str, key: str, secret: str, password: str | None = None) -> None:
    """Store the exchange's key pair (and passphrase) in the OS keyring, where ``from_env``
    finds it; a passphrase not given removes one stored before."""
    keyring, errors = _keyring_module()
    values = dict(zip(_ENTRIES, (key, secret, password)))
    try:
        for entry, value in values.items():
            name = f"{exchange}_{entry}"
            if value:
                keyring.set_password(KEYRING_SERVICE, name, value)
            elif keyring.get_password(KEYRING_SERVICE, name) is not None:
                keyring.delete_password(KEYRING_SERVICE, name)
    except (errors.KeyringError, RuntimeError, OSError) as e:
        raise KeyringUnavailable(type(e).__name__) from None


def clear_keyring(exchange: str) -> bool:
    """Remove the exchange's entries from the OS keyring; whether there were any."""
    keyring, errors = _keyring_module()
    found = False
    try:
        for entry in _ENTRIES:
            name = f"{exchange}_{entry}"
            if keyring.get_password(KEYRING_SERVICE, name) is not None:
                keyring.delete_password(KEYRING_SERVICE, name)
                found = True
    except (errors.KeyringError, RuntimeError, OSError) as e:
        raise KeyringUnavailable(type(e).__name__) from None
    return found


def _keyring_module() -> tuple[Any, Any]:
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise KeyringUnavailable("the keyring package is not installed") from None
    return keyring, keyring.errors


ENVIRONMENT, CONFIG_FILE, KEYRING = "environment", "config file", "keyring"


def key_source(exchange: str, environ: Mapping[str, str] | None = None,
               config_file: Path | None = None) -> str | None:
    """Where the exchange's key pair comes from, in the order ``from_env`` takes them
    (environment, config file, keyring), or None when none gives both halves."""
    env = os.environ if environ is None else environ
    ex = exchange.strip().lower()
    up = _PREFIX + ex.upper()
    if env.get(up + _API_KEY_SUFFIX) and env.get(up + _API_SECRET_SUFFIX):
        return ENVIRONMENT
    path = config_file if config_file is not None else default_config_file()
    if path.is_file():
        keys: dict[str, list[str]] = {}
        _apply_file(path, {}, {}, keys, {})
        if all(keys.get(ex, ("", ""))):
            return CONFIG_FILE
    return KEYRING if keyring_pair(ex) is not None else None


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "yes", "on")


def _float_env(name: str, value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise InvalidInput(name, value, "must be a number of seconds") from None
    if not x > 0:
        raise InvalidInput(name, value, "must be greater than 0")
    return x


def configured_credentials(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """API keys, secrets, passphrases and uids configured for the exchanges (environment or
    user settings), however short: text that must never reach a cell, however an exchange's
    message quotes it. Longest first, so a secret containing another is replaced whole.
    Keyring entries are not read here (this runs on every exchange error); the clients
    built from them register theirs with the redaction (market/live/faults.py)."""
    env = os.environ if environ is None else environ
    found = {v for k, v in env.items()
             if k.upper().startswith(_PREFIX) and _CREDENTIAL_VAR.search(k.upper())}
    try:
        config = MarketConfig.from_env(env, use_keyring=False)
        for pair in config.api_keys.values():
            found |= set(pair)
        found |= set(config.api_passwords.values())
    except Exception:   # an unreadable settings file: the environment's are still known
        pass
    return tuple(sorted((s for s in found if s), key=len, reverse=True))


def configured_secrets(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The configured credentials of 4 characters or more, for callers that replace plain
    substrings (a shorter one would cut into ordinary words)."""
    return tuple(s for s in configured_credentials(environ) if len(s) >= 4)


@functools.cache
def exchange_ids() -> tuple[str, ...]:
    """ccxt's list of exchange ids (``ccxt.exchanges``), read from the installed ccxt's
    ``__init__`` without importing it (importing ccxt costs a second, and only the live
    layer imports it). Empty when ccxt is not installed or does not state the list."""
    spec = importlib.util.find_spec("ccxt")
    if spec is None or not spec.origin:
        return ()
    try:
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return ()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "exchanges"
                                                for t in node.targets):
            try:
                ids = ast.literal_eval(node.value)
            except ValueError:
                return ()
            return tuple(str(x) for x in ids)
    return ()


def check_exchange_id(text: object, argument: str = "exchange") -> str:
    """``text`` as an exchange id (trimmed, lower case) when ccxt lists it; else
    :class:`InvalidInput` naming the closest ids ccxt lists (did you mean …)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(argument, text, "must be a ccxt exchange id such as binanceusdm, bybit or okx")
    exchange = text.strip().lower()
    ids = exchange_ids()
    if not ids or exchange in ids:
        return exchange
    close = difflib.get_close_matches(exchange, ids, n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(close)}?" if close else "e.g. binanceusdm, bybit or okx"
    raise InvalidInput(argument, text.strip(), f"must be an exchange id ccxt knows ({hint})")
