"""Refreshing 20 perp symbols: perphedge's batched MarketService vs the naive pattern.

Run:  .venv/bin/python benchmarks/bench_market.py

Both sides run ccxt's real HTTP stack (rate limiting on, as ccxt ships it) against the
local exchange of the test suite on 127.0.0.1, which adds 50 ms to every request.

* naive: per symbol, a fresh ``ccxt.binanceusdm()``, ``load_markets()``, ``fetch_ticker``
  and ``fetch_funding_rate`` (what a cell function written without a shared client and
  cache does);
* perphedge: ``MarketService.market_rows`` for the 20 symbols, which also brings spot
  prices, intervals and contract specs: cold (no markets on disk), warm (markets on disk
  from an earlier process, the common case within a day) and a recalculation inside the
  price TTL. The requests each pattern made are listed under the table.
* Excel cells: MARK_PRICE, INDEX_PRICE and FUNDING_RATE for the 20 symbols (60 cells) on a
  service with the day's markets on disk, read as the functions read them
  (``mark_index`` + ``funding``), beside the same cells read through ``ticker`` (which also
  asks the perp last prices).

What a Market-table refresh asks Binance: the perp and spot listings and the funding-info
list (intervals of adjusted symbols) — cold only: they are kept a day on disk, the spot
listing without permission sets — then the premium index (mark, index, funding rate, next
funding time, one answer for every perp — no perp ticker is asked, the table has no last
price) and the spot last prices: a warm refresh of any number of Binance perps is 2 requests.
The spot listing cannot be skipped honestly: ccxt maps the spot price
answer's ids to symbols through it, and guessing spot ids from perp ids fails for
markets such as 1000PEPEUSDT and loses the listing's trading status.

The recorded Binance markets hold only 7 linear swaps, so the benchmark universe is
SYNTHETIC: 20 markets named BENCH01…BENCH20 (USDT), each a copy of a recorded Binance
market entry with its names replaced, and every price and funding figure served for them
copied from one recorded BTCUSDT answer. These figures are not market data and never
leave this script.
"""

from __future__ import annotations

import copy
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "market"))

import recorded  # noqa: E402  (test helpers: recorded fixtures and the local exchange)
from fakeexchange import FakeExchange  # noqa: E402

N_SYMBOLS = 20
LATENCY_S = 0.050


def _renamed(info: dict, base: str, new_base: str) -> dict:
    out = copy.deepcopy(info)
    for key in ("symbol", "pair"):
        if key in out:
            out[key] = out[key].replace(base, new_base, 1)
    out["baseAsset"] = new_base
    return out


def synthetic_routes() -> tuple[dict, list[str]]:
    linear = [m for m in recorded.markets("binance").values() if m.get("type") == "swap" and m.get("linear")]
    spot = {m["base"]: m for m in recorded.markets("binance").values() if m.get("type") == "spot"}
    bases = [f"BENCH{i:02d}" for i in range(1, N_SYMBOLS + 1)]
    fapi_symbols, spot_symbols = [], []
    for i, new_base in enumerate(bases):
        src = linear[i % len(linear)]
        fapi_symbols.append(_renamed(src["info"], src["base"], new_base))
        spot_symbols.append(_renamed(spot[src["base"]]["info"], src["base"], new_base))
    premium = recorded.binance_premium_index_rows()[0]  # recorded BTCUSDT figures, reused
    spot_tick = recorded.binance_spot_last_prices()[0]
    rolling = recorded.response_entry("binance", "fetchTickers")["httpResponse"][0]
    ids = [f"{b}USDT" for b in bases]

    def premium_index(q):
        rows = [{**premium, "symbol": sid} for sid in ids]
        return 200, next((r for r in rows if r["symbol"] == q.get("symbol")), rows) if "symbol" in q else rows

    def ticker_24hr(q):
        return 200, {**rolling, "symbol": q.get("symbol", ids[0])}

    last = recorded.binance_swap_last_prices()[0]  # recorded BTCUSDT last price, reused

    routes = {
        "/fapi/v2/ticker/price": lambda q: (200, [{**last, "symbol": sid} for sid in ids]),
        "/fapi/v1/exchangeInfo": lambda q: (200, {"symbols": fapi_symbols}),
        "/api/v3/exchangeInfo": lambda q: (200, {"symbols": spot_symbols}),
        "/fapi/v1/premiumIndex": premium_index,
        "/fapi/v1/fundingInfo": lambda q: (200, []),
        "/fapi/v1/ticker/24hr": ticker_24hr,
        "/api/v3/ticker/price": lambda q: (200, [{"symbol": sid, "price": spot_tick["price"]} for sid in ids]),
    }
    return routes, [f"{b}/USDT:USDT" for b in bases]


def naive(base_url: str, symbols: list[str]) -> None:
    import ccxt

    from perphedge.market.live.clients import redirect_urls

    for sym in symbols:
        ex = ccxt.binanceusdm({"enableRateLimit": True, "timeout": 10_000})
        ex.urls["api"] = redirect_urls(ex.urls["api"], base_url)
        ex.load_markets()
        ex.fetch_ticker(sym)
        ex.fetch_funding_rate(sym)


def ours(base_url: str, symbols: list[str], cache_dir: str):
    from perphedge.market.config import MarketConfig
    from perphedge.market.live.service import MarketService

    config = MarketConfig(cache_dir=Path(cache_dir), api_base={"binanceusdm": base_url, "binance": base_url})
    return MarketService(config)


ASKED: dict[str, list[str]] = {}


def measure(fx: FakeExchange, fn, label: str = "") -> tuple[int, float]:
    fx.reset_log()
    t0 = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - t0
    if label:
        counts: dict[str, int] = {}
        for path in fx.paths():
            counts[path] = counts.get(path, 0) + 1
        ASKED[label] = [f"{path} ×{n}" if n > 1 else path for path, n in counts.items()]
    return fx.count(), elapsed


def main() -> int:
    import ccxt  # loaded before timing: both sides pay the import once, outside the clock

    routes, symbols = synthetic_routes()
    rows_requested = [(s, None) for s in symbols]
    with FakeExchange(routes, latency_s=LATENCY_S, lifetime_s=600) as fx, \
            tempfile.TemporaryDirectory() as cache_dir:
        n_naive, t_naive = measure(fx, lambda: naive(fx.base_url, symbols))

        svc = ours(fx.base_url, symbols, cache_dir)
        got: list = []
        n_cold, t_cold = measure(fx, lambda: got.extend(svc.market_rows(rows_requested)), "cold")
        n_recalc, t_recalc = measure(fx, lambda: svc.market_rows(rows_requested), "recalculation")
        svc_warm = ours(fx.base_url, symbols, cache_dir)  # a new process: markets from disk
        n_warm, t_warm = measure(fx, lambda: svc_warm.market_rows(rows_requested), "warm")

        def cells(read_marks) -> None:
            svc_cells = ours(fx.base_url, symbols, cache_dir)
            for sym in symbols:
                _ = read_marks(svc_cells, sym).value.mark_price     # MARK_PRICE
                _ = read_marks(svc_cells, sym).value.index_price    # INDEX_PRICE
                _ = svc_cells.funding(sym).value.rate_per_interval  # FUNDING_RATE

        n_cells, t_cells = measure(fx, lambda: cells(lambda svc, s: svc.mark_index(s)), "cells")
        n_ticker, t_ticker = measure(fx, lambda: cells(lambda svc, s: svc.ticker(s)), "cells via ticker")

    complete = sum(r.mark_price is not None and r.spot_price is not None and r.rate_per_interval is not None
                   for r in got)
    print(f"ccxt {ccxt.__version__}; local exchange on 127.0.0.1 with {LATENCY_S * 1000:.0f} ms per request; "
          f"{N_SYMBOLS} synthetic BENCHxx/USDT:USDT markets (not market data)")
    print(f"rows with mark, spot and funding: {complete}/{N_SYMBOLS}")
    print()
    print(f"{'pattern':<46} {'requests':>8} {'wall s':>8} {'x fewer req':>11} {'x less time':>11}")
    print(f"{'naive (fresh client, markets, 2 calls/symbol)':<46} {n_naive:>8} {t_naive:>8.2f} {'1.0':>11} {'1.0':>11}")
    for name, n, t in (("market_rows, cold (markets fetched)", n_cold, t_cold),
                       ("market_rows, warm (markets on disk)", n_warm, t_warm),
                       ("market_rows, recalculation within TTL", n_recalc, t_recalc)):
        fewer = f"{n_naive / n:.1f}" if n else "all"
        faster = f"{t_naive / t:.1f}" if t > 0 else "-"
        print(f"{name:<46} {n:>8} {t:>8.2f} {fewer:>11} {faster:>11}")
    print()
    for label in ("cold", "warm", "recalculation"):
        print(f"market_rows {label}: {', '.join(ASKED[label]) or 'no request'}")
    print()
    print(f"60 cells (mark, index, funding x 20), markets on disk: {n_cells} requests, {t_cells:.2f} s "
          f"({', '.join(ASKED['cells'])}); read through ticker: {n_ticker} requests, {t_ticker:.2f} s "
          f"({', '.join(ASKED['cells via ticker'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
