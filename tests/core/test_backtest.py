"""The backtest walk (core.backtest) against figures computed here, independently, from the
recorded BTC settlements (read with the csv module) and from synthetic paths (stated)."""

from __future__ import annotations

import bisect
import csv
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perphedge.core.backtest import NO_MARKS_REASON, HedgePolicy, Settlement, backtest
from perphedge.core.errors import InvalidInput
from perphedge.core.liquidation import liquidation_price_short
from perphedge.core.margin_rules import rule_for

BTC = (Path(__file__).resolve().parents[1] / "fixtures" / "history" / "BTspaceC__crypto-swing-backtest"
       / "full" / "BTCUSDT_funding.csv")
H8 = 8 * 3_600_000


def rows() -> list[tuple[int, float, float | None]]:
    with BTC.open(newline="") as f:
        return [(int(r["fundingTime"]), float(r["fundingRate"]), float(r["markPrice"]) if r["markPrice"] else None)
                for r in csv.DictReader(f)]


def ms(day: str) -> int:
    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()) * 1000


def between(start: str, end_exclusive: str, marks: bool = True) -> list[Settlement]:
    lo, hi = ms(start), ms(end_exclusive)
    return [Settlement(t, r, m if marks else None) for t, r, m in rows() if lo <= t < hi]


def synthetic(marks: list[float], rate: float = 0.0001) -> list[Settlement]:
    """A SYNTHETIC path: settlements 8 h apart from 2025-01-01, one rate, the given marks."""
    t0 = ms("2025-01-01")
    return [Settlement(t0 + i * H8, rate, m) for i, m in enumerate(marks)]


# ---- funding against the recorded file --------------------------------------------------

def test_funding_over_2024_to_october_equals_the_independent_sum():
    # 1 BTC hedged 50 % at 1x from 2024-01-01 through 2024-10-31: BTC stayed below the
    # short's liquidation price (about 2 x 42,314), so the hedge is 0.5 BTC throughout.
    window = between("2024-01-01", "2024-11-01")
    independent = sum(rate * mark * 0.5 for t, rate, mark in rows()
                      if ms("2024-01-01") <= t < ms("2024-11-01"))
    result = backtest(HedgePolicy(0.5, leverage=1.0, band=0.05), 1.0, window)
    assert result.liquidations == () and result.rebalances == 0
    assert set(result.path.short_qty) == {-0.5}
    assert result.funding_total == pytest.approx(independent, rel=1e-12)
    assert result.funding_total == pytest.approx(2923.7657, abs=1e-3)
    # average hedged notional = mean of 0.5 x mark; years = settlements x 8 h
    average = sum(0.5 * s.mark for s in window) / len(window)
    assert result.average_hedged_notional == pytest.approx(average, rel=1e-12)
    years = len(window) * 8 / (24 * 365)
    assert result.funding_apr == pytest.approx(independent / average / years, rel=1e-12)
    assert result.funding_fraction == pytest.approx(independent / average, rel=1e-12)


def test_the_whole_of_2024_at_1x_is_liquidated_in_november():
    # At 1x the 0.5 BTC short opened at 42,313.9 is liquidated at (M + qE) / (q x 1.005):
    # the first 2024 mark at or above it is 2024-11-12 00:00 (88,729); the loss is capped at
    # the margin 21,156.95 (0.5 x (88,729 - 42,313.9) = 23,207.55 would exceed it).
    result = backtest(HedgePolicy(0.5, leverage=1.0, band=0.05), 1.0, between("2024-01-01", "2025-01-01"))
    (liq,) = result.liquidations
    assert result.liquidated and result.first_liquidation_ms == liq.time_ms
    assert datetime.fromtimestamp(liq.time_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M") == "2024-11-12 00:00"
    assert liq.liq_price == pytest.approx((21156.95 + 0.5 * 42313.9) / (0.5 * 1.005))
    assert liq.loss == pytest.approx(21156.95) == pytest.approx(liq.margin)
    assert result.rebalances == 1  # re-opened at the next settlement (ratio 0 is outside the 5 % band)


def test_a_full_hedge_nets_price_pnl_to_zero_at_every_settlement():
    # 2025: no liquidation of a 1x short (BTC stayed below twice its first mark)
    result = backtest(HedgePolicy(1.0, leverage=1.0, amount_step=0.0, taker_fee=0.0), 1.0,
                      between("2025-01-01", "2026-01-01"))
    assert result.liquidations == () and result.fees_total == 0.0
    p = result.path
    assert all(s + h == 0.0 for s, h in zip(p.spot_pnl, p.hedge_pnl))
    assert any(s != 0.0 for s in p.spot_pnl)
    # what is left is the funding: hedged equity = the spot value at the start + funding so far
    assert p.hedged_equity[-1] == pytest.approx(p.mark[0] + result.funding_total, rel=1e-12)
    assert result.variance_reduction == pytest.approx(1.0, abs=1e-3)


def test_a_zero_hedge_is_the_unhedged_path_exactly():
    marked = [Settlement(t, r, m) for t, r, m in rows() if m is not None]
    result = backtest(HedgePolicy(0.0, taker_fee=0.0005), 1.0, marked)
    assert result.path.hedged_equity == result.path.unhedged_equity
    assert result.funding_total == 0.0 and result.fees_total == 0.0 and result.rebalances == 0
    assert result.max_drawdown_hedged == result.max_drawdown_unhedged
    assert result.daily_vol_hedged == result.daily_vol_unhedged
    assert result.variance_reduction == 0.0
    assert result.funding_apr is None  # no notional to earn on


# ---- rebalancing and liquidation on synthetic paths -------------------------------------

def test_rebalance_trades_only_when_the_ratio_leaves_the_band():
    # SYNTHETIC: 1 unit, 50 % at 2x opened at 100: margin 25, liquidation at
    # (25 + 50) / (0.5 x 1.005) = 149.25; the mark reaches 150 at settlement 2.
    path = synthetic([100.0, 110.0, 150.0, 150.0, 140.0, 130.0])
    fee = 0.001
    reopened = backtest(HedgePolicy(0.5, leverage=2.0, band=0.05, taker_fee=fee), 1.0, path)
    assert [x.time_ms for x in reopened.liquidations] == [path[2].time_ms]
    # ratio 0 is 0.5 from the target, outside 5 %: re-opened at the NEXT check (settlement 3)
    assert reopened.rebalances == 1
    assert reopened.path.short_qty == (-0.5, -0.5, 0.0, -0.5, -0.5, -0.5)
    assert reopened.path.fees == (fee * 0.5 * 100, 0.0, 0.0, fee * 0.5 * 150, 0.0, 0.0)
    # the re-opened short has its own entry and liquidation price
    assert reopened.path.liq_price[3] == pytest.approx((37.5 + 75) / (0.5 * 1.005))
    # band 50 %: ratio 0 is exactly at the edge, inside it: never re-opened
    kept = backtest(HedgePolicy(0.5, leverage=2.0, band=0.5, taker_fee=fee), 1.0, path)
    assert kept.rebalances == 0 and kept.path.short_qty[2:] == (0.0,) * 4
    assert kept.path.fees[1:] == (0.0,) * 5


def test_no_trade_when_the_rounded_target_is_already_held():
    # SYNTHETIC: 55 % of 1 unit at step 0.1 is 0.5 contracts; the ratio 0.5 is 5 points from
    # the target, outside a 1 % band at every settlement, but the rounded target is held.
    result = backtest(HedgePolicy(0.55, band=0.01, amount_step=0.1, taker_fee=0.001), 1.0,
                      synthetic([100.0, 101.0, 99.0, 100.0]))
    assert result.rebalances == 0
    assert result.path.short_qty == (-0.5,) * 4
    assert result.fees_total == pytest.approx(0.001 * 0.5 * 100)


def test_contracts_round_down_to_the_step_in_exact_decimal():
    # SYNTHETIC: 70 % of 0.1 is 0.07 at step 0.01 (binary floats give 0.06999999999999999)
    result = backtest(HedgePolicy(0.7, amount_step=0.01), 0.1, synthetic([100.0, 100.0]))
    assert result.path.short_qty[0] == -0.07
    result = backtest(HedgePolicy(0.5, amount_step=0.3), 1.0, synthetic([100.0, 100.0]))
    assert result.path.short_qty[0] == -0.3  # 0.5 rounded DOWN to a multiple of 0.3


@pytest.mark.parametrize("exchange", ["binanceusdm", "okx", "bybit"])
def test_liquidation_at_the_first_mark_at_or_above_the_liquidation_price(exchange):
    fee = 0.0005
    lp = liquidation_price_short(100.0, 1.0, 50.0, 0.005, 0.0, rule=rule_for(exchange, inverse=False),
                                 fee_rate=fee)
    if exchange == "binanceusdm":
        assert lp == pytest.approx(150 / 1.005)  # (M + qE) / (q (1 + mmr)), Binance's formula
    # SYNTHETIC: 1 unit fully hedged at 2x from 100; just below, then exactly at the price
    path = synthetic([100.0, 120.0, lp - 0.01, lp, lp + 5.0])
    result = backtest(HedgePolicy(1.0, leverage=2.0, band=0.05, taker_fee=fee, exchange=exchange), 1.0, path)
    assert result.path.liq_price[0] == lp
    first = result.liquidations[0]
    assert first.time_ms == path[3].time_ms and first.liq_price == lp
    assert first.loss == pytest.approx(lp - 100.0) and first.loss <= first.margin == 50.0
    # the short's P&L over the opened position is the capped loss; no funding at the liquidation
    assert sum(result.path.hedge_pnl[:4]) == pytest.approx(-(lp - 100.0))
    assert result.path.funding[3] == 0.0 and result.path.funding[2] == pytest.approx(1.0 * (lp - 0.01) * 0.0001)


def test_an_unknown_venue_uses_the_declared_default_rule_and_says_so():
    path = synthetic([100.0, 100.0])
    assert backtest(HedgePolicy(0.5, exchange="okx"), 1.0, path).liquidation_rule_note is None
    result = backtest(HedgePolicy(0.5, exchange="kraken"), 1.0, path)
    assert result.liquidation_rule_note == "liquidation price by Binance's rule: kraken's own is not known"


def test_a_jump_past_the_liquidation_price_loses_the_margin_only():
    # SYNTHETIC: 0.5 short at 2x from 100 (margin 25); the mark jumps to 300
    result = backtest(HedgePolicy(0.5, leverage=2.0, band=1.0), 1.0, synthetic([100.0, 300.0, 310.0]))
    (liq,) = result.liquidations
    assert liq.loss == 25.0 == liq.margin and liq.short_qty == -0.5
    assert result.path.hedge_pnl == (0.0, -25.0, 0.0)
    # unhedged from then: the holding alone moves
    assert result.path.hedged_equity[2] - result.path.hedged_equity[1] == result.path.spot_pnl[2] == 10.0


# ---- per-year table and the funding-only path -------------------------------------------

def test_sum_of_rates_by_year_equals_an_independent_group_by():
    by_year: dict[int, float] = defaultdict(float)
    counts: dict[int, int] = defaultdict(int)
    for t, rate, _ in rows():
        year = datetime.fromtimestamp(t // 1000, UTC).year
        by_year[year] += rate
        counts[year] += 1
    result = backtest(HedgePolicy(0.5), 1.0, [Settlement(t, r, None) for t, r, _ in rows()])
    assert [y.year for y in result.by_year] == sorted(by_year)
    for row in result.by_year:
        assert row.sum_rates == pytest.approx(by_year[row.year], abs=1e-12)
        assert row.settlements == counts[row.year]
    measured = {2020: 0.172, 2021: 0.306, 2022: 0.042, 2023: 0.079, 2024: 0.120, 2025: 0.051}
    got = {y.year: y.sum_rates for y in result.by_year}
    for year, share in measured.items():
        assert got[year] == pytest.approx(share, abs=0.001)  # the README's figures, to 0.1 %
    assert result.settlements == 7741


def test_funding_only_path_gives_no_price_figures_and_says_why():
    result = backtest(HedgePolicy(0.5), 1.0, between("2020-01-01", "2021-01-01", marks=False))
    assert result.price_figures_reason == NO_MARKS_REASON
    assert result.path is None and result.funding_total is None and result.variance_reduction is None
    assert all(y.funding is None and y.hedged_return is None for y in result.by_year)
    (year,) = result.by_year
    assert year.year == 2020 and year.settlements == 1098
    assert result.rates_apr == pytest.approx(result.sum_rates / (1098 * 8 / 8760))


def test_yearly_returns_chain_to_the_whole_walk():
    result = backtest(HedgePolicy(0.5, taker_fee=0.0005), 1.0, between("2023-11-01", "2026-12-31"))
    growth_h = growth_u = 1.0
    for y in result.by_year:
        growth_h *= 1 + y.hedged_return
        growth_u *= 1 + y.unhedged_return
    start = result.path.mark[0]
    assert growth_u == pytest.approx(result.final_unhedged_equity / start)
    assert growth_h == pytest.approx(result.final_hedged_equity / start)
    assert sum(y.funding for y in result.by_year) == pytest.approx(result.funding_total)
    assert 0 < result.max_drawdown_hedged < result.max_drawdown_unhedged
    assert result.worst_30d_unhedged < result.worst_30d_hedged < 0


def test_risk_figures_equal_an_independent_computation():
    # The unhedged equity is the spot value (mark x qty): its statistics from the marks here.
    window = between("2023-11-01", "2026-12-31")
    result = backtest(HedgePolicy(0.5, leverage=3.0, taker_fee=0.0005), 1.0, window)
    marks = [s.mark for s in window]
    times = [s.time_ms for s in window]

    def drawdown(values):
        peak, worst = values[0], 0.0
        for x in values:
            peak = max(peak, x)
            worst = max(worst, 1 - x / peak)
        return worst

    def daily_vol(values):
        closes = {}
        for t, x in zip(times, values):
            closes[datetime.fromtimestamp(t // 1000, UTC).date()] = x  # the day's last settlement
        days = [closes[d] for d in sorted(closes)]
        rets = [b / a - 1 for a, b in zip(days, days[1:])]
        mean = sum(rets) / len(rets)
        return (sum((r - mean) ** 2 for r in rets) / (len(rets) - 1)) ** 0.5

    def worst_30d(values):
        worst = None
        for i, t in enumerate(times):
            j = bisect.bisect_right(times, t - 30 * 86_400_000) - 1  # the latest 30+ days before
            if j >= 0:
                r = values[i] / values[j] - 1
                worst = r if worst is None else min(worst, r)
        return worst

    hedged = list(result.path.hedged_equity)
    assert result.max_drawdown_unhedged == pytest.approx(drawdown(marks), rel=1e-12)
    assert result.max_drawdown_hedged == pytest.approx(drawdown([marks[0], *hedged]), rel=1e-12)
    assert result.daily_vol_unhedged == pytest.approx(daily_vol(marks), rel=1e-9)
    assert result.daily_vol_hedged == pytest.approx(daily_vol(hedged), rel=1e-9)
    assert result.variance_reduction == pytest.approx(1 - daily_vol(hedged) ** 2 / daily_vol(marks) ** 2, rel=1e-9)
    assert result.worst_30d_unhedged == pytest.approx(worst_30d(marks), rel=1e-12)
    assert result.worst_30d_hedged == pytest.approx(worst_30d(hedged), rel=1e-12)
    # hedged equity = spot value + short P&L + funding - fees, summed here from the columns
    p = result.path
    assert hedged[-1] == pytest.approx(marks[-1] + sum(p.hedge_pnl) + sum(p.funding) - sum(p.fees), rel=1e-12)


# ---- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"hedge_ratio": 1.5}, "hedge_ratio must be between 0 and 1, got 1.5"),
    ({"hedge_ratio": 0.5, "leverage": 0.5}, "leverage must be at least 1, got 0.5"),
    ({"hedge_ratio": 0.5, "band": -0.1}, "band must be between 0 and 1, got -0.1"),
    ({"hedge_ratio": 0.5, "contract_size": 0.0}, "contract_size must be greater than 0, got 0.0"),
    ({"hedge_ratio": 0.5, "taker_fee": float("nan")}, "taker_fee must be a finite number, got nan"),
    ({"hedge_ratio": 0.5, "exchange": " "}, "exchange must be a non-empty text, got ' '"),
])
def test_bad_policy_names_the_argument(kwargs, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(")):
        HedgePolicy(**kwargs)


def test_bad_settlements_name_the_argument():
    policy = HedgePolicy(0.5)
    with pytest.raises(InvalidInput, match="qty must be greater than 0, got 0"):
        backtest(policy, 0, synthetic([100.0, 100.0]))
    with pytest.raises(InvalidInput, match=r"settlements\[1\].time_ms must be after"):
        backtest(policy, 1.0, [Settlement(2 * H8, 0.0, 1.0), Settlement(H8, 0.0, 1.0)])
    with pytest.raises(InvalidInput, match=r"settlements\[1\].mark must be given on every settlement or on none"):
        backtest(policy, 1.0, [Settlement(H8, 0.0, 1.0), Settlement(2 * H8, 0.0, None)])
    with pytest.raises(InvalidInput, match=r"settlements\[0\].mark must be greater than 0, got -1.0"):
        backtest(policy, 1.0, [Settlement(H8, 0.0, -1.0), Settlement(2 * H8, 0.0, 1.0)])
    with pytest.raises(InvalidInput, match=r"settlements\[0\].rate must be a finite number, got inf"):
        backtest(policy, 1.0, [Settlement(H8, float("inf"), 1.0), Settlement(2 * H8, 0.0, 1.0)])
    with pytest.raises(InvalidInput, match="settlements must hold at least two settlements"):
        backtest(policy, 1.0, synthetic([100.0]))
    with pytest.raises(InvalidInput, match="policy must be a HedgePolicy"):
        backtest(0.5, 1.0, synthetic([100.0, 100.0]))  # type: ignore[arg-type]
