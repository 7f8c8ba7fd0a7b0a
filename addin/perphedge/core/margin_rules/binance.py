"""Binance USDⓈ-M and COIN-M futures, isolated margin.

Source: Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts" and
"How to Calculate Liquidation Price of COIN-M Futures Contracts" (binance.com support), the
rule perphedge's first version implemented and tested against Binance's published examples
and ccxt's binance module; re-stated here 2026-12-02. Liquidation when the margin balance
falls to the maintenance margin ``MM = notional × MMR − cum`` at the mark price; isolated: the
other-positions terms vanish. The tier is the one of the position's size at the liquidation
price ("recompute with that tier"), sizes in USDT (USDⓈ-M) or in the coin (COIN-M). No fee
in the condition; the initial margin is notional / leverage.
"""

from __future__ import annotations

from perphedge.core.margin_rules.rule import MarginRule

SOURCE = ('Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts" / '
          '"... of COIN-M Futures Contracts", read 2026-12-02')

USDM = MarginRule("Binance USDⓈ-M", ("binanceusdm", "binance"), inverse=False, source=SOURCE)
COINM = MarginRule("Binance COIN-M", ("binancecoinm", "binance"), inverse=True, source=SOURCE)
