"""ccxt's exceptions turned into the package's own, and a bounded retry.

Retryable: network failures, timeouts, HTTP 429/418 (rate limits) and 5xx. Final: 451/403
(the exchange refuses this location: the message names another exchange to try), other
exchange errors, malformed answers. The HTTP status, body and ``Retry-After`` are read from
the ``requests`` error that ccxt chains onto its own exception, so no shared per-instance
state ("last response headers") is trusted across threads.

A 403 is not always a location refusal: Bybit answers 403 to an IP it has banned for too
many requests ("403, access too frequent": its v5 rate-limit rules say to stop and wait at
least 10 minutes, after which the ban lifts by itself). Where the answer says so, that 403
is a :class:`RateLimited` with the ban as its Retry-After, so the endpoint is not asked
again before the ban ends and the last good value is served stale meanwhile.

Every message leaves here redacted (``redact``): an exchange or a proxy may quote the
request back (URL with its ``signature=``, headers with the API key), and a message once
made becomes a Market status, a snapshot file's note, a console line and a cell's text.
Redacting where foreign errors enter is the one place that covers them all.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from perphedge.core.errors import (
    DataUnavailable,
    ExchangeError,
    GeoBlocked,
    MarketError,
    NetworkError,
    PerphedgeError,
    RateLimited,
    UnknownSymbol,
)
from perphedge.market.config import configured_credentials

T = TypeVar("T")

#: Where to send a user whose location an exchange refuses.
ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "binanceusdm": ("bybit", "okx"),
    "binancecoinm": ("bybit", "okx"),
    "binance": ("bybit", "okx"),
    "bybit": ("okx", "binanceusdm"),
    "okx": ("bybit", "binanceusdm"),
}

#: Waits between attempts when the exchange does not say (seconds, before the cap).
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0)

#: How a 403 that is an IP rate-limit ban reads, per exchange: text in the answer (any case)
#: and the ban's length when the answer gives no Retry-After. Bybit v5 rate-limit rules: the
#: error "403, access too frequent", wait at least 10 minutes; its JSON answers name the IP
#: limit retCode 10018 and the per-UID limit retCode 10006 ("Too many visits!").
IP_BAN_403: dict[str, tuple[tuple[str, ...], float]] = {
    "bybit": (("access too frequent", "too many visits", '"retcode":10018', '"retcode":10006'), 600.0),
}


#: What stands in a message for a credential.
REDACTED = "[redacted]"

#: Credentials shorter than this are replaced only where they stand as a whole token (not
#: inside a longer run of letters and digits): a 4-letter secret such as "test" must go,
#: but "latest" must not become "la[redacted]". Longer ones are replaced wherever they occur.
SHORT_SECRET_CHARS = 6

#: Credentials as requests and answers spell them, whoever's they are: the exchanges' key,
#: signature and passphrase headers, query parameters and JSON fields, in ``name: value``,
#: ``name=value`` and quoted forms (a Python dict's repr included).
_CREDENTIAL_FIELD = re.compile(
    r"""(?ix)
    ( \b (?: x-mbx-apikey | x-bapi-api-key | x-bapi-sign | ok-access-key | ok-access-sign
          | ok-access-passphrase | api[-_]?key | api[-_]?secret | secret[-_]?key | secret
          | signature | passphrase | password )
      ["']? \s* [:=] \s* ["']? )
    (?!\[redacted\]) ( [^\s"'&,;}\]]+ )
    """)

#: Credentials handed to a client in this process (keyring ones included, which the
#: environment and config file do not show).
_REGISTERED: set[str] = set()
_REGISTERED_LOCK = threading.Lock()


def register_credentials(values: Iterable[str | None]) -> None:
    """Remember credentials a client was given, so every later message is redacted of them."""
    with _REGISTERED_LOCK:
        _REGISTERED.update(v for v in values if isinstance(v, str) and v)


def redact(text: str) -> str:
    """``text`` with every configured or registered credential, and anything written as a
    credential field, replaced by ``[redacted]``."""
    with _REGISTERED_LOCK:
        known = set(_REGISTERED)
    known.update(configured_credentials())
    for secret in sorted(known, key=len, reverse=True):
        if len(secret) >= SHORT_SECRET_CHARS:
            text = text.replace(secret, REDACTED)
        elif secret in text:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", REDACTED, text)
    return _CREDENTIAL_FIELD.sub(lambda m: m.group(1) + REDACTED, text)


class Unreachable(NetworkError):
    """No HTTP answer at all (connection refused, DNS, reset): the network, not the
    exchange. The service falls back to the recorded snapshot on this one."""


def alternatives_for(exchange: str) -> tuple[str, ...]:
    return ALTERNATIVES.get(exchange, tuple(x for x in ("bybit", "okx") if x != exchange))


def translate(error: BaseException, exchange: str) -> PerphedgeError:
    """The package error for any exception raised while talking to ``exchange``, its
    message redacted of credentials."""
    err = _translate(error, exchange)
    clean = tuple(redact(a) if isinstance(a, str) else a for a in err.args)
    if clean != err.args:
        err.args = clean
    return err


def _translate(error: BaseException, exchange: str) -> PerphedgeError:
    if isinstance(error, PerphedgeError):
        return error
    status, retry_after, body = _http_answer(error)
    detail = _short(error)
    if status == 403 and _is_ip_ban(exchange, body or str(error)):
        ban_s = retry_after if retry_after is not None else IP_BAN_403[exchange][1]
        return RateLimited(f"{exchange} banned this IP for too many requests (HTTP 403: access too "
                           f"frequent); not asked again for {ban_s / 60:g} min", exchange, ban_s)
    if status in (451, 403):
        alts = alternatives_for(exchange)
        return GeoBlocked(f"{exchange} refused this location (HTTP {status}); "
                          f"try exchange {' or '.join(alts)}", exchange)
    if status in (429, 418):
        return RateLimited(f"{exchange} rate limit hit (HTTP {status}); retry later",
                           exchange, retry_after)
    if status is not None and (status >= 500 or status == 408):
        return NetworkError(f"{exchange} server error (HTTP {status})", exchange, retry_after)
    if status is not None and 400 <= status < 500 and "BadSymbol" not in {c.__name__ for c in type(error).__mro__}:
        # ccxt files 400/404/... under "exchange not available" (retryable); asking again
        # the same wrong question gets the same answer
        return ExchangeError(f"{exchange} refused the request (HTTP {status}): {detail}", exchange)
    names = {c.__name__ for c in type(error).__mro__}
    if "BadSymbol" in names:
        return DataUnavailable(f"{exchange} does not list this market: {detail}", exchange)
    if names & {"AuthenticationError", "PermissionDenied", "AccountNotEnabled"}:
        return DataUnavailable(f"{exchange}: not available without API key ({detail})", exchange)
    if "NotSupported" in names:
        return DataUnavailable(f"{exchange} does not provide this: {detail}", exchange)
    if names & {"RateLimitExceeded", "DDoSProtection"}:
        return RateLimited(f"{exchange} rate limit hit; retry later", exchange, retry_after)
    if "RequestTimeout" in names:
        return NetworkError(f"{exchange} did not answer in time", exchange)
    if "NetworkError" in names:
        if status is None:
            return Unreachable(f"{exchange} unreachable: {detail}", exchange)
        return NetworkError(f"{exchange} unavailable (HTTP {status})", exchange, retry_after)
    if names & {"BadResponse", "NullResponse"}:
        return ExchangeError(f"{exchange} sent a malformed answer: {detail}", exchange)
    if "BaseError" in names:  # any other ccxt error: final
        suffix = f" (HTTP {status})" if status is not None else ""
        return ExchangeError(f"{exchange} error{suffix}: {detail}", exchange)
    # ccxt's parsers meeting an answer of an unexpected shape raise plain Python errors.
    return ExchangeError(f"{exchange} sent a malformed answer ({type(error).__name__}: {detail})",
                         exchange)


def is_retryable(error: PerphedgeError) -> bool:
    return isinstance(error, NetworkError)


def call(fn: Callable[[], T], exchange: str, *, retries: int = 2, wait_cap_s: float = 5.0,
         sleep: Callable[[float], Any] = time.sleep) -> T:
    """Run ``fn``; retry retryable failures at most ``retries`` times.

    The wait honours ``Retry-After`` when the exchange sends one. A ``Retry-After`` longer
    than ``wait_cap_s`` is not waited for (an Excel recalculation never hangs for minutes)
    and not retried early either: the failure is raised at once.
    """
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as e:  # translated below; nothing escapes as a ccxt or Python error
            err = translate(e, exchange)
            if isinstance(err, UnknownSymbol) or not is_retryable(err) or attempt >= retries:
                # not chained: the foreign error's text is unredacted (a traceback would print it)
                raise err from None
            asked = getattr(err, "retry_after_s", None)
            if asked is not None and asked > wait_cap_s:
                # asking again before the exchange allows is what turns Binance's 429 into an
                # IP ban (418): give up now; the cache holds the failure until Retry-After
                raise err from None
            wait = asked if asked is not None else BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
            sleep(max(0.0, min(wait_cap_s, wait)))
            attempt += 1


def _http_answer(error: BaseException) -> tuple[int | None, float | None, str | None]:
    """HTTP status, Retry-After (seconds) and body text from the chained ``requests``
    error, if any."""
    seen: set[int] = set()
    e: BaseException | None = error
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        response = getattr(e, "response", None)
        code = getattr(response, "status_code", None)
        if isinstance(code, int):
            text = getattr(response, "text", None)
            return (code, _retry_after(getattr(response, "headers", None) or {}),
                    text if isinstance(text, str) else None)
        e = e.__cause__ or e.__context__
    return None, None, None


def http_answer(error: BaseException) -> tuple[int | None, float | None, str | None]:
    """HTTP status, Retry-After and body of a foreign error, for tables of their own (the
    account reads' signed-request faults)."""
    return _http_answer(error)


def is_ip_ban(exchange: str, text: str) -> bool:
    return _is_ip_ban(exchange, text)


def _is_ip_ban(exchange: str, text: str) -> bool:
    markers = IP_BAN_403.get(exchange, ((), 0.0))[0]
    flat = "".join(text.lower().split())  # JSON with or without spaces after the colons
    return any("".join(m.split()) in flat for m in markers)


def _retry_after(headers: Any) -> float | None:
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:  # HTTP-date form
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _short(error: BaseException, limit: int = 160) -> str:
    # redacted before it is cut: a cut through a secret would leave its first part
    text = redact(" ".join(str(error).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["ALTERNATIVES", "REDACTED", "Unreachable", "alternatives_for", "call", "is_retryable",
           "redact", "register_credentials", "translate", "MarketError"]
