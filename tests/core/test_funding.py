import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.errors import InvalidInput
from perphedge.core.funding import (
    FundingSummary,
    funding_apr,
    funding_pnl_short,
    infer_interval_hours,
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
    assert s == FundingSummary(5, pytest.approx(mean), pytest.approx(mean * 3 * 365), 8.0,
                               JITTERED[0], JITTERED[-1], "history")
    later = summarize_funding(points, since_ms=JITTERED[2])
    assert later.count == 3 and later.start_ms == JITTERED[2]
    assert later.mean_rate_per_interval == pytest.approx((-0.00006 + 0.00004 + 0.0001) / 3)
    given_hours = summarize_funding(points, interval_hours=4)
    assert given_hours.interval_hours == 4.0 and given_hours.interval_source == "given"
    assert given_hours.apr == pytest.approx(mean * 6 * 365)


def test_single_point_assumes_default_interval():
    s = summarize_funding([FundingPoint(JITTERED[0], 0.0001)])
    assert (s.interval_hours, s.interval_source) == (8.0, "assumed")


def test_summarize_bad_input():
    with pytest.raises(InvalidInput, match="points must hold at least one settlement"):
        summarize_funding([])
    with pytest.raises(InvalidInput, match=r"points\[0\] must be a FundingPoint"):
        summarize_funding([(1, 0.0001)])
    with pytest.raises(InvalidInput, match=r"points\[0\].rate_per_interval must be a finite number, got nan"):
        summarize_funding([FundingPoint(1, float("nan"))])
    with pytest.raises(InvalidInput, match="points must hold at least one settlement"):
        summarize_funding([FundingPoint(1, 0.0001)], since_ms=2)
