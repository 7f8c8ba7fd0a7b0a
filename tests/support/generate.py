"""Seeded generator of portfolios and Market rows for the LibreOffice recalculation tests.

Every figure here is a SYNTHETIC input to the formulas (random but reproducible), not
market data: symbols are named SYN…/USDT:USDT. Rows sit on the made-up exchange "synthex"
(liquidated by the declared default rule, and flagged so) and on the exchange ids whose own
isolated-margin rules the workbook applies (binanceusdm, okx, bybit: core.margin_rules) —
synthetic figures on those ids, so every venue's formula is recalculated against core.
"""

from __future__ import annotations

import random

from perphedge.core.holdings import HoldingInput
from perphedge.core.liquidation import cumulative_maint_amounts
from perphedge.core.marketdata import DataStatus, FundingPoint, LeverageTier, MarketRow
from perphedge.template.tiers_sheet import TierTable

EXCHANGE = "synthex"
#: Row i of a generated portfolio sits on VENUES[i % 4].
VENUES = (EXCHANGE, "binanceusdm", "okx", "bybit")
NOW_MS = 1_790_000_000_000  # a fixed synthetic time for as-of stamps


def _market_row(rng: random.Random, i: int) -> MarketRow:
    inverse = rng.random() < 0.3
    price = 10 ** rng.uniform(-1, 5)
    mark = price * (1 + rng.uniform(-0.004, 0.004))
    spot = None if rng.random() < 0.25 else price
    index = None if rng.random() < 0.4 else price * (1 + rng.uniform(-0.001, 0.001))
    if rng.random() < 0.05:
        mark = None  # perp priced from index/spot
    if inverse:
        size = rng.choice([10.0, 100.0])
        step, minimum = 1.0, rng.choice([0.0, 1.0])
    else:
        size = rng.choice([1.0, 0.1, 0.01, 10.0, 100.0])
        step = rng.choice([0.0, 0.001, 0.01, 1.0, 0.1])
        minimum = rng.choice([0.0, step, step * 5])
    rate = rng.choice([None, round(rng.uniform(-0.0015, 0.0015), 8), 0.0001, -0.0003])
    interval = rng.choice([None, 1.0, 4.0, 8.0, 8.0])
    venue = VENUES[i % len(VENUES)]
    status = DataStatus(rng.choice([venue, "snapshot"]),
                        NOW_MS - rng.randrange(0, 10 * 86_400_000), rng.random() < 0.3,
                        "synthetic reason")
    return MarketRow(
        f"SYN{i}/USDT:USDT", venue, spot, mark, index, rate, interval,
        None if rng.random() < 0.5 else NOW_MS + 3_600_000, size, step, minimum, inverse,
        rng.choice([None, 0.0004, 0.0005, 0.0006]),
        rng.choice([None, 0.004, 0.005, 0.01, 0.025]),
        rng.choice([None, 0.0, 0.0, 5.0, 50.0]), status,
        min_cost=rng.choice([None, None, 5.0, 100.0]))


def generate(seed: int, n: int) -> tuple[list[HoldingInput], list[MarketRow]]:
    rng = random.Random(seed)
    rows = [_market_row(rng, i) for i in range(n)]
    holdings = []
    for i in range(n):
        strategy = rng.choice(["Tactical Defense", "Capital Preservation", "Custom"])
        ratio = rng.choice([0.0, 1.0, round(rng.uniform(0, 1), 4), rng.uniform(0, 1)])
        if strategy != "Custom" and rng.random() < 0.5:
            ratio = None  # the preset's default
        cross = rng.random() < 0.2
        holdings.append(HoldingInput(
            asset=f"SYN{i}",
            qty=10 ** rng.uniform(-3, 4),
            # a cross hedge on another market of the same venue
            hedge_symbol=rows[i].symbol if not cross else rows[(i + len(VENUES)) % n].symbol,
            exchange=rows[i].exchange,
            strategy=strategy,
            hedge_ratio=ratio,
            leverage=rng.choice([1.0, 2.0, round(rng.uniform(1, 20), 2), 20.0, 3.0]),
            beta=rng.uniform(0.5, 1.6) if cross else None,
            held_contracts=None if rng.random() < 0.5 else round(rng.uniform(0, 50), 3),
            price_symbol=rows[i].symbol if cross else None,
        ))
    return holdings, rows


def special_cases() -> tuple[list[HoldingInput], list[MarketRow]]:
    """Edge cases written out (synthetic): below the minimum, a 1× inverse short that can
    never be liquidated, margin below maintenance at 125×, a symbol missing from the Market
    table, a quantity exactly on a step (0.3 BTC-like at a 0.001 step), a cross hedge whose
    beta is to come from an empty Beta sheet, and core's tiered worked example (T1)."""
    st = DataStatus(EXCHANGE, NOW_MS, False, None)
    rows = [
        MarketRow("EDGE1/USDT:USDT", EXCHANGE, 100.0, 100.0, None, 0.0001, 8.0, None, 1.0, 0.001,
                  0.5, False, 0.0005, 0.005, 0.0, st),
        MarketRow("EDGE2/USD:EDGE2", EXCHANGE, 50_000.0, 50_000.0, 50_000.0, 0.0001, 8.0, None,
                  100.0, 1.0, 1.0, True, 0.0005, 0.004, 0.0, st),
        MarketRow("EDGE3/USDT:USDT", EXCHANGE, 2_000.0, 2_000.0, None, -0.001, 8.0, None, 1.0,
                  0.001, 0.001, False, 0.0005, 0.01, 0.0, st),
        MarketRow("EDGE4/USDT:USDT", EXCHANGE, 100_000.0, 100_000.0, None, 0.0, 8.0, None, 1.0,
                  0.001, 0.001, False, 0.0005, 0.005, 0.0, st),
        # core's tiered worked example: 1.5 at 60,000, 1x (tiers in special_tiers)
        MarketRow("TIER1/USDT:USDT", EXCHANGE, 60_000.0, 60_000.0, None, 0.0001, 8.0, None, 1.0,
                  0.001, 0.001, False, 0.0005, 0.005, 0.0, st),
        # a coin-bracketed inverse short the entry tier says is never liquidated (tiers in
        # special_tiers; core's case in tests/core/test_margin_rules.py)
        MarketRow("COIN1/USD:COIN1", "binancecoinm", 70_000.0, 70_000.0, None, 0.0001, 8.0, None,
                  100.0, 1.0, 1.0, True, 0.0005, 0.005, 0.0, st),
    ]
    holdings = [
        HoldingInput("EDGE1", 1.0, "EDGE1/USDT:USDT", EXCHANGE, "Custom", 0.2),  # 0.2 < 0.5 min
        HoldingInput("EDGE2", 2.0, "EDGE2/USD:EDGE2", EXCHANGE, "Capital Preservation"),  # 1× inverse
        HoldingInput("EDGE3", 3.0, "EDGE3/USDT:USDT", EXCHANGE, "Custom", 0.9, 125.0),  # at entry
        HoldingInput("MISSING", 1.0, "MISSING/USDT:USDT", EXCHANGE, "Custom", 0.5),
        HoldingInput("EDGE4", 0.6, "EDGE4/USDT:USDT", EXCHANGE, "Custom", 0.5),  # 0.3 exactly
        # cross hedge pointing at the Beta sheet, which holds no prices here
        HoldingInput("EDGE3", 10.0, "EDGE4/USDT:USDT", EXCHANGE, "Custom", 0.5, beta_from_sheet=True,
                     price_symbol="EDGE3/USDT:USDT"),
        HoldingInput("TIER1", 1.5, "TIER1/USDT:USDT", EXCHANGE, "Custom", 1.0, 1.0),
        HoldingInput("COIN1", 1_200.0, "COIN1/USD:COIN1", "binancecoinm", "Custom", 1.0, 1.1),
    ]
    return holdings, rows


def funding_history(seed: int) -> dict[tuple[str, str], tuple[FundingPoint, ...]]:
    """Synthetic settlements (with the exchanges' few-ms jitter) at 8 h, 4 h and 1 h."""
    rng = random.Random(seed)
    out = {}
    for k, (hours, days) in enumerate(((8, 95), (4, 40), (1, 10))):
        step = hours * 3_600_000
        end = NOW_MS - NOW_MS % step
        n = days * 24 // hours
        pts = tuple(FundingPoint(end - (n - j) * step + rng.randrange(0, 17),
                                 round(rng.uniform(-0.0005, 0.0008), 8)) for j in range(n + 1))
        out[(f"SYN{k}/USDT:USDT", VENUES[k % len(VENUES)])] = pts
    return out


# ----------------------------------------------------------------------------- tiers
#
# SYNTHETIC leverage tiers (not any exchange's figures), in the three shapes exchanges
# bracket by: linear markets in the quote (Binance USDⓈ-M style, amounts by Binance's
# continuity rule), inverse markets in the coin (Binance COIN-M style), and OKX-style tiers
# in contracts whose rate applies to the whole position (amount 0). Floors are set around
# the holding's own size so that many first guesses land in another tier.


def _tier_table(rng: random.Random, row: MarketRow, unit: str, around: float) -> TierTable:
    ratio = rng.choice([1.3, 1.6, 2.0, 3.0])
    n = rng.randint(3, 9)
    first_cap = around / ratio ** rng.uniform(0.0, n - 1)
    floors = [0.0] + [first_cap * ratio ** k for k in range(n - 1)]
    mmrs = [min(0.004 * 1.5 ** k, 0.45) for k in range(n)]
    if unit == "contracts":
        amounts = [0.0] * n
    else:
        amounts = list(cumulative_maint_amounts(list(zip(floors, mmrs))))
    caps = floors[1:] + [float("inf") if rng.random() < 0.75 else floors[-1] * ratio]
    tiers = tuple(LeverageTier(k + 1, floors[k], caps[k], mmrs[k], amounts[k],
                               max(1.0, round(0.5 / mmrs[k])), unit) for k in range(n))
    return TierTable(row.symbol, row.exchange, tiers, NOW_MS - 86_400_000)


def _size(h: HoldingInput, row: MarketRow, unit: str) -> float | None:
    """The holding's rough entry size in ``unit`` (to place tier floors around it)."""
    price = next((p for p in (row.mark_price, row.index_price, row.spot_price) if p), None)
    if price is None or not row.contract_size:
        return None
    notional = h.qty * price * (h.hedge_ratio or 0.5) * (h.beta or 1.0)
    if notional <= 0:
        return None
    if unit == "quote":
        return notional
    if unit == "base":
        return notional / price
    return notional / row.contract_size if row.inverse else notional / price / row.contract_size


def tier_tables(seed: int, holdings: list[HoldingInput], rows: list[MarketRow]) -> list[TierTable]:
    """Synthetic tiers for about half the hedge markets, floors around the holding's size
    (up to twice it: the size at a 1x short's liquidation price)."""
    rng = random.Random(seed * 31 + 5)
    by_symbol = {r.symbol: r for r in rows}
    out: dict[str, TierTable] = {}
    for h in holdings:
        row = by_symbol.get(h.hedge_symbol)
        if row is None or row.symbol in out or rng.random() < 0.45:
            continue
        unit = "contracts" if rng.random() < 0.25 else ("base" if row.inverse else "quote")
        size = _size(h, row, unit)
        if size is not None:
            out[row.symbol] = _tier_table(rng, row, unit, size * rng.uniform(0.8, 2.2))
    return list(out.values())


def special_tiers() -> list[TierTable]:
    """The synthetic tier table of core's worked example (tests/core/test_liquidation.py):
    continuous maintenance, amounts 0; 100,000 × (0.01 − 0.005) = 500;
    500 + 200,000 × (0.025 − 0.01) = 3,500."""
    tiers = (LeverageTier(1, 0, 100_000, 0.005, 0.0, 50),
             LeverageTier(2, 100_000, 200_000, 0.01, 500.0, 20),
             LeverageTier(3, 200_000, float("inf"), 0.025, 3_500.0, 10))
    floors, rates = [0, 50, 200, 500, 1_000], [0.005, 0.01, 0.025, 0.05, 0.15]
    amounts = cumulative_maint_amounts(list(zip(floors, rates)))
    caps = floors[1:] + [float("inf")]
    coin = tuple(LeverageTier(k + 1, floors[k], caps[k], rates[k], amounts[k], 20, "base")
                 for k in range(len(floors)))
    return [TierTable("TIER1/USDT:USDT", EXCHANGE, tiers, NOW_MS),
            TierTable("COIN1/USD:COIN1", "binancecoinm", coin, NOW_MS)]


def generate_tiered(seed: int, n: int) -> tuple[list[HoldingInput], list[MarketRow], list[TierTable]]:
    """Holdings that always short something, on markets with narrow synthetic tiers
    (floors 1.1-1.6x apart) placed around the entry size, and leverage down to 1.02x: the
    liquidation price's size lands tiers away from the entry's (linear in the quote: up
    to twice the entry notional; inverse in the coin: down to a small part of it), so the
    walk takes several steps. Symbols SYNT…; all figures synthetic."""
    rng = random.Random(seed)
    st = DataStatus(EXCHANGE, NOW_MS, False, None)
    holdings, rows, tables = [], [], []
    for i in range(n):
        inverse = rng.random() < 0.45
        price = 10 ** rng.uniform(0, 5)
        size = rng.choice([10.0, 100.0]) if inverse else rng.choice([1.0, 0.01, 10.0])
        symbol = f"SYNT{i}/USD:SYNT{i}" if inverse else f"SYNT{i}/USDT:USDT"
        venue = VENUES[i % len(VENUES)]
        rows.append(MarketRow(symbol, venue, price, price * (1 + rng.uniform(-0.002, 0.002)),
                              None, 0.0001, 8.0, None, size, 0.001 if not inverse else 1.0, 0.0,
                              inverse, 0.0005, 0.004, 0.0, st))
        lev = rng.choice([1.0, 1.02, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0, 25.0])
        coins = 10 ** rng.uniform(-1, 3) * (10_000 / price) * (1 + (size if inverse else 0) / 10)
        ratio_in = round(rng.uniform(0.5, 1.0), 2)
        holdings.append(HoldingInput(f"SYNT{i}", coins, symbol, venue, "Custom", ratio_in, lev))
        unit = "contracts" if rng.random() < 0.2 else ("base" if inverse else "quote")
        entry = coins * price
        around = {"quote": entry, "base": coins,
                  "contracts": entry / size if inverse else coins / size}[unit]
        ratio = rng.uniform(1.1, 1.6)
        k = rng.randint(4, 14)
        first_cap = around * rng.uniform(0.05, 2.0) / ratio ** rng.randint(0, k - 2)
        floors = [0.0] + [first_cap * ratio ** j for j in range(k - 1)]
        mmrs = [min(0.004 * 1.35 ** j, 0.45) for j in range(k)]
        amounts = ([0.0] * k if unit == "contracts"
                   else list(cumulative_maint_amounts(list(zip(floors, mmrs)))))
        caps = floors[1:] + [float("inf")]
        tables.append(TierTable(symbol, venue, tuple(
            LeverageTier(j + 1, floors[j], caps[j], mmrs[j], amounts[j],
                         max(1.0, round(0.5 / mmrs[j])), unit) for j in range(k)), NOW_MS))
    return holdings, rows, tables
