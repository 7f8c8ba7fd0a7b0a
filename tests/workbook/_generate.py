"""Seeded generator of portfolios and Market rows for the LibreOffice recalculation tests.

Every figure here is a SYNTHETIC input to the formulas (random but reproducible), not
market data: symbols are named SYN…/USDT:USDT on the made-up exchange "synthex".
"""

from __future__ import annotations

import random

from perphedge.core.marketdata import DataStatus, FundingPoint, MarketRow
from perphedge.workbook.holding import HoldingInput

EXCHANGE = "synthex"
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
    status = DataStatus(rng.choice([EXCHANGE, "snapshot"]),
                        NOW_MS - rng.randrange(0, 10 * 86_400_000), rng.random() < 0.3,
                        "synthetic reason")
    return MarketRow(
        f"SYN{i}/USDT:USDT", EXCHANGE, spot, mark, index, rate, interval,
        None if rng.random() < 0.5 else NOW_MS + 3_600_000, size, step, minimum, inverse,
        rng.choice([None, 0.0004, 0.0005, 0.0006]),
        rng.choice([None, 0.004, 0.005, 0.01, 0.025]),
        rng.choice([None, 0.0, 0.0, 5.0, 50.0]), status)


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
            asset=f"A{i}",
            qty=10 ** rng.uniform(-3, 4),
            hedge_symbol=rows[i].symbol if not cross else rows[(i + 1) % n].symbol,
            exchange=EXCHANGE,
            strategy=strategy,
            hedge_ratio=ratio,
            leverage=rng.choice([1.0, 2.0, round(rng.uniform(1, 20), 2), 20.0, 3.0]),
            beta=rng.uniform(0.5, 1.6) if cross else 1.0,
            held_contracts=None if rng.random() < 0.5 else round(rng.uniform(0, 50), 3),
            price_symbol=rows[i].symbol if cross else None,
        ))
    return holdings, rows


def special_cases() -> tuple[list[HoldingInput], list[MarketRow]]:
    """Edge cases written out (synthetic): below the minimum, a 1× inverse short that can
    never be liquidated, margin below maintenance at 125×, a symbol missing from the Market
    table, a quantity exactly on a step (0.3 BTC-like at a 0.001 step), a cross hedge whose
    beta is to come from an empty Beta sheet."""
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
    ]
    holdings = [
        HoldingInput("E1", 1.0, "EDGE1/USDT:USDT", EXCHANGE, "Custom", 0.2),  # 0.2 < 0.5 min
        HoldingInput("E2", 2.0, "EDGE2/USD:EDGE2", EXCHANGE, "Capital Preservation"),  # 1× inverse
        HoldingInput("E3", 3.0, "EDGE3/USDT:USDT", EXCHANGE, "Custom", 0.9, 125.0),  # at entry
        HoldingInput("E4", 1.0, "MISSING/USDT:USDT", EXCHANGE, "Custom", 0.5),
        HoldingInput("E5", 0.6, "EDGE4/USDT:USDT", EXCHANGE, "Custom", 0.5),  # 0.3 exactly
        # cross hedge pointing at the Beta sheet, which holds no prices here
        HoldingInput("E6", 10.0, "EDGE4/USDT:USDT", EXCHANGE, "Custom", 0.5, beta_from_sheet=True,
                     price_symbol="EDGE3/USDT:USDT"),
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
        out[(f"SYN{k}/USDT:USDT", EXCHANGE)] = pts
    return out
