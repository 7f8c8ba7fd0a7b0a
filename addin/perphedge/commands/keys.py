"""``perphedge keys set|status|clear EXCHANGE``: the read-only API key perphedge uses to read
positions, kept in the OS keyring.

A secret is read with a hidden prompt (never an argument, which shells keep in their
history) and never printed: ``status`` says only where the key comes from — environment,
config file or keyring, the order ``market.config`` takes them in.
"""

from __future__ import annotations

import click

from perphedge.core.errors import PerphedgeError
from perphedge.market.config import (
    ENVIRONMENT,
    KEYRING_EXCHANGES,
    MarketConfig,
    clear_keyring,
    key_source,
    store_in_keyring,
)

#: Venues whose keys carry a passphrase besides key and secret.
NEEDS_PASSPHRASE = ("okx",)


class KeysError(click.ClickException):
    exit_code = 2


def _exchange(text: str) -> str:
    ex = text.strip().lower()
    known = {*KEYRING_EXCHANGES, MarketConfig.from_env(use_keyring=False).default_exchange}
    if ex not in known:
        raise KeysError(f"exchange must be one of {', '.join(sorted(known))} (the ids whose keyring "
                        f"entries perphedge reads), got {text!r}")
    return ex


@click.group("keys")
def keys() -> None:
    """Store, show the origin of, or remove an exchange's read-only API key."""


@keys.command("set")
@click.argument("exchange")
def set_key(exchange: str) -> None:
    """Store EXCHANGE's key in the OS keyring (asked for, never echoed)."""
    ex = _exchange(exchange)
    key = click.prompt(f"{ex} API key", hide_input=True).strip()
    secret = click.prompt(f"{ex} API secret", hide_input=True).strip()
    password = (click.prompt(f"{ex} API passphrase", hide_input=True).strip()
                if ex in NEEDS_PASSPHRASE else None)
    if not key or not secret or (ex in NEEDS_PASSPHRASE and not password):
        raise KeysError(f"{ex}: key, secret{' and passphrase' if ex in NEEDS_PASSPHRASE else ''} "
                        "must not be empty; nothing stored")
    try:
        store_in_keyring(ex, key, secret, password)
    except PerphedgeError as e:
        raise KeysError(str(e)) from None
    click.echo(f"{ex}: key stored in the OS keyring. Use a read-only key restricted to this "
               "machine's IP address; `perphedge positions` warns where the venue reports more.")
    if key_source(ex) == ENVIRONMENT:
        click.echo(f"note: the environment also sets a {ex} key, and it is the one used "
                   f"(unset PERPHEDGE_{ex.upper()}_API_KEY to use the keyring's)")


@keys.command("status")
@click.argument("exchange")
def status(exchange: str) -> None:
    """Say where EXCHANGE's key comes from (never the key itself)."""
    ex = _exchange(exchange)
    try:
        where = key_source(ex)
    except PerphedgeError as e:
        raise KeysError(str(e)) from None
    if where is None:
        click.echo(f"{ex}: no key (set one with `perphedge keys set {ex}`)")
    else:
        click.echo(f"{ex}: key from the {where}")


@keys.command("clear")
@click.argument("exchange")
def clear(exchange: str) -> None:
    """Remove EXCHANGE's key from the OS keyring."""
    ex = _exchange(exchange)
    try:
        found = clear_keyring(ex)
    except PerphedgeError as e:
        raise KeysError(str(e)) from None
    click.echo(f"{ex}: key removed from the OS keyring" if found else f"{ex}: no key in the OS keyring")
    left = key_source(ex)
    if left is not None:
        click.echo(f"note: a {ex} key is still set in the {left}")
