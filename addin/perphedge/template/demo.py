"""The demo workbook and the template, both from the embedded recorded snapshot.

Demo portfolio (quantities are illustrative inputs, not anyone's holdings): BTC hedged
with the BTC perp (Tactical Defense), ETH hedged with the ETH perp (Capital Preservation,
part of the short already held, so the rebalance column speaks), and a second ETH holding
hedged with the BTC perp at its beta, computed from the snapshot's recorded 8-hourly mark
prices of ETH and BTC (``core.beta``; the workbook's Beta sheet computes the same by
formula). Every market value is the recorded snapshot's, labelled with its date.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from perphedge.core.beta import BetaResult, min_variance_hedge
from perphedge.core.conventions import DEFAULT_EXCHANGE, utc_text
from perphedge.core.holdings import HoldingInput, holding_from_market
from perphedge.core.marketdata import MarketRow, recorded_note
from perphedge.core.plan import Holding
from perphedge.market.snapshot.data import load_snapshot
from perphedge.market.snapshot.source import SnapshotSource
from perphedge.template.assemble import HISTORY_DAYS, gather
from perphedge.template.beta_sheet import BetaSeries
from perphedge.template.build import build_workbook
from perphedge.template.layout import SETTINGS
from perphedge.template.tiers_sheet import TierTable

EXCHANGE = DEFAULT_EXCHANGE   # the recorded demo markets are Binance USDⓈ-M perps
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
#: The workbook's DefaultMMR setting: used when a Market row has no maintenance rate.
DEFAULT_MMR = float(next(s.default for s in SETTINGS if s.name == "DefaultMMR"))
TEMPLATE_MARKETS = ((BTC, EXCHANGE), (ETH, EXCHANGE))

DEMO_HOLDINGS = (
    HoldingInput("BTC", 2.5, BTC, EXCHANGE, "Tactical Defense", None, 2.0),
    HoldingInput("ETH", 40.0, ETH, EXCHANGE, "Capital Preservation", None, 2.0,
                 held_contracts=30.0),
    HoldingInput("ETH", 25.0, BTC, EXCHANGE, "Capital Preservation", None, 1.0,
                 beta_from_sheet=True, price_symbol=ETH),
)


@dataclass(frozen=True)
class DemoSummary:
    path: Path
    holdings: tuple[HoldingInput, ...]
    beta: BetaResult
    recorded_at: str
    market_rows: tuple[MarketRow, ...]
    notes: tuple[str, ...]
    tier_tables: tuple[TierTable, ...] = ()


def _source() -> SnapshotSource:
    return SnapshotSource(load_snapshot())


def beta_series(source: SnapshotSource) -> BetaSeries:
    """ETH and BTC perp mark prices at the same recorded 8-hourly settlements."""
    eth = source.mark_history(ETH, HISTORY_DAYS, EXCHANGE).value
    btc = source.mark_history(BTC, HISTORY_DAYS, EXCHANGE).value
    by_time = {t // 60_000: p for t, p in btc}  # stamps carry ms jitter; match by minute
    pairs = [(t, p, by_time[t // 60_000]) for t, p in eth if t // 60_000 in by_time]
    return BetaSeries(
        "ETH", BTC, tuple(t for t, _, _ in pairs), tuple(a for _, a, _ in pairs),
        tuple(b for _, _, b in pairs),
        "Recorded Binance USDS-M mark prices at each 8-hourly funding settlement "
        "(embedded snapshot; BTspaceC/crypto-swing-backtest, MIT), not live.")


def build_demo(path: str | Path) -> DemoSummary:
    """Build ``perpetual_hedge_demo.xlsx``-style demo workbook at ``path``."""
    source = _source()
    inputs = gather(DEMO_HOLDINGS, source, EXCHANGE)
    series = beta_series(source)
    beta = min_variance_hedge(series.asset_prices, series.hedge_prices)
    note = recorded_note(inputs.market_rows) + " Quantities are illustrative inputs."
    result = build_workbook(inputs.holdings, inputs.market_rows, inputs.funding_history, path,
                            beta_series=(series, *inputs.beta_series), data_note=note, tier_tables=inputs.tier_tables)
    notes = (
        note,
        f"ETH hedged with the BTC perp at β = {beta.hedge_ratio:.4f} (correlation "
        f"{beta.correlation:.3f}, {beta.n_returns} recorded 8-hourly returns).",
    ) + inputs.messages
    return DemoSummary(result.path, inputs.holdings, beta, utc_text(source.snapshot.recorded_at_ms),
                       tuple(inputs.market_rows), notes, tuple(inputs.tier_tables))


def plan_holdings(summary: DemoSummary) -> tuple[Holding, ...]:
    """The demo's holdings as core ``Holding``s, priced by the workbook's own rule
    (``core.holdings.holding_from_market``): the asset at its Market row's spot (the
    recorded mark when no spot was recorded, said in the line), the short at the hedge
    perp's mark (else index, else spot) with that market's contract figures and tiers."""
    rows = {(r.symbol, r.exchange): r for r in summary.market_rows}
    tiers = {(t.symbol, t.exchange): t.tiers for t in summary.tier_tables}
    return tuple(holding_from_market(h, rows, tiers, DEFAULT_MMR, sheet_beta=summary.beta.hedge_ratio,
                                     default_exchange=EXCHANGE)
                 for h in summary.holdings)


def build_template(path: str | Path) -> Path:
    """The shipped template: no holdings, Market rows and funding history for the BTC and
    ETH perps from the recorded snapshot (labelled as such)."""
    source = _source()
    inputs = gather((), source, EXCHANGE, extra=TEMPLATE_MARKETS)
    return build_workbook((), inputs.market_rows, inputs.funding_history, path,
                          data_note=recorded_note(inputs.market_rows), tier_tables=inputs.tier_tables).path
