"""``perphedge demo``: the hedge plan on the source guide's own example portfolio."""

from __future__ import annotations

import click

from perphedge.commands.plan import echo_plan
from perphedge.core.plan import Holding, plan_hedge

#: The guide's worked example: 10 BTC at $50,000 hedged 50 %, and $100,000 of ETH at
#: $3,000 hedged in full (33.333 contracts at a 0.001 step). The 0.001 step and minimum
#: are those of Binance USDⓈ-M BTCUSDT / ETHUSDT in ccxt's recorded market data.
GUIDE_HOLDINGS = (
    Holding("BTC", 10, 50_000, 0.5, leverage=1, amount_step=0.001, min_amount=0.001),
    Holding("ETH", 100_000 / 3_000, 3_000, 1.0, leverage=1, amount_step=0.001, min_amount=0.001),
)

NOTES = (
    "Demo: the source guide's example portfolio at the guide's illustrative prices "
    "(BTC $50,000, ETH $3,000) - not live or recorded market data.",
    "Hedge at 1x; maintenance margin a flat 0.5 % (an illustrative rate, not an exchange tier); "
    "contract steps 0.001 as on Binance USDS-M.",
)


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def demo(as_json: bool) -> None:
    """Run the hedge plan on the guide's example portfolio (illustrative prices)."""
    echo_plan(plan_hedge(GUIDE_HOLDINGS), as_json, NOTES)
