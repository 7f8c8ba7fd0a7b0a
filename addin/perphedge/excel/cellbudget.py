"""How long a live Excel function may wait for an exchange.

Excel recalculates on its UI thread: while a cell waits, Excel is frozen. The market
layer's defaults suit a command or a button (10 s per request, two retries with
back-off); inside a cell they could hold Excel for half a minute per endpoint. Cells
therefore ask once, with a short timeout, and a failure falls back at once to the last
good value, marked stale with the reason (or to a message in the cell), so that no cell
holds Excel for more than about :data:`CELL_TIMEOUT_MS` plus the time to read the answer.
"""

from __future__ import annotations

from dataclasses import replace

from perphedge.market.config import MarketConfig

#: One request's timeout inside a cell (ccxt's ``timeout``, milliseconds).
CELL_TIMEOUT_MS = 2_500
#: Retries inside a cell: none; the next recalculation after the cache's TTL asks again.
CELL_RETRIES = 0


def cell_market_config(base: MarketConfig | None = None) -> MarketConfig:
    """The user's market settings (``base``, default: environment and config file) with
    the cell's timeout and no retries. A shorter configured timeout is kept."""
    base = base if base is not None else MarketConfig.from_env()
    return replace(base, timeout_ms=min(base.timeout_ms, CELL_TIMEOUT_MS), retries=CELL_RETRIES)
