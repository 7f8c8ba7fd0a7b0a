"""ccxt's unified dicts turned into the package's frozen records.

Only what the exchange sent becomes a number; anything absent stays ``None``. The raw
``info`` of an answer is read only where ccxt leaves a documented exchange field out of
its unified structure (Bybit ``mmDeduction``, Binance ``cum``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from perphedge.core import plausibility
from perphedge.core.errors import DataUnavailable, ImplausibleFigure, InvalidInput
from perphedge.core.marketdata import ContractSpec, DailyClose, FundingPoint, FundingRate, LeverageTier, Ticker

# ccxt precision modes (ccxt.base.decimal_to_precision); repeated so this module stays
# free of ccxt imports.
DECIMAL_PLACES = 2
SIGNIFICANT_DIGITS = 3
TICK_SIZE = 4


def number(value: Any) -> float | None:
    """A finite float, or None for anything else (None, '', NaN, a string)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def integer(value: Any) -> int | None:
    x = number(value)
    return int(x) if x is not None else None


def price(value: Any) -> float | None:
    """A usable price: finite and positive (exchanges send 0 for 'no trade yet')."""
    x = number(value)
    return x if x is not None and x > 0 else None


def amount_step(market: Mapping[str, Any], precision_mode: int, exchange: str) -> float:
    p = number((market.get("precision") or {}).get("amount"))
    if p is None:
        return 0.0
    if precision_mode == DECIMAL_PLACES:
        return float(f"1e-{int(p)}") if p >= 0 else 0.0
    if precision_mode == TICK_SIZE:
        if why := plausibility.amount_problem("amount_step", p):  # never "no rounding"
            raise ImplausibleFigure(f"{exchange} sent {why} for {market.get('symbol')}", exchange)
        return p
    return 0.0  # significant digits do not give a step


def checked_prices(symbol: str, exchange: str, **prices: float | None) -> None:
    """Refuse prices of one market outside core.plausibility's bounds, or disagreeing with
    each other beyond them (``ImplausibleFigure``, the reasons named)."""
    bad = plausibility.figure_problems(prices)
    if bad:
        raise ImplausibleFigure(f"{exchange} sent {'; '.join(dict.fromkeys(bad.values()))} for {symbol}",
                                exchange)


def contract_spec(market: Mapping[str, Any], exchange: str, precision_mode: int) -> ContractSpec:
    limits = (market.get("limits") or {}).get("amount") or {}
    settle = market.get("settle") or market.get("quote") or ""
    try:
        return _contract_spec(market, exchange, precision_mode, limits, settle)
    except InvalidInput as e:  # the exchange's figures, not the user's input
        raise DataUnavailable(f"{exchange} sent an unusable contract spec for {market.get('symbol')}: {e}",
                              exchange) from e


def _contract_spec(market: Mapping[str, Any], exchange: str, precision_mode: int,
                   limits: Mapping[str, Any], settle: str) -> ContractSpec:
    return ContractSpec(
        symbol=market["symbol"],
        exchange=exchange,
        contract_size=_contract_size(market, exchange),
        amount_step=amount_step(market, precision_mode, exchange),
        min_amount=_min_amount(market, exchange, limits),
        inverse=bool(market.get("inverse")),
        settle=str(settle),
        maker_fee=number(market.get("maker")),
        taker_fee=number(market.get("taker")),
        min_cost=_min_cost(market),
    )


def _contract_size(market: Mapping[str, Any], exchange: str) -> float:
    size = number(market.get("contractSize"))
    if size is None:
        return 1.0  # ccxt leaves it out where a contract is one unit of the base
    if why := plausibility.contract_size_problem(size):
        raise ImplausibleFigure(f"{exchange} sent {why} for {market.get('symbol')}", exchange)
    return size


def _min_amount(market: Mapping[str, Any], exchange: str, limits: Mapping[str, Any]) -> float:
    least = number(limits.get("min"))
    if least is None:
        return 0.0
    if why := plausibility.amount_problem("min_amount", least):
        raise ImplausibleFigure(f"{exchange} sent {why} for {market.get('symbol')}", exchange)
    return least


def _min_cost(market: Mapping[str, Any]) -> float | None:
    """ccxt's ``limits.cost.min`` (amount × contractSize × price, quote currency) of a
    linear market; None when absent. An inverse market's ccxt cost is not a USD order
    value, so it is not read as one; nor is a negative figure."""
    if market.get("inverse"):
        return None
    cost = (market.get("limits") or {}).get("cost") or {}
    x = number(cost.get("min")) if isinstance(cost, Mapping) else None
    return x if x is not None and x >= 0.0 else None


def ticker(symbol: str, exchange: str, last: Mapping[str, Any] | None,
           marks: Mapping[str, Any] | None = None) -> Ticker:
    """Last price from a ticker; mark/index from the ticker or, where the exchange sends
    them elsewhere (Binance premium index, OKX mark-price), from ``marks``."""
    last = last or {}
    marks = marks or {}
    last_price = price(last.get("last", last.get("price")))
    mark = price(last.get("markPrice")) or price(marks.get("markPrice"))
    index = price(last.get("indexPrice")) or price(marks.get("indexPrice"))
    ts = integer(last.get("timestamp")) or integer(marks.get("timestamp"))
    if last_price is None and mark is None and index is None:
        raise DataUnavailable(f"{exchange} sent no price for {symbol}", exchange)
    checked_prices(symbol, exchange, mark_price=mark, index_price=index)
    if last_price is not None and (why := plausibility.price_problem("last_price", last_price)):
        raise ImplausibleFigure(f"{exchange} sent {why} for {symbol}", exchange)
    return Ticker(symbol, exchange, last_price, mark, index, ts)


def interval_hours_from_text(text: Any) -> float | None:
    """'8h' -> 8.0 (ccxt's unified funding ``interval``)."""
    if not isinstance(text, str) or not text.endswith("h"):
        return None
    x = number(text[:-1])
    return x if x is not None and x > 0 else None


def funding_rate(symbol: str, exchange: str, entry: Mapping[str, Any], interval_hours: float,
                 interval_source: str) -> FundingRate:
    raw = entry.get("fundingRate")
    rate = number(raw)
    if rate is None and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        rate = float(raw)  # inf or NaN: the gate below names it
    if rate is None:
        raise DataUnavailable(f"{exchange} sent no funding rate for {symbol}", exchange)
    if why := plausibility.funding_problem(rate):
        raise ImplausibleFigure(f"{exchange} sent {why} for {symbol}", exchange)
    return FundingRate(
        symbol=symbol,
        exchange=exchange,
        rate_per_interval=rate,
        interval_hours=interval_hours,
        interval_source=interval_source,  # type: ignore[arg-type]
        next_funding_ms=_next_funding_ms(entry),
        timestamp_ms=integer(entry.get("timestamp")),
        mark_price=price(entry.get("markPrice")),
        index_price=price(entry.get("indexPrice")),
    )


def _next_funding_ms(entry: Mapping[str, Any]) -> int | None:
    # ccxt's fundingTimestamp is the settlement the current rate applies to; OKX also
    # sends the one after (nextFundingTimestamp) which is not the next settlement.
    return integer(entry.get("fundingTimestamp"))


def funding_points(rows: Sequence[Mapping[str, Any]], since_ms: int, until_ms: int) -> tuple[FundingPoint, ...]:
    points: dict[int, FundingPoint] = {}
    for row in rows:
        t, r = integer(row.get("timestamp")), number(row.get("fundingRate"))
        if t is None or r is None or not since_ms <= t <= until_ms:
            continue
        info = row.get("info")
        # ccxt keeps no mark in its unified history; Binance's answer has it (``markPrice``,
        # "" for settlements before Binance recorded it)
        mark = price(info.get("markPrice")) if isinstance(info, Mapping) else None
        points[t] = FundingPoint(t, r, mark)
    return tuple(points[t] for t in sorted(points))


def daily_closes(rows: Sequence[Sequence[Any]], since_ms: int, now_ms: int,
                 day_ms: int = 86_400_000) -> tuple[DailyClose, ...]:
    """Completed days only: a bar still open at ``now_ms`` is not a close yet."""
    closes: dict[int, DailyClose] = {}
    for row in rows:
        if len(row) < 5:
            continue
        t, c = integer(row[0]), price(row[4])
        if t is None or c is None or t < since_ms or t + day_ms > now_ms:
            continue
        closes[t] = DailyClose(t, c)
    return tuple(closes[t] for t in sorted(closes))


def leverage_tiers(rows: Sequence[Mapping[str, Any]], exchange: str, inverse: bool) -> tuple[LeverageTier, ...]:
    """ccxt leverage-tier dicts as LeverageTier records, smallest first.

    The maintenance amount comes from the exchange when it sends one (Binance ``cum``,
    Bybit ``mmDeduction``); otherwise it is the cumulative amount that keeps the
    maintenance margin continuous at every tier boundary, mm = notional × mmr − amount,
    which is how Binance defines ``cum``: amount_i = amount_{i-1} + min_i × (mmr_i − mmr_{i-1}).
    OKX is the exception: its tier's rate applies to the whole position value, with no
    deduction (and its floors are in contracts, so a derived amount would be contracts ×
    rate, not money): the amount is 0.

    Tier bounds are in the unit the exchange brackets by: OKX in contracts; Binance COIN-M
    and Bybit inverse in the coin (Bybit's inverse riskLimitValue, e.g. 150 for BTCUSD);
    linear markets in the quote currency.
    """
    ordered = sorted(rows, key=lambda r: (number(r.get("minNotional")) or 0.0))
    unit = "contracts" if exchange == "okx" else ("base" if inverse else "quote")
    whole_position_rate = exchange == "okx"
    tiers: list[LeverageTier] = []
    prev_mmr, prev_amount = 0.0, Decimal(0)
    for i, row in enumerate(ordered, start=1):
        info = row.get("info") or {}
        lo = number(row.get("minNotional")) or 0.0
        hi = number(row.get("maxNotional"))
        mmr = number(row.get("maintenanceMarginRate"))
        lev = number(row.get("maxLeverage"))
        if mmr is None or lev is None:
            raise DataUnavailable(f"{exchange} sent a leverage tier without rates", exchange)
        given = number(info.get("cum", info.get("mmDeduction"))) if isinstance(info, Mapping) else None
        if whole_position_rate:
            amount = Decimal(0)
        elif given is not None:
            amount = Decimal(repr(given))
        else:  # Binance's rule, in decimal on the figures as sent: 950, not 949.9999999999998
            amount = prev_amount + Decimal(repr(lo)) * (Decimal(repr(mmr)) - Decimal(repr(prev_mmr)))
        try:
            tiers.append(LeverageTier(tier=integer(row.get("tier")) or i, min_notional=lo,
                                      max_notional=hi if hi is not None and hi > lo else float("inf"),
                                      mmr=mmr, maint_amount=max(0.0, float(amount)), max_leverage=lev,
                                      notional_unit=unit))
        except InvalidInput as e:  # the exchange's figures, not the user's input
            raise DataUnavailable(f"{exchange} sent an unusable leverage tier: {e}", exchange) from e
        prev_mmr, prev_amount = mmr, amount
    if not tiers:
        raise DataUnavailable(f"{exchange} sent no leverage tiers", exchange)
    return tuple(tiers)
