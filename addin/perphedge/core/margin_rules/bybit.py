"""Bybit USDT (linear) and inverse perpetuals, isolated margin.

Linear source: Bybit help centre "Liquidation Price (USDT Contract)", isolated mode (read
2026-12-02): LP(short) = Entry Price + (Initial Margin − Maintenance Margin) / Position Size,
with Position Value = size × ENTRY price, IM = Position Value / leverage, MM = Position Value
× MMR − MM deduction. The requirement is charged on the value at entry, so the risk-limit
tier is the entry size's. Worked example (help centre): 1 BTC short at 8,000 USDT, 40×, MMR
0.5 % → 8,000 + (200 − 40) = 8,160.

Inverse source: Bybit help centre "Liquidation Price Calculation under Isolated Mode (Unified
Trading Account)" (last updated 2026-05-27; read 2026-12-02): LP(short) = Position Size ×
(1 − MMR) ÷ (Position Size ÷ Entry − Position Size ÷ Entry ÷ Leverage − MM Deduction), with
the position value at the mark: the mark-valued condition, tiers in the coin.

Both add the estimated fee to close at the bankruptcy price to the margin asked at opening
("Initial Margin = Position Value / Leverage + Estimated Fee to Close Position") and to the
maintenance requirement, where the two cancel in the liquidation price.
"""

from __future__ import annotations

from perphedge.core.margin_rules.rule import MarginRule

LINEAR_SOURCE = 'Bybit help centre "Liquidation Price (USDT Contract)", read 2026-12-02'
INVERSE_SOURCE = ('Bybit help centre "Liquidation Price Calculation under Isolated Mode (Unified '
                  'Trading Account)" (updated 2026-05-27), read 2026-12-02')

LINEAR = MarginRule("Bybit USDT perpetual", ("bybit",), inverse=False, source=LINEAR_SOURCE,
                    maintenance_at_entry=True, fee_to_close_in_margin=True)
INVERSE = MarginRule("Bybit inverse perpetual", ("bybit",), inverse=True, source=INVERSE_SOURCE,
                     fee_to_close_in_margin=True)
