from perphedge.core import conventions as c
from perphedge.core.funding import funding_apr, funding_pnl_short


def test_signs_and_constants_pinned():
    assert (c.LONG, c.SHORT) == (1, -1)
    assert c.DEFAULT_INTERVAL_HOURS == 8.0
    assert c.MAX_ADVISED_LEVERAGE == 2.0
    assert c.MS_PER_HOUR * 24 == c.MS_PER_DAY


def test_positive_rate_means_the_short_receives():
    assert c.short_funding_sign(0.0001) == 1
    assert c.short_funding_sign(-0.0001) == -1
    assert c.short_funding_sign(0.0) == 0
    # the funding maths follows the same sign rule
    assert funding_pnl_short(1000, 0.0001, 1) > 0 > funding_pnl_short(1000, -0.0001, 1)


def test_apr_is_simple_not_compounded():
    assert funding_apr(0.0001, 8) == 0.0001 * 3 * 365
