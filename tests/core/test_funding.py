import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.errors import InvalidInput
from perphedge.core.funding import (
    FundingSummary,
    funding_apr,
    funding_pnl_short,
    infer_interval_hours,
    settlement_aprs,
    settlement_intervals,
    settlements,
    summarize_funding,
)
from perphedge.core.marketdata import FundingPoint


def test_short_receives_positive_funding():
    # $1,000,000 short at +0.01 % per 8 h for 30 days: 90 settlements * $100 = +$9,000.
    assert settlements(30) == 90.0
    assert funding_pnl_short(1_000_000, 0.0001, 30) == pytest.approx(9_000.0)


def test_negative_rate_pays():
    assert funding_pnl_short(1_000_000, -0.0001, 30) == pytest.approx(-9_000.0)


def test_apr_of_one_basis_point_per_8h():
    # 0.0001 * 3 * 365 = 0.1095 = 10.95 %
    assert funding_apr(0.0001) == pytest.approx(0.1095)
    assert funding_apr(0.0001, interval_hours=4) == pytest.approx(0.219)
    assert funding_apr(-0.0001, interval_hours=1) == pytest.approx(-0.876)


def test_other_intervals():
    assert settlements(1, 1) == 24.0
    assert funding_pnl_short(100_000, 0.00005, 2, interval_hours=4) == pytest.approx(100_000 * 0.00005 * 12)


@given(st.floats(-0.01, 0.01), st.sampled_from([1.0, 4.0, 8.0]), st.floats(0.01, 100))
def test_apr_linear_in_rate(rate, hours, k):
    assert funding_apr(rate * k, hours) == pytest.approx(k * funding_apr(rate, hours), rel=1e-12, abs=1e-15)


@given(st.floats(0, 1e9), st.floats(-0.01, 0.01), st.floats(0, 365), st.floats(0.01, 100))
def test_funding_linear_in_notional_and_days(notional, rate, days, k):
    base = funding_pnl_short(notional, rate, days)
    assert funding_pnl_short(notional * k, rate, days) == pytest.approx(k * base, rel=1e-12, abs=1e-9)
    assert funding_pnl_short(notional, rate, days * k) == pytest.approx(k * base, rel=1e-12, abs=1e-9)
    assert (base >= 0) == (rate >= 0) or base == 0


# Settlement stamps as Binance sends them, with a few ms of jitter (the style of the
# recorded BTCUSDT history, e.g. 1766188800005); rates are synthetic inputs.
JITTERED = [1766188800005, 1766217600000, 1766246400012, 1766275200001, 1766304000000]


def test_infer_interval_tolerates_jitter():
    assert infer_interval_hours(JITTERED) == 8.0
    assert infer_interval_hours(list(reversed(JITTERED))) == 8.0
    assert infer_interval_hours([0, 3_600_000, 7_200_003, 10_800_000]) == 1.0
    assert infer_interval_hours([JITTERED[0]]) is None
    assert infer_interval_hours([]) is None


def test_infer_interval_median_ignores_a_gap():
    # One missing settlement (16 h gap) among 8 h gaps still gives 8 h.
    times = [0, 8, 16, 32, 40, 48]
    assert infer_interval_hours([t * 3_600_000 for t in times]) == 8.0


def test_summarize_funding():
    rates = [0.0001, 0.0002, -0.00006, 0.00004, 0.0001]
    points = [FundingPoint(t, r) for t, r in zip(JITTERED, rates)]
    s = summarize_funding(points)
    mean = sum(rates) / 5
    # 5 settlements of 8 h each (the first counts the gap to the next): a 40 h window.
    assert s == FundingSummary(5, pytest.approx(mean), pytest.approx(mean * 3 * 365), 8.0,
                               JITTERED[0], JITTERED[-1], "history", 40.0, (8.0,), False)
    later = summarize_funding(points, since_ms=JITTERED[2])
    assert later.count == 3 and later.start_ms == JITTERED[2]
    assert later.mean_rate_per_interval == pytest.approx((-0.00006 + 0.00004 + 0.0001) / 3)
    # The window's first settlement counts from the one before it: 3 × 8 h.
    assert later.window_hours == 24.0
    # A stated interval does not override what the history's spacing shows: its rates are
    # per 8 h, whatever the exchange states now.
    stated = summarize_funding(points, interval_hours=4)
    assert (stated.interval_hours, stated.interval_source) == (8.0, "history")
    assert stated.apr == s.apr


def test_single_point_assumes_default_interval():
    s = summarize_funding([FundingPoint(JITTERED[0], 0.0001)])
    assert (s.interval_hours, s.interval_source) == (8.0, "assumed")
    assert (s.window_hours, s.intervals_hours, s.interval_changed) == (8.0, (8.0,), False)


def test_single_point_uses_the_stated_interval():
    # One settlement shows no interval: the caller's (the exchange's) 4 h is its interval.
    # 0.0001 per 4 h = 0.0001 * 6 * 365 = 0.219.
    s = summarize_funding([FundingPoint(JITTERED[0], 0.0001)], interval_hours=4)
    assert (s.interval_hours, s.interval_source, s.window_hours) == (4.0, "given", 4.0)
    assert s.apr == pytest.approx(0.219)


# -- a history whose interval changed -------------------------------------------------------

H = 3_600_000
# SYNTHETIC inputs (not market data): 60 settlements 8 h apart, then the market moves to 4 h
# and 60 settlements follow 4 h apart, every one at +0.01 %.
T0 = 1_766_188_800_000
CHANGED_TIMES = [T0 + i * 8 * H for i in range(60)]
CHANGED_TIMES += [CHANGED_TIMES[-1] + (i + 1) * 4 * H for i in range(60)]
CHANGED = [FundingPoint(t, 0.0001) for t in CHANGED_TIMES]


def test_changed_interval_annualises_each_settlement_over_its_own_interval():
    # By hand: 120 settlements earn 120 * 0.0001 = 0.012 over 60 * 8 h + 60 * 4 h = 720 h
    # = 30 days, so 0.012 * 365 / 30 = 0.146 = 14.6 % a year (simple). One interval for the
    # whole history is off either way: the median gap (4 h here, 60 of the 119 gaps) says
    # 0.0001 * 6 * 365 = 21.9 %, 8 h says 0.0001 * 3 * 365 = 10.95 %.
    s = summarize_funding(CHANGED)
    assert s.count == 120 and s.window_hours == 720.0
    assert s.apr == pytest.approx(0.146, rel=1e-12)
    assert s.mean_rate_per_interval == pytest.approx(0.0001)
    assert s.interval_changed and s.intervals_hours == (4.0, 8.0)
    assert (s.interval_hours, s.interval_source) == (4.0, "history")  # in force at the end
    # The last 7 days (168 h) hold only 4-hourly settlements: 42 of them, 0.0042 earned
    # over 168 h = 0.0042 * 8760 / 168 = 0.219 = 21.9 %, one interval in the window.
    week = summarize_funding(CHANGED, since_ms=CHANGED_TIMES[-1] - 7 * 24 * H + 60_000)
    assert (week.count, week.window_hours, week.interval_changed) == (42, 168.0, False)
    assert week.apr == pytest.approx(0.219, rel=1e-12)


def test_settlement_intervals_and_aprs_of_the_changed_history():
    hours = settlement_intervals(CHANGED_TIMES)
    # The first settlement has no settlement before it: its interval is the next gap, 8 h.
    # The first 4-hourly one comes 4 h after the last 8-hourly one: its interval is 4 h.
    assert hours == (8.0,) * 60 + (4.0,) * 60
    aprs = settlement_aprs(CHANGED)
    # 0.0001 per 8 h = 0.0001 * 3 * 365 = 10.95 %; per 4 h = 0.0001 * 6 * 365 = 21.9 %.
    assert [h for h, _ in aprs] == list(hours)
    assert [a for _, a in aprs[:60]] == pytest.approx([0.1095] * 60)
    assert [a for _, a in aprs[60:]] == pytest.approx([0.219] * 60)


def test_settlement_intervals_round_jitter_and_take_a_stated_interval_for_one_point():
    assert settlement_intervals(JITTERED) == (8.0,) * 5  # gaps of 8 h ± 12 ms
    assert settlement_intervals([0, 3 * H, 4 * H]) == (3.0, 3.0, 1.0)
    assert settlement_intervals([0], 4) == (4.0,)
    assert settlement_intervals([]) == ()
    assert settlement_aprs([FundingPoint(0, -0.0002)], 1) == ((1.0, pytest.approx(-0.0002 * 24 * 365)),)


def test_settlement_intervals_bad_input():
    with pytest.raises(InvalidInput,
                       match="single_interval_hours must be given for a history of one settlement, got None"):
        settlement_intervals([0])
    with pytest.raises(InvalidInput, match="single_interval_hours must be greater than 0, got 0"):
        settlement_intervals([0], 0)
    after = "must be more than half an hour after the settlement before it"
    with pytest.raises(InvalidInput, match=rf"times_ms\[2\] {after} \(28800000\), got 28800005"):
        settlement_intervals([0, 8 * H, 8 * H + 5])
    with pytest.raises(InvalidInput, match=rf"times_ms\[1\] {after} \(28800000\), got 0"):
        settlement_intervals([8 * H, 0])
    with pytest.raises(InvalidInput, match=r"times_ms\[0\] must be a finite number, got nan"):
        settlement_intervals([float("nan")])
    with pytest.raises(InvalidInput, match="times_ms must be a list of times in ms"):
        settlement_intervals("0, 1")
    with pytest.raises(InvalidInput, match=r"points\[1\] must be a FundingPoint"):
        settlement_aprs([FundingPoint(0, 0.0001), (1, 0.0001)])


def test_constant_interval_history_gives_what_it_gave_before():
    # The one-interval rule (mean * 24 / interval * 365) exactly, for 8 h, 4 h and 1 h
    # histories with the exchanges' jitter; rates synthetic.
    rates = [0.0001, 0.0002, -0.00006, 0.00004, 0.0001]
    for hours in (8, 4, 1):
        times = [T0 + i * hours * H + j for i, j in enumerate((5, 0, 12, 1, 0))]
        s = summarize_funding([FundingPoint(t, r) for t, r in zip(times, rates)])
        mean = sum(rates) / 5
        assert s.apr == mean * (24 / hours) * 365
        assert (s.interval_hours, s.intervals_hours, s.interval_changed) == (hours, (hours,), False)
        assert s.window_hours == 5 * hours


@given(st.lists(st.tuples(st.integers(1, 24), st.integers(0, 16),
                          st.floats(-0.003, 0.003, allow_subnormal=False)), min_size=2, max_size=60),
       st.data())
def test_funding_earned_is_apr_times_window_years(steps, data):
    # Random positive whole-hour gaps with a few ms of jitter, random rates (synthetic).
    times, t = [], T0
    for gap, jitter, _ in steps:
        t += gap * H
        times.append(t + jitter)
    points = [FundingPoint(t, r) for t, (_, _, r) in zip(times, steps)]
    first = data.draw(st.integers(0, len(points) - 1))
    s = summarize_funding(points, since_ms=times[first])
    kept = [r for _, _, r in steps[first:]]
    # The window by hand: each kept settlement's gap since the one before it; the history's
    # first settlement counts the gap to the next.
    gaps = [g for g, _, _ in steps]
    own = [gaps[1]] + gaps[1:]
    assert s.window_hours == sum(own[first:])
    assert sum(kept) == pytest.approx(s.apr * s.window_hours / (24 * 365), rel=1e-9, abs=1e-15)
    assert s.interval_changed == (len(set(own[first:])) > 1)


def test_summarize_bad_input():
    with pytest.raises(InvalidInput, match="points must hold at least one settlement"):
        summarize_funding([])
    with pytest.raises(InvalidInput, match=r"points\[0\] must be a FundingPoint"):
        summarize_funding([(1, 0.0001)])
    with pytest.raises(InvalidInput, match=r"points\[0\].rate_per_interval must be a finite number, got nan"):
        summarize_funding([FundingPoint(1, float("nan"))])
    with pytest.raises(InvalidInput, match="points must hold at least one settlement"):
        summarize_funding([FundingPoint(1, 0.0001)], since_ms=2)
    # Two settlements at (nearly) the same time: no interval to count them over.
    with pytest.raises(InvalidInput, match=r"points\[0\].time_ms must be more than half an hour after "
                                           r"the settlement before it \(28800000\), got 28800003"):
        summarize_funding([FundingPoint(28_800_003, 0.0001), FundingPoint(0, 0.0001),
                           FundingPoint(28_800_000, 0.0001)])
