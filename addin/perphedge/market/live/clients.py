"""One ccxt instance per exchange id per process, and its markets.

ccxt is imported here, on the first request for a client, never at module import. Each
instance is used by one thread at a time (``use``), because a ccxt instance carries
mutable state (session, rate-limit clock, markets).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from perphedge.core.errors import DataUnavailable, InvalidInput
from perphedge.market.config import MarketConfig
from perphedge.market.live import faults
from perphedge.market.live.cache import MarketsDiskCache

#: The spot exchange whose prices go with a perp exchange's markets.
SPOT_EXCHANGE: dict[str, str] = {
    "binanceusdm": "binance",
    "binancecoinm": "binance",
    "bybit": "bybit",
    "okx": "okx",
}

#: Market types to load, where the ccxt default loads more than a hedge needs.
_MARKET_TYPES: dict[str, dict[str, Any]] = {
    "binance": {"fetchMarkets": {"types": ["spot"]}},
    "bybit": {"fetchMarkets": {"types": ["spot", "linear", "inverse"]}},
    "okx": {"fetchMarkets": {"types": ["spot", "swap"]}},
}

#: Options that keep market loading public where ccxt would sign requests once a key is
#: set. Binance (all three ids): ``fetchCurrencies`` makes load_markets ask /sapi/v1/capital/
#: config/getall and ``fetchMargins`` the /sapi margin pairs, both signed; an IP-restricted
#: or trade-only key is refused there and, with it, every public figure. Markets, prices,
#: funding and contract specs need neither (currency precisions come from the markets).
_PUBLIC_LOADING: dict[str, dict[str, Any]] = {
    "binance": {"fetchCurrencies": False, "fetchMargins": False},
    "binanceusdm": {"fetchCurrencies": False, "fetchMargins": False},
    "binancecoinm": {"fetchCurrencies": False, "fetchMargins": False},
}

#: Exchanges whose ccxt market loading asks a signed currency listing once a key is set
#: (Bybit /v5/asset/coin/query-info, OKX /api/v5/asset/currencies: ccxt's fetch_currencies
#: returns nothing without credentials, so load_markets works without it): with a key for
#: the account reads, markets stay public. Only ``has`` turns it off for these two.
_SIGNED_CURRENCIES = ("bybit", "okx")

#: Extra query of the market-loading request. Binance spot: leave out each symbol's
#: permissionSets (account permission groups, documented as optional "for a reduced payload
#: size"); ccxt does not read them. The spot listing is the largest market answer a refresh
#: loads, and only its symbols, assets, filters and status are needed.
_MARKET_PARAMS: dict[str, dict[str, Any]] = {
    "binance": {"showPermissionSets": False},
}

_HOST = re.compile(r"^https?://[^/]+")


def spot_exchange_for(exchange_id: str) -> str:
    return SPOT_EXCHANGE.get(exchange_id, exchange_id)


def redirect_urls(urls: Any, base: str) -> Any:
    """Every URL in ccxt's ``urls['api']`` tree with its scheme and host replaced by
    ``base`` (paths kept), so each request of the exchange goes to ``base``."""
    if isinstance(urls, str):
        return _HOST.sub(base.rstrip("/"), urls)
    if isinstance(urls, dict):
        return {k: redirect_urls(v, base) for k, v in urls.items()}
    return urls


class ClientPool:
    """Lazily built ccxt clients, with markets loaded once (disk-cached for a day).

    ``transport(exchange_id)`` gives the HTTP session (a ``requests.Session``) each new
    instance sends its requests through; without it ccxt makes its own. Whatever answers,
    ccxt's own request building, status handling and parsing run on it, and so do ours.
    """

    def __init__(self, config: MarketConfig, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Any] = time.sleep,
                 transport: Callable[[str], Any] | None = None) -> None:
        self.config = config
        self._clock = clock
        self._sleep = sleep
        self._transport = transport
        self._clients: dict[str, Any] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._markets_loaded_ms: dict[str, int] = {}
        self._guard = threading.Lock()
        self._disk: MarketsDiskCache | None = None
        self._duplicates: dict[str, dict[str, str]] = {}

    # -- instances ---------------------------------------------------------------------

    @contextmanager
    def use(self, exchange_id: str) -> Iterator[Any]:
        """The exchange's client, held exclusively for the duration of the block."""
        client = self._client(exchange_id)
        with self._locks[exchange_id]:
            yield client

    def client(self, exchange_id: str) -> Any:
        """The instance, for reading its settings (``has``, ``apiKey``, ``precisionMode``)."""
        return self._client(exchange_id)

    def _client(self, exchange_id: str) -> Any:
        with self._guard:
            client = self._clients.get(exchange_id)
            if client is None:
                client = self._build(exchange_id)
                self._clients[exchange_id] = client
                self._locks[exchange_id] = threading.RLock()
            return client

    def _build(self, exchange_id: str) -> Any:
        import ccxt

        cls = getattr(ccxt, exchange_id, None)
        if not isinstance(exchange_id, str) or exchange_id not in ccxt.exchanges or cls is None:
            raise InvalidInput("exchange", exchange_id,
                               "must be a ccxt exchange id such as binanceusdm, bybit or okx")
        settings: dict[str, Any] = {"enableRateLimit": True, "timeout": int(self.config.timeout_ms)}
        keys = self.config.api_keys.get(exchange_id)
        if keys:
            settings["apiKey"], settings["secret"] = keys
            faults.register_credentials(keys)
        password = self.config.api_passwords.get(exchange_id)
        if password:
            settings["password"] = password
            faults.register_credentials([password])
        if self._transport is not None:
            settings["session"] = self._transport(exchange_id)
        client = cls(settings)
        if exchange_id in _MARKET_TYPES:
            client.options.update(_MARKET_TYPES[exchange_id])
        client.options.update(_PUBLIC_LOADING.get(exchange_id, {}))
        if exchange_id in _SIGNED_CURRENCIES:
            client.has = {**client.has, "fetchCurrencies": False}
        base = self.config.api_base.get(exchange_id)
        if base:
            client.urls["api"] = redirect_urls(client.urls["api"], base)
        _guard_answers(client, self._duplicates.setdefault(exchange_id, {}))
        return client

    # -- markets -------------------------------------------------------------------------

    def markets(self, exchange_id: str) -> dict[str, Any]:
        """The exchange's markets: in memory, else from the day-old disk cache, else fetched.

        Reloaded once ``ttl_markets_s`` has passed; if that reload fails the markets in
        hand are kept (listings rarely change within hours).
        """
        with self.use(exchange_id) as client:
            now = int(self._clock() * 1000)
            loaded = self._markets_loaded_ms.get(exchange_id)
            fresh = loaded is not None and 0 <= now - loaded < self.config.ttl_markets_s * 1000
            if client.markets and fresh:
                return client.markets
            disk = self._disk_cache()
            base = self.config.api_base.get(exchange_id)
            if not client.markets:
                cached = disk.load(exchange_id, base)
                if cached is not None:
                    client.set_markets(cached)
                    self._markets_loaded_ms[exchange_id] = now
                    return client.markets
            try:
                params = dict(_MARKET_PARAMS.get(exchange_id, {}))
                markets = faults.call(lambda: client.load_markets(True, params), exchange_id,
                                      retries=self.config.retries,
                                      wait_cap_s=self.config.retry_wait_cap_s, sleep=self._sleep)
            except Exception:
                if client.markets:
                    self._markets_loaded_ms[exchange_id] = now  # retry after another TTL
                    return client.markets
                raise
            if not markets:
                raise DataUnavailable(f"{exchange_id} listed no markets", exchange_id)
            self._markets_loaded_ms[exchange_id] = now
            disk.save(exchange_id, base, client.markets)
            return client.markets

    def duplicated(self, exchange_id: str, market_id: str) -> str | None:
        """The path of the exchange's last answer that listed ``market_id`` twice with
        different figures (it was taken out of that answer), or None."""
        return self._duplicates.get(exchange_id, {}).get(market_id)

    def day_answer(self, exchange_id: str, document: str, fetch: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """An answer that changes as rarely as the listings: from the day-old disk cache
        beside the markets when one is there, else fetched and saved there."""
        disk = self._disk_cache()
        base = self.config.api_base.get(exchange_id)
        held = disk.load(exchange_id, base, document)
        if held is not None:
            return held
        answer = fetch()
        disk.save(exchange_id, base, answer, document)
        return answer

    def _disk_cache(self) -> MarketsDiskCache:
        if self._disk is None:
            import ccxt

            self._disk = MarketsDiskCache(self.config.cache_dir, self.config.ttl_markets_s,
                                          self._clock, ccxt.__version__)
        return self._disk

    def clear(self) -> None:
        """Forget in-memory markets (instances stay: one per exchange per process)."""
        with self._guard:
            for exchange_id, client in self._clients.items():
                with self._locks[exchange_id]:
                    client.markets = None
                    client.markets_by_id = None
            self._markets_loaded_ms.clear()


def _guard_answers(client: Any, duplicates: dict[str, str]) -> None:
    """At the door of every answer: a body that is not JSON is refused as malformed (ccxt
    would hand it to its parsers as a string, which then yields garbage or an obscure
    error), and a market listed twice with different figures in one batched answer is taken
    out of it — ccxt would silently keep the last — and named in ``duplicates`` (market id
    -> the answer's path) until the next answer from that path."""
    from ccxt.base.errors import BadResponse

    fetch = client.fetch

    def checked_fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        answer = fetch(url, method, headers, body)
        if isinstance(answer, (str, bytes)):
            raise BadResponse(f"{client.id} {method} {url}: answer is not JSON")
        path = url.split("?", 1)[0]
        if not path.endswith(_ONE_ENTRY_PER_MARKET):
            return answer
        for market_id, where in list(duplicates.items()):
            if where == path:
                del duplicates[market_id]
        for market_id in _drop_conflicting_entries(answer):
            duplicates[market_id] = path
        return answer

    client.fetch = checked_fetch


#: The batched answers that list each market once (current prices and funding), by the
#: end of their path; histories and tier tables list a market many times by design.
_ONE_ENTRY_PER_MARKET = (
    "/premiumIndex", "/ticker/price", "/fundingInfo",             # Binance USDⓈ-M, COIN-M, spot
    "/v5/market/tickers",                                         # Bybit
    "/market/tickers", "/public/mark-price", "/public/funding-rate",  # OKX
)

#: Where batched answers list their markets, and the field naming each one: Binance (a bare
#: list, ``symbol``), Bybit v5 (``result.list``, ``symbol``), OKX v5 (``data``, ``instId``).
_ID_FIELDS = ("symbol", "instId")


def _entries(answer: Any) -> list[Any] | None:
    if isinstance(answer, list):
        return answer
    if isinstance(answer, dict):
        result = answer.get("result")
        if isinstance(result, dict) and isinstance(result.get("list"), list):
            return result["list"]
        if isinstance(answer.get("data"), list):
            return answer["data"]
    return None


def _drop_conflicting_entries(answer: Any) -> list[str]:
    """Remove, in place, every entry of a market listed more than once with different
    figures; return those market ids. Identical repeats are harmless and stay."""
    entries = _entries(answer)
    if not entries:
        return []
    seen: dict[str, Any] = {}
    conflicting: set[str] = set()
    for item in entries:
        if not isinstance(item, dict):
            continue
        market_id = next((item[f] for f in _ID_FIELDS if isinstance(item.get(f), str)), None)
        if market_id is None:
            continue
        if market_id in seen and seen[market_id] != item:
            conflicting.add(market_id)
        seen.setdefault(market_id, item)
    if conflicting:
        entries[:] = [item for item in entries if not (isinstance(item, dict) and any(
            item.get(f) in conflicting for f in _ID_FIELDS))]
    return sorted(conflicting)
