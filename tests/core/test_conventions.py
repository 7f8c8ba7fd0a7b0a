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


def test_epoch_milliseconds_become_naive_utc_datetimes_exactly():
    from datetime import datetime

    from perphedge.core.conventions import utc_datetime, utc_text

    # 1773964800002 ms: Binance's stamp of the 2026-03-20 00:00 UTC settlement, 2 ms late.
    assert utc_datetime(1_773_964_800_002) == datetime(2026, 3, 20, 0, 0, 0, 2000)
    assert utc_datetime(0) == datetime(1970, 1, 1)
    assert utc_text(1_773_964_800_002) == "2026-03-20 00:00 UTC"
