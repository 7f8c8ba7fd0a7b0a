"""Build the embedded market snapshot from recorded fixture files, reproducibly.

Only MIT-licensed recordings go in (ccxt's static test data and BTspaceC's Binance funding
exports); every figure keeps the file it came from, that file's own date for it, and the
value exactly as recorded (a decimal string parsed to a float, nothing rounded or derived
except what is said next to it). The same inputs always give the same bytes, so a test can
rebuild the shipped file and compare.

Standard library only: this runs at build time and in tests, never on a user's hot path.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from perphedge.core.conventions import utc_text
from perphedge.core.errors import InvalidInput
from perphedge.core.funding import infer_interval_hours
from perphedge.core.tiers import maint_amounts_exact, tiers_from_brackets

FORMAT_VERSION = 1

CCXT_REPO = "ccxt/ccxt"
BTSPACEC_REPO = "BTspaceC/crypto-swing-backtest"
BTSPACEC_COMMIT = "31deb66a043d6fe6edcdadcb346d8d085fac9885"
_BTSPACEC_DIR = "history/BTspaceC__crypto-swing-backtest/full"
#: The snapshot carries the last 90 days of settlements of each recorded funding export
#: (the long histories ship whole beside it, for backtests: market.snapshot.histories).
SNAPSHOT_WINDOW_MS = 90 * 86_400_000
#: Binance stamps a settlement up to a few milliseconds late (e.g. ...00:00:00.001).
_STAMP_SLACK_MS = 60_000


@dataclass(frozen=True)
class SourceFile:
    """One input file: where it lives in the fixture folder and where it came from."""

    file: str
    repository: str
    path: str
    commit: str
    licence: str
    what: str


SOURCE_FILES: tuple[SourceFile, ...] = (
    SourceFile("ccxt/markets/binance.json", CCXT_REPO, "ts/src/test/static/markets/binance.json",
               "4c47e71283a2010e02a3e10c57daaf06a91ac846", "MIT",
               "ccxt loaded markets of Binance (spot, USDT-M, COIN-M)"),
    SourceFile("ccxt/markets/bybit.json", CCXT_REPO, "ts/src/test/static/markets/bybit.json",
               "1f8d53ec6ee5e019956c2fd2dc204102b924716d", "MIT", "ccxt loaded markets of Bybit"),
    SourceFile("ccxt/markets/okx.json", CCXT_REPO, "ts/src/test/static/markets/okx.json",
               "97b6415590d8ea2c609070d7d6f183e9e4ea0261", "MIT", "ccxt loaded markets of OKX"),
    SourceFile("ccxt/responses/binance.json", CCXT_REPO, "ts/src/test/static/response/binance.json",
               "b5ba50d7ef3958a074437cce9c7b18c7be3a62f0", "MIT",
               "recorded Binance HTTP responses (ccxt static tests)"),
    SourceFile("ccxt/responses/bybit.json", CCXT_REPO, "ts/src/test/static/response/bybit.json",
               "b87240393cdd7ece6289aedd753e269ee210abc6", "MIT",
               "recorded Bybit HTTP responses (ccxt static tests)"),
    SourceFile("ccxt/responses/okx.json", CCXT_REPO, "ts/src/test/static/response/okx.json",
               "f42156b76cb504f331e5354c0fbec6bb5e884c7c", "MIT",
               "recorded OKX HTTP responses (ccxt static tests)"),
    *(SourceFile(f"{_BTSPACEC_DIR}/{coin}USDT_funding.csv", BTSPACEC_REPO,
                 f"data/{coin}USDT_funding.csv", BTSPACEC_COMMIT, "MIT",
                 "Binance USDT-M /fapi/v1/fundingRate export (fundingTime, fundingRate, "
                 "markPrice), whole file")
      for coin in ("BTC", "ETH", "BNB")),
)

#: ccxt exchange id of the Binance perps by margin type; the ccxt Binance markets file
#: holds both, and ccxt serves them from these two ids.
_BINANCE_PERP_VENUE = {False: "binanceusdm", True: "binancecoinm"}

#: The three settle-currency families perps come in; spot and dated markets are left out.
_BTSPACEC_SERIES = {"BTC/USDT:USDT": "BTCUSDT_funding.csv", "ETH/USDT:USDT": "ETHUSDT_funding.csv",
                    "BNB/USDT:USDT": "BNBUSDT_funding.csv"}
#: ccxt's recorded Binance markets have no BNB perp. Its identity is what the export's file
#: name says: BNBUSDT, the id Binance's USDT-M API (/fapi, USDT-settled linear perpetuals
#: only) gives the BNB/USDT:USDT perp. No contract spec or tiers are recorded for it.
_IDENTITY_ONLY = {"BNB/USDT:USDT": {"symbol": "BNB/USDT:USDT", "id": "BNBUSDT", "base": "BNB",
                                    "quote": "USDT", "settle": "USDT", "type": "swap",
                                    "linear": True, "inverse": False}}

NOTES: dict[str, str] = {
    "leverage_tiers": (
        "Leverage tiers are recorded only as ccxt's Binance response file's undated "
        "options.leverageBrackets (notional floor and maintenance rate of each tier) for "
        "binanceusdm BTC, ETH, LTC, ADA /USDT:USDT and binancecoinm BTC/USD:BTC (floors in BTC); "
        "maintenance amounts derived exactly by Binance's rule, maximum leverage not recorded, "
        "no cap recorded above the last floor. No other market or exchange has recorded tiers."),
    "spot_price": (
        "Spot prices are recorded only for binance BTC/USDT, ETH/USDT (2025-07-29) and okx "
        "BTC/USDT (2024-03-13), under the spot exchange that served them; no spot, index or "
        "last price exists for the perps' mark prices at their last funding settlement."),
    "daily_closes": (
        "No daily klines are recorded for shipping. daily_closes are the Binance USDT-M mark "
        "prices at the 00:00 UTC funding settlements (BTC, ETH, BNB), time_ms being that settlement."),
    "contract_spec": (
        "ccxt's markets files do not state when they were recorded; as_of_ms is the newest "
        "listing time found inside the file, so the recording is no older than that."),
    "fees": "maker/taker fees are those in ccxt's recorded markets (base tier).",
}

DESCRIPTION = (
    "Recorded historical market data, NOT live. Binance USDT-M BTC, ETH and BNB perps: funding "
    "rates and mark prices at every 8-hourly settlement {span} (no contract spec recorded for "
    "BNB). Contract specs of Binance, Bybit and OKX perps from ccxt's recorded markets "
    "(undated). Quotes recorded by ccxt, each with its own date: Binance spot BTC/ETH "
    "(2025-07-29), Bybit BTC perp price and funding (2024-11-04), Bybit LTC perp funding "
    "settlements (2024-03-14 to 2024-03-20), OKX spot BTC (2024-03-13). Binance leverage "
    "brackets (undated) of the BTC, ETH, LTC, ADA USDT-M perps and the BTC COIN-M perp; no "
    "other leverage tiers.")


# ----------------------------------------------------------------------------- helpers

def decimal_places_to_step(places: Any) -> float:
    """Binance's markets file gives precision as a count of decimals: 3 -> 0.001, 0 -> 1."""
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise InvalidInput("precision.amount", places, "must be a whole number of decimal places")
    return float(Decimal(1).scaleb(-places))


def _interval_hours(times_ms: list[int]) -> float:
    hours = infer_interval_hours(times_ms)
    if hours is None:
        raise ValueError(f"cannot infer a funding interval from {len(times_ms)} settlements")
    return hours


def _num(text: Any) -> float:
    return float(text)


def _read_json(root: Path, rel: str) -> Any:
    return json.loads((root / rel).read_text(encoding="utf-8"))


def _source_text(rel: str, detail: str = "") -> str:
    src = next(s for s in SOURCE_FILES if s.file == rel)
    text = f"{src.repository} {src.path} @ {src.commit[:7]} ({src.licence})"
    return f"{text}: {detail}" if detail else text


def _listing_bound_ms(markets: dict[str, Any]) -> int:
    """Newest listing time recorded in a markets file: the file cannot predate it."""
    times: list[int] = []
    for m in markets.values():
        if isinstance(m.get("created"), int):
            times.append(m["created"])
        info = m.get("info") or {}
        for key in ("onboardDate", "launchTime", "listTime"):
            if str(info.get(key, "")).isdigit():
                times.append(int(info[key]))
    return max(times)


# ----------------------------------------------------------------------------- markets

class _Book:
    """Accumulates markets and their figures, keyed by (exchange, symbol)."""

    def __init__(self) -> None:
        self.markets: dict[tuple[str, str], dict[str, Any]] = {}

    def market(self, exchange: str, m: dict[str, Any]) -> dict[str, Any]:
        key = (exchange, m["symbol"])
        if key not in self.markets:
            self.markets[key] = {
                "exchange": exchange, "symbol": m["symbol"], "id": m["id"], "base": m["base"],
                "quote": m["quote"], "settle": m.get("settle"), "type": m["type"],
                "linear": m.get("linear"), "inverse": m.get("inverse"), "figures": {}}
        return self.markets[key]

    def add(self, exchange: str, m: dict[str, Any], kind: str, figure: dict[str, Any]) -> None:
        figures = self.market(exchange, m)["figures"]
        if kind in figures:
            raise ValueError(f"{kind} of {exchange} {m['symbol']} recorded twice")
        figures[kind] = figure


def _add_specs(book: _Book, root: Path, exchange: str, rel: str) -> dict[str, Any]:
    markets = _read_json(root, rel)
    bound = _listing_bound_ms(markets)
    for m in markets.values():
        if m.get("type") != "swap":
            continue
        venue = _BINANCE_PERP_VENUE[bool(m["inverse"])] if exchange == "binance" else exchange
        places_mode = exchange == "binance"
        step_raw = m["precision"]["amount"]
        spec = {
            "as_of_ms": bound,
            "as_of_basis": f"recording date not stated; not before {utc_text(bound)[:10]} "
                           "(newest listing time in the file)",
            "source": _source_text(rel, f"market {m['id']}"),
            "file": rel,
            "contract_size": _num(m["contractSize"]),
            "amount_step": decimal_places_to_step(step_raw) if places_mode else _num(step_raw),
            "min_amount": _num(m["limits"]["amount"]["min"]),
            "inverse": bool(m["inverse"]),
            "settle": m["settle"],
            "maker_fee": None if m.get("maker") is None else _num(m["maker"]),
            "taker_fee": None if m.get("taker") is None else _num(m["taker"]),
        }
        book.add(venue, m, "contract_spec", spec)
    return markets


def _add_btspacec(book: _Book, root: Path, binance_markets: dict[str, Any]) -> str:
    """Adds the exports' last settlements; returns their span (one for all coins)."""
    spans = set()
    for symbol, name in _BTSPACEC_SERIES.items():
        rel = f"{_BTSPACEC_DIR}/{name}"
        with (root / rel).open(newline="", encoding="utf-8") as fh:
            whole = sorted(csv.DictReader(fh), key=lambda r: int(r["fundingTime"]))
        first_ms = int(whole[-1]["fundingTime"]) - SNAPSHOT_WINDOW_MS - _STAMP_SLACK_MS
        rows = [r for r in whole if int(r["fundingTime"]) >= first_ms]
        times = [int(r["fundingTime"]) for r in rows]
        rates = [[int(r["fundingTime"]), _num(r["fundingRate"])] for r in rows]
        marks = [[int(r["fundingTime"]), _num(r["markPrice"])] for r in rows]
        last_t, last_rate, last_mark = times[-1], rates[-1][1], marks[-1][1]
        m = binance_markets.get(symbol) or _IDENTITY_ONLY[symbol]
        span = f"{utc_text(times[0])} to {utc_text(last_t)}"
        spans.add(span)
        book.add("binanceusdm", m, "funding_history", {
            "as_of_ms": last_t, "source": _source_text(rel, f"fundingRate, {span}"), "file": rel,
            "points": rates})
        book.add("binanceusdm", m, "mark_history", {
            "as_of_ms": last_t, "source": _source_text(rel, f"markPrice at each settlement, {span}"),
            "file": rel, "points": marks})
        book.add("binanceusdm", m, "daily_closes", {
            "as_of_ms": last_t, "file": rel,
            "source": _source_text(rel, "markPrice at the 00:00 UTC settlements"),
            "note": "mark price at the 00:00 UTC funding settlement, not a kline close",
            "points": [p for p in marks if p[0] % 86_400_000 < 60_000]})
        book.add("binanceusdm", m, "funding", {
            "as_of_ms": last_t, "file": rel,
            "source": _source_text(rel, f"last settlement {utc_text(last_t)}"),
            "rate_per_interval": last_rate, "interval_hours": _interval_hours(times),
            "interval_source": "history", "next_funding_ms": None, "timestamp_ms": last_t,
            "mark_price": last_mark, "index_price": None})
        book.add("binanceusdm", m, "ticker", {
            "as_of_ms": last_t, "file": rel,
            "source": _source_text(rel, f"markPrice at the settlement of {utc_text(last_t)}"),
            "note": "mark price at a funding settlement; last and index prices not recorded",
            "last_price": None, "mark_price": last_mark, "index_price": None,
            "timestamp_ms": last_t})
    if len(spans) != 1:
        raise ValueError(f"the funding exports cover different windows: {sorted(spans)}")
    return spans.pop()


def _entry(responses: dict[str, Any], method: str, description: str) -> dict[str, Any]:
    for e in responses["methods"][method]:
        if e["description"] == description:
            return e
    raise KeyError(f"{method} entry {description!r} not in the responses file")


def _add_binance_spot(book: _Book, root: Path, markets: dict[str, Any]) -> None:
    rel = "ccxt/responses/binance.json"
    entry = _entry(_read_json(root, rel), "fetchTickers", "rolling tickers")
    for raw in entry["httpResponse"]:
        m = next(x for x in markets.values() if x["type"] == "spot" and x["id"] == raw["symbol"])
        t = int(raw["closeTime"])
        book.add("binance", m, "ticker", {
            "as_of_ms": t, "file": rel,
            "source": _source_text(rel, f"fetchTickers 'rolling tickers', lastPrice at {utc_text(t)}"),
            "last_price": _num(raw["lastPrice"]), "mark_price": None, "index_price": None,
            "timestamp_ms": t})


def _add_okx_spot(book: _Book, root: Path, markets: dict[str, Any]) -> None:
    rel = "ccxt/responses/okx.json"
    entry = _entry(_read_json(root, rel), "fetchTicker", "public spot ticker")
    for raw in entry["httpResponse"]["data"]:
        m = next(x for x in markets.values() if x["type"] == "spot" and x["id"] == raw["instId"])
        t = int(raw["ts"])
        book.add("okx", m, "ticker", {
            "as_of_ms": t, "file": rel,
            "source": _source_text(rel, f"fetchTicker 'public spot ticker', last at {utc_text(t)}"),
            "last_price": _num(raw["last"]), "mark_price": None, "index_price": None,
            "timestamp_ms": t})


def _exact_number(d: Decimal) -> int | float:
    """A Decimal as a JSON number whose text is that decimal exactly (1300, 0.355)."""
    n: int | float = int(d) if d == d.to_integral_value() else float(d)
    if Decimal(repr(n)) != d:
        raise ValueError(f"{d} has no exact short decimal float")
    return n


def _add_binance_brackets(book: _Book, root: Path, markets: dict[str, Any]) -> None:
    """ccxt's recorded options.leverageBrackets as tier tables: (floor, rate) as recorded,
    the maintenance amounts derived exactly (Decimal) by Binance's rule, the last tier's
    cap and every tier's maximum leverage absent (not in the recording)."""
    rel = "ccxt/responses/binance.json"
    brackets = _read_json(root, rel)["options"]["leverageBrackets"]
    for symbol in sorted(brackets):
        pairs = brackets[symbol]
        m = markets[symbol]
        inverse = bool(m["inverse"])
        unit, unit_text = ("base", m["base"]) if inverse else ("quote", m["quote"])
        tiers = tiers_from_brackets(pairs, unit)
        amounts = maint_amounts_exact(pairs)
        last_floor = Decimal(pairs[-1][0])
        rows = [[t.tier, _exact_number(Decimal(floor)),
                 None if i + 1 == len(pairs) else _exact_number(Decimal(pairs[i + 1][0])),
                 _exact_number(Decimal(rate)), _exact_number(amount), t.max_leverage, t.notional_unit]
                for i, (t, (floor, rate), amount) in enumerate(zip(tiers, pairs, amounts))]
        book.add(_BINANCE_PERP_VENUE[inverse], m, "leverage_tiers", {
            "as_of_ms": 0, "file": rel,
            "as_of_basis": "undated: options.leverageBrackets carries no recording date",
            "source": _source_text(rel, f"options.leverageBrackets, undated ({symbol})"),
            "note": (f"floors in {unit_text}; maintenance amounts derived exactly from the recorded "
                     "floors and rates by Binance's rule (amount_n = floor_n x (mmr_n - mmr_n-1) + "
                     "amount_n-1, amount_1 = 0); maximum leverage not recorded; the recording lists "
                     f"tiers only up to the floor {last_floor:,} {unit_text}, with no cap: above it "
                     "the last recorded tier is used"),
            "listed_up_to": _exact_number(last_floor),
            "tiers": rows})


def _add_bybit(book: _Book, root: Path, markets: dict[str, Any]) -> None:
    rel = "ccxt/responses/bybit.json"
    responses = _read_json(root, rel)
    # fetchFundingRate is the newest Bybit quote recorded (3 minutes after fetchFundingRates,
    # nine months after fetchTicker); one date per figure, so the older ones are not used.
    entry = _entry(responses, "fetchFundingRate", "fetchFundingRate")
    raw = entry["httpResponse"]["result"]["list"][0]
    t = int(raw["timestamp"])
    m = next(x for x in markets.values() if x["type"] == "swap" and x["id"] == raw["symbol"]
             and x["linear"])
    interval_h = float(str(entry["parsedResponse"]["interval"]).removesuffix("h"))
    where = f"fetchFundingRate, quote of {utc_text(t)}"
    book.add("bybit", m, "ticker", {
        "as_of_ms": t, "file": rel, "source": _source_text(rel, where),
        "last_price": _num(raw["lastPrice"]), "mark_price": _num(raw["markPrice"]),
        "index_price": _num(raw["indexPrice"]), "timestamp_ms": t})
    book.add("bybit", m, "funding", {
        "as_of_ms": t, "file": rel, "source": _source_text(rel, where),
        "rate_per_interval": _num(raw["fundingRate"]), "interval_hours": interval_h,
        "interval_source": "exchange", "next_funding_ms": int(raw["nextFundingTime"]),
        "timestamp_ms": t, "mark_price": _num(raw["markPrice"]),
        "index_price": _num(raw["indexPrice"])})

    entry = _entry(responses, "fetchFundingHistory", "linear funding history")
    rows = entry["httpResponse"]["result"]["list"]
    symbol_id = {r["symbol"] for r in rows}.pop()
    m = next(x for x in markets.values() if x["type"] == "swap" and x["id"] == symbol_id
             and x["linear"])
    points = sorted([int(r["execTime"]), _num(r["feeRate"])] for r in rows
                    if r["execType"] == "Funding")
    times = [int(p[0]) for p in points]
    last_t, last_rate = times[-1], points[-1][1]
    span = f"{utc_text(times[0])} to {utc_text(last_t)}"
    note = ("settlements at which the recording account held a position: the series has gaps "
            "and is not a complete history")
    book.add("bybit", m, "funding_history", {
        "as_of_ms": last_t, "file": rel, "note": note,
        "source": _source_text(rel, f"fetchFundingHistory raw feeRate per settlement, {span}"),
        "points": points})
    book.add("bybit", m, "funding", {
        "as_of_ms": last_t, "file": rel,
        "source": _source_text(rel, f"fetchFundingHistory, last settlement {utc_text(last_t)}"),
        "rate_per_interval": last_rate, "interval_hours": _interval_hours(times),
        "interval_source": "history", "next_funding_ms": None, "timestamp_ms": last_t,
        "mark_price": None, "index_price": None})


# ----------------------------------------------------------------------------- build

def build_snapshot(fixtures: str | Path) -> dict[str, Any]:
    """The snapshot document built from a fixture folder laid out as the shared fixtures."""
    root = Path(fixtures)
    missing = [s.file for s in SOURCE_FILES if not (root / s.file).is_file()]
    if missing:
        raise InvalidInput("fixtures", str(root), f"must hold {', '.join(missing)}")
    book = _Book()
    binance = _add_specs(book, root, "binance", "ccxt/markets/binance.json")
    bybit = _add_specs(book, root, "bybit", "ccxt/markets/bybit.json")
    okx = _add_specs(book, root, "okx", "ccxt/markets/okx.json")
    span = _add_btspacec(book, root, binance)
    _add_binance_spot(book, root, binance)
    _add_binance_brackets(book, root, binance)
    _add_bybit(book, root, bybit)
    _add_okx_spot(book, root, okx)

    markets = [book.markets[k] for k in sorted(book.markets)]
    recorded_at = max(f["as_of_ms"] for m in markets for kind, f in m["figures"].items()
                      if kind not in ("contract_spec", "leverage_tiers"))
    return {
        "format": FORMAT_VERSION,
        "description": DESCRIPTION.format(span=span),
        "recorded_at_ms": recorded_at,
        "recorded_at": f"newest recorded figure: {utc_text(recorded_at)}",
        "live": False,
        "notes": NOTES,
        "sources": [
            {"file": s.file, "repository": s.repository, "path": s.path, "commit": s.commit,
             "licence": s.licence, "what": s.what,
             "sha256": hashlib.sha256((root / s.file).read_bytes()).hexdigest()}
            for s in SOURCE_FILES],
        "markets": markets,
    }


def dumps(document: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, a [time, value] point per line, newline at the end."""
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return _PAIR.sub(r"[\1, \2]", text) + "\n"


_PAIR = re.compile(r"\[\s*(-?[0-9][0-9.eE+-]*),\s*(-?[0-9][0-9.eE+-]*)\s*\]")
