"""OKX perpetual swaps (USDT-margined linear, coin-margined inverse), isolated margin.

Source: OKX help centre "Tiered maintenance margin ratio rules" (published 2022-06-16,
updated 2025-05-16; read 2026-12-02): forced liquidation when the margin ratio falls to
100 %, "your account equity is equal to or less than the required maintenance margin plus
any applicable liquidation fees"; isolated margin ratio = (margin balance + PnL) / (face value
× |contracts| × mark price (÷ mark for coin-margined) × (tiered margin rate + fee rate)).
So the requirement is valued at the mark with the taker fee rate added to the tier's rate;
the tier's rate applies to the whole position (no deduction, maintenance amount 0) and tiers
are bracketed in contracts, which do not change with the price. Initial margin: notional /
leverage.
"""

from __future__ import annotations

from perphedge.core.margin_rules.rule import MarginRule

SOURCE = 'OKX help centre "Tiered maintenance margin ratio rules" (updated 2025-05-16), read 2026-12-02'

LINEAR = MarginRule("OKX USDT swap", ("okx",), inverse=False, source=SOURCE, fee_in_maintenance=True)
INVERSE = MarginRule("OKX coin-margined swap", ("okx",), inverse=True, source=SOURCE, fee_in_maintenance=True)
