"""The account, read only: open positions, spot balances of the hedged coins, funding the
account actually paid or received, and what the venue says its API key may do.

Every call is a signed request, so it needs the exchange's key (environment, config file or
OS keyring: ``market.config``) and nothing here places, changes or cancels anything. A
signed request fails in ways a public one does not; the table :data:`ACCOUNT_FAULTS` maps
them to messages naming the venue and what to do (rejected key, missing permission or IP,
a clock outside the receive window), before the general table of ``faults`` (rate limits,
network). Messages are built here from the classification only, never from the venue's
text, and pass through ``faults.redact`` as every market message does.

Records come back frozen, in ``core.positions``' units and signs: a short's ``contracts``
negative, funding received positive.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from perphedge.core.conventions import MS_PER_DAY
from perphedge.core.errors import DataUnavailable, ExchangeError, InvalidInput, PerphedgeError
from perphedge.core.positions import (
    CROSS,
    ISOLATED,
    MODE_NOT_REPORTED,
    FundingPayment,
    KeyPermissions,
    Position,
    SpotBalance,
)
from perphedge.market import symbols
from perphedge.market.config import MarketConfig
from perphedge.market.live import faults, history, parse
from perphedge.market.live.clients import ClientPool

T = TypeVar("T")

#: The longest funding history asked for (days).
MAX_FUNDING_DAYS = 1000


class KeyRejected(ExchangeError):
    """The venue refused the key itself (HTTP 401, wrong or expired key)."""


class KeyNotPermitted(ExchangeError):
    """The key is valid but may not read this (HTTP 403, permission or IP allow-list)."""


class ClockOutOfWindow(ExchangeError):
    """The request's timestamp lies outside the venue's receive window."""


class NoKey(DataUnavailable):
    """No API key is configured for the exchange."""


def _clock_fault(ex: str) -> PerphedgeError:
    return ClockOutOfWindow(
        f"{ex} refused the request: this computer's clock is outside the exchange's receive "
        "window; turn on automatic time synchronisation (NTP) and try again", ex)


def _rejected(ex: str) -> PerphedgeError:
    return KeyRejected(
        f"{ex} rejected the API key (wrong, expired or deleted): create a read-only key and "
        f"set it with `perphedge keys set {ex}`", ex)


def _not_permitted(ex: str) -> PerphedgeError:
    return KeyNotPermitted(
        f"{ex} refused the API key permission to read the account: enable reading (and "
        "futures/derivatives reading) on the key, and add this machine's IP address to its "
        "allow-list", ex)


def _binance_2015(ex: str) -> PerphedgeError:
    # Binance's one code for three causes: "Invalid API-key, IP, or permissions for action"
    return KeyNotPermitted(
        f"{ex} refused the API key (Binance -2015: a wrong key, this machine's IP address not "
        "in the key's trusted IPs, or no permission to read futures): check the key with "
        f"`perphedge keys set {ex}`, its Enable Reading permission and its IP allow-list", ex)


def _unsupported(ex: str) -> PerphedgeError:
    return DataUnavailable(f"{ex} does not provide account reads through ccxt (fetchPositions, "
                           "fetchBalance or fetchFundingHistory); use binanceusdm, bybit or okx",
                           ex)


#: Signed-request faults: ccxt's exception class (or the venue's code in the answer) -> the
#: package error. Binance: -1021 timestamp outside recvWindow, -2014/-2015 bad key or key
#: without permission/IP (HTTP 401); Bybit: 10002 timestamp, 10003/10004 key/sign, 10005
#: permission, 10010 IP; OKX: 50102 timestamp, 50111/50113 key/sign, 50110 IP (ccxt's own
#: tables file these under InvalidNonce, AuthenticationError, PermissionDenied).
ACCOUNT_FAULTS: tuple[tuple[str, Callable[[str], PerphedgeError]], ...] = (
    ("InvalidNonce", _clock_fault),
    ("PermissionDenied", _not_permitted),
    ("AuthenticationError", _rejected),
    ("NotSupported", _unsupported),
)

#: The venues' codes for a clock outside the receive window, for answers ccxt files under a
#: broader class (Binance's USDⓈ-M table calls -1021 a BadRequest).
_CLOCK_CODES = ('"code":-1021', '"retcode":10002', '"code":"50102"')
#: ccxt's words when a credential the venue requires is not set (no request was sent).
_MISSING_CREDENTIAL = re.compile(r'requires "(password|uid|privateKey|walletAddress|token)" credential')


def account_error(error: BaseException, ex: str) -> PerphedgeError:
    """The package error of a failed signed request."""
    if isinstance(error, PerphedgeError):
        return error
    status, _, body = faults.http_answer(error)
    flat = "".join((body or str(error)).lower().split())
    names = {c.__name__ for c in type(error).__mro__}
    if any(code in flat for code in _CLOCK_CODES):
        return _clock_fault(ex)
    missing = _MISSING_CREDENTIAL.search(str(error)) if status is None else None
    if missing:  # ccxt refused before sending: the venue needs more than key and secret
        return NoKey(f"{ex} needs the key's {missing.group(1)} as well (OKX: its passphrase); "
                     f"set it with `perphedge keys set {ex}`", ex)
    for name, make in ACCOUNT_FAULTS:
        if name in names:
            # Binance answers a key without the permission or from an IP off its allow-list
            # with -2015 under HTTP 401 ("Invalid API-key, IP, or permissions for action")
            if make is _rejected and '"code":-2015' in flat:
                return _binance_2015(ex)
            return make(ex)
    if status == 401:
        return _rejected(ex)
    if status == 403 and not faults.is_ip_ban(ex, body or ""):
        # a signed request's 403 is the key's permissions or IP, not the location
        return _not_permitted(ex)
    return faults.translate(error, ex)


#: How each venue's ccxt funding history signs ``amount``: Binance's and OKX's income is
#: positive when received; Bybit's is the execution's fee, positive when paid (the recorded
#: LTCUSDT settlements show it: a long at rate +0.0001 has fee +0.0007797, at −0.000881
#: fee −0.00708126). A venue not listed is refused rather than guessed.
FUNDING_RECEIVED_SIGN: dict[str, int] = {
    "binanceusdm": 1, "binancecoinm": 1, "okx": 1, "bybit": -1,
}

#: Parameters of fetch_balance that ask for the spot wallet, per venue: Binance's futures ids
#: would otherwise read the futures wallet (their default subType, linear or inverse, wins
#: over ``type`` unless a subType is named); Bybit's unified account holds the spot coins.
_SPOT_BALANCE_PARAMS: dict[str, dict[str, Any]] = {
    "binanceusdm": {"type": "spot", "subType": "spot"},
    "binancecoinm": {"type": "spot", "subType": "spot"},
    "bybit": {"type": "spot"}, "okx": {"type": "spot"},
}

#: The queries that together list every open perp position, per venue. Bybit's position list
#: answers one category (and, for linear, one settle coin) per request: without these ccxt
#: asks only USDT-settled linear positions, and an inverse or USDC hedge would read as
#: "no position". Binance's ids are one margin family each; OKX lists all derivatives.
_POSITION_QUERIES: dict[str, tuple[dict[str, Any], ...]] = {
    "bybit": ({"subType": "linear", "settleCoin": "USDT"}, {"subType": "linear", "settleCoin": "USDC"},
              {"subType": "inverse"}),
}

#: Bybit's execution list answers at most this window per request (its v5 docs: 7 days);
#: 4 days of hourly settlements (96) fit one page of 100.
_BYBIT_WINDOW_MS = 4 * MS_PER_DAY
_PAGE = 100


@dataclass(frozen=True)
class FundingPaid:
    """Settlements over the window asked, oldest first; ``truncated`` when the page bound
    stopped the paging first (then they cover only part of the window)."""

    exchange: str
    symbol: str
    since_ms: int
    until_ms: int
    payments: tuple[FundingPayment, ...]
    truncated: bool

    @property
    def total_settle(self) -> float:
        return sum(p.amount_settle for p in self.payments)


class Account:
    """Read-only account data through the shared client pool."""

    def __init__(self, config: MarketConfig, clients: ClientPool, *,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Any] = time.sleep) -> None:
        self.config = config
        self.clients = clients
        self._clock = clock
        self._sleep = sleep

    # -- positions -------------------------------------------------------------------------

    def positions(self, ex: str) -> tuple[Position, ...]:
        """Every open position on the exchange (zero-size entries dropped)."""
        self._ready(ex, "fetchPositions")
        markets = self.clients.markets(ex)
        out: dict[tuple[str, int], Position] = {}
        for query in _POSITION_QUERIES.get(ex, ({},)):
            raw = self._signed(ex, "fetchPositions", _positions_page(dict(query)))
            for entry in raw:
                p = position_of(entry, ex, markets)
                if p is not None:  # one per market and side, whichever query found it
                    out.setdefault((p.symbol, 1 if p.contracts > 0 else -1), p)
        return tuple(out.values())

    # -- spot balances ---------------------------------------------------------------------

    def spot_balances(self, ex: str, coins: Iterable[str]) -> tuple[SpotBalance, ...]:
        """The spot wallet's balance of each coin asked (zero where none is held)."""
        wanted = list(dict.fromkeys(c.strip().upper() for c in coins if c and c.strip()))
        self._ready(ex, "fetchBalance")
        self.clients.markets(ex)
        params = dict(_SPOT_BALANCE_PARAMS.get(ex, {}))
        raw = self._signed(ex, "fetchBalance", lambda c: c.fetch_balance(params))
        out = []
        for coin in wanted:
            entry = raw.get(coin) if isinstance(raw.get(coin), Mapping) else {}
            free, used = parse.number(entry.get("free")) or 0.0, parse.number(entry.get("used")) or 0.0
            total = parse.number(entry.get("total"))
            out.append(SpotBalance(ex, coin, free, used, total if total is not None else free + used))
        return tuple(out)

    # -- funding actually paid -------------------------------------------------------------

    def funding_paid(self, ex: str, symbol: str, days: int) -> FundingPaid:
        """Funding settlements the account paid or received on ``symbol`` over ``days``."""
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_FUNDING_DAYS:
            raise InvalidInput("days", days, f"must be a whole number from 1 to {MAX_FUNDING_DAYS}")
        sign = FUNDING_RECEIVED_SIGN.get(ex)
        if sign is None:
            raise DataUnavailable(f"{ex}: perphedge does not know how this venue signs funding "
                                  "payments; use binanceusdm, binancecoinm, bybit or okx", ex)
        self._ready(ex, "fetchFundingHistory")
        markets = self.clients.markets(ex)
        sym = symbols.resolve_perp(markets, symbol, ex)
        until = int(self._clock() * 1000)
        since = until - days * MS_PER_DAY
        rows, truncated = self._funding_rows(ex, sym, since, until)
        seen: set[tuple[Any, ...]] = set()
        payments = []
        for r in rows:
            ts, amount = parse.integer(r.get("timestamp")), parse.number(r.get("amount"))
            if ts is None or amount is None or not since <= ts <= until:
                continue
            key = (r.get("id"), ts, amount)
            if key in seen:   # a page boundary repeats a row
                continue
            seen.add(key)
            payments.append(FundingPayment(ex, sym, ts, sign * amount, str(r.get("code") or "")))
        payments.sort(key=lambda p: p.timestamp_ms)
        return FundingPaid(ex, sym, since, until, tuple(payments), truncated)

    def _funding_rows(self, ex: str, sym: str, since: int, until: int) -> tuple[list[Mapping[str, Any]], bool]:
        rows: list[Mapping[str, Any]] = []
        cursor = since
        for _ in range(history.MAX_PAGES * 2):
            if ex == "bybit":  # a time window per request
                end = min(until, cursor + _BYBIT_WINDOW_MS - 1)
                page = self._signed(ex, "fetchFundingHistory",
                                    _history_page(sym, cursor, {"until": end}))
                rows.extend(page)
                if len(page) >= _PAGE:
                    return rows, True
                if end >= until:
                    return rows, False
                cursor = end + 1
                continue
            page = self._signed(ex, "fetchFundingHistory", _history_page(sym, cursor, {}))
            rows.extend(page)
            stamps = [t for t in (parse.integer(r.get("timestamp")) for r in page) if t is not None]
            if len(page) < _PAGE or not stamps or max(stamps) + 1 <= cursor or max(stamps) >= until:
                return rows, False
            cursor = max(stamps) + 1
        return rows, True

    # -- key permissions -------------------------------------------------------------------

    def key_permissions(self, ex: str) -> KeyPermissions | None:
        """What the venue reports the key may do; None for a venue whose report perphedge
        does not read (see :data:`PERMISSION_REPORTS`)."""
        report = next((r for prefix, r in PERMISSION_REPORTS.items() if ex.startswith(prefix)), None)
        if report is None:
            return None
        call, read = report
        return read(ex, self._signed(ex, "keyPermissions", call))

    # -- the one signed-call seam ----------------------------------------------------------

    def _ready(self, ex: str, method: str) -> None:
        """Refuse before any request: no key, or a venue whose ccxt lacks the method."""
        if not self.config.api_keys.get(ex):
            raise NoKey(f"{ex}: no API key configured; set a read-only one with "
                        f"`perphedge keys set {ex}` or PERPHEDGE_{ex.upper()}_API_KEY and "
                        f"PERPHEDGE_{ex.upper()}_API_SECRET", ex)
        if method != "keyPermissions" and not self.clients.client(ex).has.get(method):
            raise _unsupported(ex)

    def _signed(self, ex: str, method: str, fn: Callable[[Any], T]) -> T:
        self._ready(ex, method)

        def guarded() -> T:
            with self.clients.use(ex) as c:
                try:
                    return fn(c)
                except Exception as e:  # every foreign error through the account table
                    raise account_error(e, ex) from None

        # retried as public reads are (429, network); the message leaves redacted
        return faults.call(guarded, ex, retries=self.config.retries,
                           wait_cap_s=self.config.retry_wait_cap_s, sleep=self._sleep)


def _positions_page(params: dict[str, Any]) -> Callable[[Any], list[Mapping[str, Any]]]:
    def fetch(client: Any) -> list[Mapping[str, Any]]:
        return list(client.fetch_positions(None, params))
    return fetch


def _history_page(sym: str, since: int, params: dict[str, Any]) -> Callable[[Any], list[Mapping[str, Any]]]:
    def fetch(client: Any) -> list[Mapping[str, Any]]:
        return list(client.fetch_funding_history(sym, since, _PAGE, params))
    return fetch


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _binance_permissions(ex: str, raw: Mapping[str, Any]) -> KeyPermissions:
    """GET /sapi/v1/account/apiRestrictions (developers.binance.com/docs/wallet/account/
    api-key-permission): booleans per permission, ``ipRestrict``."""
    trade = [raw.get(k) for k in ("enableSpotAndMarginTrading", "enableFutures", "enableMargin",
                                  "enableVanillaOptions", "enablePortfolioMarginTrading")]
    return KeyPermissions(
        ex, _flag(raw.get("enableReading")),
        any(_flag(t) for t in trade) if any(t is not None for t in trade) else None,
        _flag(raw.get("enableWithdrawals")), _flag(raw.get("ipRestrict")))


def _bybit_permissions(ex: str, raw: Mapping[str, Any]) -> KeyPermissions:
    """GET /v5/user/query-api (bybit-exchange.github.io/docs/v5/user/apikey-info):
    ``readOnly`` 0 read and write, 1 read only; ``permissions.Wallet`` lists ``Withdraw``
    when the key may withdraw; ``ips`` the addresses bound ("*" for any)."""
    got = raw.get("result")
    result: Mapping[str, Any] = got if isinstance(got, Mapping) else {}
    read_only = parse.integer(result.get("readOnly"))
    held = result.get("permissions")
    perms: Mapping[str, Any] = held if isinstance(held, Mapping) else {}
    wallet = perms.get("Wallet") if isinstance(perms.get("Wallet"), list) else None
    ips = result.get("ips") if isinstance(result.get("ips"), list) else None
    return KeyPermissions(
        ex, True if read_only in (0, 1) else None,
        {0: True, 1: False}.get(read_only) if read_only is not None else None,
        "Withdraw" in wallet if wallet is not None else None,
        (bool(ips) and "*" not in ips) if ips is not None else None)


def _okx_permissions(ex: str, raw: Mapping[str, Any]) -> KeyPermissions:
    """GET /api/v5/account/config (OKX v5 docs, "Get account configuration"): ``perm``
    lists ``read_only``, ``trade``, ``withdraw``; ``ip`` the bound addresses, "" for none."""
    data = raw.get("data") if isinstance(raw.get("data"), list) else []
    first: Mapping[str, Any] = data[0] if data and isinstance(data[0], Mapping) else {}
    perm = first.get("perm")
    granted = {p.strip() for p in perm.split(",")} if isinstance(perm, str) else None
    ip = first.get("ip")
    return KeyPermissions(
        ex, "read_only" in granted if granted is not None else None,
        "trade" in granted if granted is not None else None,
        "withdraw" in granted if granted is not None else None,
        bool(ip.strip()) if isinstance(ip, str) else None)


#: Where each venue reports what a key may do, and how its answer reads, by exchange-id
#: prefix (ccxt's implicit methods: no unified one exists).
PERMISSION_REPORTS: dict[str, tuple[Callable[[Any], Any],
                                    Callable[[str, Mapping[str, Any]], KeyPermissions]]] = {
    "binance": (lambda c: c.sapi_get_account_apirestrictions(), _binance_permissions),
    "bybit": (lambda c: c.private_get_v5_user_query_api(), _bybit_permissions),
    "okx": (lambda c: c.private_get_account_config(), _okx_permissions),
}


def position_of(raw: Mapping[str, Any], ex: str, markets: Mapping[str, Any]) -> Position | None:
    """A ccxt position as a core Position; None for a zero-size entry."""
    sym = raw.get("symbol")
    contracts = parse.number(raw.get("contracts"))
    if not contracts:
        return None
    market = markets.get(sym) if isinstance(sym, str) else None
    if market is None or not isinstance(sym, str):
        raise ExchangeError(f"{ex} reported a position in {sym!r}, which it does not list", ex)
    side = raw.get("side")
    if side not in ("long", "short"):
        raise ExchangeError(f"{ex} reported a position in {sym} without a side", ex)
    size = parse.number(raw.get("contractSize")) or parse.number(market.get("contractSize"))
    if size is None or size <= 0:
        raise ExchangeError(f"{ex} reported a position in {sym} without a contract size", ex)
    mode = raw.get("marginMode")
    margin_mode = mode if mode in (ISOLATED, CROSS) else MODE_NOT_REPORTED
    # ccxt's collateral is the margin held by an isolated position (a cross one's is the
    # account's and is not used)
    isolated_margin = parse.number(raw.get("collateral")) if margin_mode == ISOLATED else None
    notional = parse.number(raw.get("notional"))
    return Position(
        ex, sym, abs(contracts) * (-1 if side == "short" else 1), size, bool(market.get("inverse")),
        margin_mode, bool(raw.get("hedged")),
        entry_price=parse.price(raw.get("entryPrice")), mark_price=parse.price(raw.get("markPrice")),
        isolated_margin=isolated_margin, leverage=parse.number(raw.get("leverage")),
        unrealized_pnl=parse.number(raw.get("unrealizedPnl")),
        liquidation_price=parse.price(raw.get("liquidationPrice")),
        notional_settle=abs(notional) if notional is not None else None,
        timestamp_ms=parse.integer(raw.get("timestamp")))
