"""Exchange HTTP answers rebuilt from the recorded fixtures in ``tests/fixtures``.

Where ccxt recorded the HTTP body itself (Bybit tickers, OKX spot ticker) it is served
unchanged. Where only the figures were recorded, the body is built in the exchange's
documented response format from those recorded figures, and every builder below says
which. Nothing here invents a market figure; the few bodies whose figures are synthetic
live in the tests that use them, labelled as such.

Each route is ``path -> handler(query) -> (status, body)``; the replay stub and the local
HTTP server (``fakeexchange``) serve the same routes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
Handler = Callable[[Mapping[str, str]], tuple[int, Any]]


@cache
def markets(exchange: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "ccxt" / "markets" / f"{exchange}.json").read_text())


@cache
def responses(exchange: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "ccxt" / "responses" / f"{exchange}.json").read_text())


def response_entry(exchange: str, method: str, description: str | None = None) -> dict[str, Any]:
    for entry in responses(exchange)["methods"][method]:
        if description is None or entry["description"] == description:
            return entry
    raise KeyError((exchange, method, description))


@cache
def funding_csv(symbol_id: str) -> tuple[dict[str, str], ...]:
    """BTspaceC export of Binance's /fapi/v1/fundingRate (fundingTime, fundingRate, markPrice)."""
    path = FIXTURES / "history" / "BTspaceC__crypto-swing-backtest" / f"{symbol_id}_funding.csv"
    with path.open(newline="") as f:
        return tuple(csv.DictReader(f))


@cache
def daily_csv(symbol_id: str) -> tuple[dict[str, str], ...]:
    """gravestone-data export of Binance's /fapi/v1/klines 1d bars."""
    path = FIXTURES / "history" / "silertrades__gravestone-data" / "1d" / f"{symbol_id}.csv"
    with path.open(newline="") as f:
        return tuple(csv.DictReader(f))


def _infos(exchange: str, kind: str) -> list[dict[str, Any]]:
    out = []
    for m in markets(exchange).values():
        if kind == "spot" and m.get("type") == "spot":
            out.append(m["info"])
        elif kind in ("linear", "inverse") and m.get("type") == "swap" and m.get(kind):
            out.append(m["info"])
    return out


# -- Binance ---------------------------------------------------------------------------------

def binance_fapi_exchange_info() -> dict[str, Any]:
    """/fapi/v1/exchangeInfo: the recorded raw symbol entries of the linear swaps (ccxt kept
    each market's raw ``info``); only the ``symbols`` key of the documented body, the one
    ccxt reads."""
    return {"symbols": _infos("binance", "linear")}


def binance_spot_exchange_info() -> dict[str, Any]:
    """/api/v3/exchangeInfo, likewise from the recorded raw spot symbol entries."""
    return {"symbols": _infos("binance", "spot")}


def binance_premium_index_rows() -> list[dict[str, Any]]:
    """/fapi/v1/premiumIndex in Binance's documented format, from the recorded funding export:
    observed at the second-to-last settlement of the file (its fundingTime and markPrice);
    the rate then in force is the one that settled next (last row), at that row's
    fundingTime. indexPrice was not recorded, so it is left out."""
    rows = []
    for sid in ("BTCUSDT", "ETHUSDT"):
        data = funding_csv(sid)
        obs, nxt = data[-2], data[-1]
        rows.append({"symbol": sid, "markPrice": obs["markPrice"], "lastFundingRate": nxt["fundingRate"],
                     "nextFundingTime": int(nxt["fundingTime"]), "time": int(obs["fundingTime"])})
    return rows


def binance_swap_last_prices() -> list[dict[str, Any]]:
    """/fapi/v2/ticker/price in the documented format: the close and close time of the last
    recorded BTCUSDT perp 1m kline (ccxt's binance fetchOHLCV 'swap ohlcv' fixture)."""
    bar = response_entry("binance", "fetchOHLCV", "swap ohlcv")["httpResponse"][-1]
    return [{"symbol": "BTCUSDT", "price": bar[4], "time": bar[6]}]


def binance_spot_last_prices() -> list[dict[str, Any]]:
    """/api/v3/ticker/price in the documented format: lastPrice of the recorded spot rolling
    tickers (ccxt's binance fetchTickers fixture, 2025-07-29)."""
    rows = response_entry("binance", "fetchTickers")["httpResponse"]
    return [{"symbol": r["symbol"], "price": r["lastPrice"]} for r in rows]


def binance_funding_history(query: Mapping[str, str]) -> list[dict[str, Any]]:
    """/fapi/v1/fundingRate as documented: ascending from startTime, at most ``limit`` rows
    (default 100, max 1000); the rows are the recorded export, whose columns are that
    endpoint's own fields."""
    sid = query.get("symbol", "BTCUSDT")
    start = int(query.get("startTime", 0))
    end = int(query.get("endTime", 2**62))
    limit = min(int(query.get("limit", 100)), 1000)
    rows = [{"symbol": sid, "fundingTime": int(r["fundingTime"]), "fundingRate": r["fundingRate"],
             "markPrice": r["markPrice"]}
            for r in funding_csv(sid) if start <= int(r["fundingTime"]) <= end] if sid in ("BTCUSDT", "ETHUSDT") else []
    return rows[:limit]


def binance_klines(query: Mapping[str, str]) -> list[list[Any]]:
    """/fapi/v1/klines 1d: the recorded bars' first nine documented fields (open time, OHLC,
    volume, close time, quote volume, trades); the export has no taker-buy columns, and
    ccxt reads only the first six."""
    sid = query.get("symbol", "BTCUSDT")
    if sid != "BTCUSDT" or query.get("interval") != "1d":
        return []
    start = int(query.get("startTime", 0))
    limit = min(int(query.get("limit", 500)), 1500)
    rows = [[int(r["timestamp"]), r["open"], r["high"], r["low"], r["close"], r["volume"],
             int(r["close_time"]), r["quote_volume"], int(r["trades"])]
            for r in daily_csv(sid) if int(r["timestamp"]) >= start]
    return rows[:limit]


def binance_routes() -> dict[str, Handler]:
    """binanceusdm (fapi) and binance spot (api/v3) on one server."""
    return {
        "/fapi/v1/exchangeInfo": lambda q: (200, binance_fapi_exchange_info()),
        "/fapi/v1/premiumIndex": lambda q: (200, _one_or_all(binance_premium_index_rows(), q)),
        # Binance lists here only symbols whose interval or caps were adjusted; none recorded
        "/fapi/v1/fundingInfo": lambda q: (200, []),
        "/fapi/v2/ticker/price": lambda q: (200, _one_or_all(binance_swap_last_prices(), q)),
        "/fapi/v1/fundingRate": lambda q: (200, binance_funding_history(q)),
        "/fapi/v1/klines": lambda q: (200, binance_klines(q)),
        "/api/v3/exchangeInfo": lambda q: (200, binance_spot_exchange_info()),
        "/api/v3/ticker/price": lambda q: (200, _one_or_all(binance_spot_last_prices(), q)),
    }


def _one_or_all(rows: list[dict[str, Any]], query: Mapping[str, str]) -> Any:
    sid = query.get("symbol")
    if sid is None:
        return rows
    for r in rows:
        if r["symbol"] == sid:
            return r
    return {"code": -1121, "msg": "Invalid symbol."}


# -- Bybit -----------------------------------------------------------------------------------

def bybit_envelope(category: str, rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"retCode": 0, "retMsg": "OK", "result": {"category": category, "list": rows, **extra},
            "retExtInfo": {}, "time": 1730729903941}


def bybit_instruments(query: Mapping[str, str]) -> dict[str, Any]:
    """/v5/market/instruments-info: the recorded raw instrument entries per category;
    nothing is pre-listed (status=PreLaunch answers an empty list)."""
    category = query.get("category", "linear")
    rows = [] if query.get("status") == "PreLaunch" else _infos("bybit", category)
    return bybit_envelope(category, rows, nextPageCursor="")


def bybit_tickers(query: Mapping[str, str]) -> dict[str, Any]:
    """/v5/market/tickers: linear is ccxt's recorded fetchFundingRates body unchanged
    (BTCUSDT, 2024-11-04); no other category was recorded, so those lists are empty."""
    category = query.get("category", "linear")
    if category == "linear":
        return response_entry("bybit", "fetchFundingRates")["httpResponse"]
    return bybit_envelope(category, [])


def bybit_funding_history(query: Mapping[str, str]) -> dict[str, Any]:
    """/v5/market/funding/history in Bybit's documented format (newest first, within
    startTime..endTime): symbol, fundingRate, fundingRateTimestamp taken from the recorded
    LTCUSDT Funding executions (feeRate at execTime) of ccxt's fetchFundingHistory fixture."""
    execs = response_entry("bybit", "fetchFundingHistory")["httpResponse"]["result"]["list"]
    start = int(query.get("startTime", 0))
    end = int(query.get("endTime", 2**62))
    limit = int(query.get("limit", 200))
    rows = [{"symbol": e["symbol"], "fundingRate": e["feeRate"], "fundingRateTimestamp": e["execTime"]}
            for e in execs if e["symbol"] == query.get("symbol") and start <= int(e["execTime"]) <= end]
    rows.sort(key=lambda r: -int(r["fundingRateTimestamp"]))
    return bybit_envelope(query.get("category", "linear"), rows[:limit])


def bybit_routes(risk_limit: Mapping[str, Any] | None = None) -> dict[str, Handler]:
    routes: dict[str, Handler] = {
        "/v5/market/instruments-info": lambda q: (200, bybit_instruments(q)),
        "/v5/market/tickers": lambda q: (200, bybit_tickers(q)),
        "/v5/market/funding/history": lambda q: (200, bybit_funding_history(q)),
    }
    if risk_limit is not None:
        routes["/v5/market/risk-limit"] = lambda q: (200, risk_limit)
    return routes


# -- OKX -------------------------------------------------------------------------------------

def okx_instruments(query: Mapping[str, str]) -> dict[str, Any]:
    """/api/v5/public/instruments: the recorded raw instrument entries per instType."""
    inst = query.get("instType", "SWAP")
    kind = {"SPOT": "spot", "SWAP": "swap"}.get(inst)
    rows = [m["info"] for m in markets("okx").values() if kind and m.get("type") == kind]
    return {"code": "0", "msg": "", "data": rows}


def okx_tickers(query: Mapping[str, str]) -> dict[str, Any]:
    """/api/v5/market/tickers: SPOT is ccxt's recorded BTC-USDT ticker body unchanged
    (2024-03-13); no swap ticker was recorded."""
    if query.get("instType") == "SPOT":
        return response_entry("okx", "fetchTicker", "public spot ticker")["httpResponse"]
    return {"code": "0", "msg": "", "data": []}


def okx_mark_prices(query: Mapping[str, str]) -> dict[str, Any]:
    """/api/v5/public/mark-price in OKX's documented format (instType, instId, markPx, ts)
    from the recorded LTC-USDT-SWAP position (ccxt's okx fetchPosition fixture: markPx at uTime)."""
    pos = response_entry("okx", "fetchPosition")["httpResponse"]["data"][0]
    return {"code": "0", "msg": "", "data": [
        {"instType": "SWAP", "instId": pos["instId"], "markPx": pos["markPx"], "ts": pos["uTime"]}]}


def okx_routes(extra: Mapping[str, Handler] | None = None) -> dict[str, Handler]:
    routes: dict[str, Handler] = {
        "/api/v5/public/instruments": lambda q: (200, okx_instruments(q)),
        "/api/v5/market/tickers": lambda q: (200, okx_tickers(q)),
        "/api/v5/public/mark-price": lambda q: (200, okx_mark_prices(q)),
    }
    routes.update(extra or {})
    return routes
