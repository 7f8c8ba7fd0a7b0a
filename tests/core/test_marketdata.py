"""Statuses of recorded figures: every date says which figures it dates, an undated recording
shows no date, and the banner spans the dates the rows hold.

The times below are synthetic inputs to the wording (epoch ms written out by hand), not
market data.
"""

from perphedge.core.marketdata import (
    NO_DATA,
    RECORDED,
    UNDATED_MS,
    DataStatus,
    MarketRow,
    no_data_row,
    recorded_note,
    recorded_reason,
    status_text,
    status_word,
)

OCT_3_0800 = 1_791_014_400_000      # 2026-10-03 08:00:00 UTC
JUL_29_1139 = 1_753_789_140_000     # 2025-07-29 11:39:00 UTC


def _row(exchange: str, status: DataStatus) -> MarketRow:
    return MarketRow("X/USDT:USDT", exchange, None, 1.0, None, None, None, None, 1.0, 0.001,
                     0.001, False, None, None, None, status)


def test_each_date_names_the_figures_it_dates_newest_first():
    text = recorded_reason([("spot price", JUL_29_1139), ("perp price", OCT_3_0800),
                            ("funding", OCT_3_0800)])
    assert text == ("recorded snapshot: perp price and funding recorded 2026-10-03 08:00 UTC; "
                    "spot price recorded 2025-07-29 11:39 UTC")
    assert status_word(text) == "recorded"


def test_what_is_missing_and_what_is_undated_are_said_after_the_dates():
    text = recorded_reason([("spot price", JUL_29_1139)], absent=["perp price", "funding"],
                           undated="contract spec: recording date not stated")
    assert text == ("recorded snapshot: spot price recorded 2025-07-29 11:39 UTC; no perp price "
                    "or funding recorded; contract spec: recording date not stated")
    assert recorded_reason(()) == RECORDED


def test_an_undated_recording_has_no_age_and_no_as_of():
    st = DataStatus("snapshot", UNDATED_MS, True, "recorded snapshot: contract spec: undated")
    assert st.undated
    assert st.text(OCT_3_0800) == "stale: recorded snapshot: contract spec: undated (no recording date)"
    # a live answer stamped 0 is not "undated": it is an implausible stamp, judged elsewhere
    assert not DataStatus("binanceusdm", 0).undated
    # a recorded status with no reason is dated by its As of, never by "of <date>"
    assert status_text(_row("okx", DataStatus("snapshot", OCT_3_0800, True)), OCT_3_0800) == \
        "recorded snapshot: figures recorded 2026-10-03 08:00 UTC"


def test_a_recording_served_in_place_of_live_says_why_then_which():
    st = DataStatus("snapshot", OCT_3_0800, True,
                    "binanceusdm unreachable: refused; recorded snapshot: funding recorded "
                    "2026-10-03 08:00 UTC", in_place_of_live=True)
    text = status_text(_row("binanceusdm", st), OCT_3_0800)
    assert text == ("recorded in place of live: binanceusdm unreachable: refused; recorded "
                    "snapshot: funding recorded 2026-10-03 08:00 UTC")
    assert text[:8] == "recorded"      # the Portfolio counts it by LEFT(status, 8)


def test_the_banner_gives_one_date_when_every_row_has_it():
    rows = [_row("binanceusdm", DataStatus("snapshot", OCT_3_0800, True, "r"))] * 2
    assert recorded_note(rows) == ("Market values: recorded snapshot (binanceusdm), not live — "
                                   "figures recorded 2026-10-03 08:00 UTC. Refresh before trading.")


def test_the_banner_spans_the_rows_dates_and_counts_undated_and_missing_rows():
    rows = [_row("okx", DataStatus("snapshot", JUL_29_1139, True, "r")),
            _row("bybit", DataStatus("snapshot", OCT_3_0800, True, "r")),
            _row("binanceusdm", DataStatus("snapshot", UNDATED_MS, True, "r")),
            no_data_row("SOL/USDT:USDT", "binanceusdm")]
    assert recorded_note(rows) == (
        "Market values: recorded snapshot (binanceusdm, bybit, okx), not live — figures recorded "
        "2025-07-29 to 2026-10-03: each row's Status says which figure is from when; 1 row has "
        f"no recorded price or funding (As of blank); 1 row is not in the recording ({NO_DATA}). "
        "Refresh before trading.")
