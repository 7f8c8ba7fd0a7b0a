"""Reconciliation of exchange positions with the plan. Numbers are synthetic inputs to the
formulas; expected values are hand calculations stated beside them."""

from __future__ import annotations

import pytest

from perphedge.core.errors import InvalidInput
from perphedge.core.positions import (
    CROSS,
    ISOLATED,
    MATCHED,
    MODE_NOT_REPORTED,
    NO_POSITION,
    OVER,
    UNDER,
    UNKNOWN,
    KeyPermissions,
    PlannedHedge,
    Position,
    key_warning,
    reconcile,
)

EX = "binanceusdm"


def _pos(symbol: str, contracts: float, mode: str = ISOLATED, *, hedge_mode: bool = False,
         inverse: bool = False, entry: float = 100.0, margin: float | None = 10.0,
         liq: float | None = None, exchange: str = EX, size: float = 1.0) -> Position:
    return Position(exchange, symbol, contracts, size, inverse, mode, hedge_mode,
                    entry_price=entry, mark_price=entry, isolated_margin=margin,
                    liquidation_price=liq)


def _plan(symbol: str, target: float, exchange: str = EX) -> PlannedHedge:
    return PlannedHedge(exchange, symbol, target, 0.5, 0.001, 0.005)


def test_matched_under_over_unknown_and_missing() -> None:
    positions = [_pos("A/USDT:USDT", -2.0), _pos("B/USDT:USDT", -1.0),
                 _pos("C/USDT:USDT", -3.0), _pos("Z/USDT:USDT", -5.0)]
    plans = [_plan("A/USDT:USDT", 2.0), _plan("B/USDT:USDT", 2.0),
             _plan("C/USDT:USDT", 2.0), _plan("D/USDT:USDT", 4.0)]
    rows = {r.symbol: r for r in reconcile(positions, plans)}
    assert rows["A/USDT:USDT"].status == MATCHED
    assert rows["A/USDT:USDT"].contracts_to_trade == 0.0
    b = rows["B/USDT:USDT"]
    # 1 of 2 planned contracts held: half the 50 % target ratio; sell 1 more.
    assert (b.status, b.contracts_to_trade, b.actual_ratio) == (UNDER, 1.0, 0.25)
    c = rows["C/USDT:USDT"]
    assert (c.status, c.contracts_to_trade, c.actual_ratio) == (OVER, -1.0, 0.75)
    d = rows["D/USDT:USDT"]
    assert (d.status, d.held_contracts, d.contracts_to_trade) == (NO_POSITION, 0.0, 4.0)
    z = rows["Z/USDT:USDT"]
    assert (z.status, z.held_contracts, z.target_contracts) == (UNKNOWN, 5.0, None)


def test_isolated_liquidation_hand_calculation_and_flag() -> None:
    # Binance USD-M isolated short: LP = (margin + cum + entry*qty) / (qty*(1 + mmr))
    # = (10 + 0 + 100*1) / (1*1.005) = 109.4527...
    expected = 110.0 / 1.005
    row, = reconcile([_pos("A/USDT:USDT", -1.0, liq=expected)], [_plan("A/USDT:USDT", 1.0)])
    assert row.perphedge_liquidation_price == pytest.approx(expected, rel=1e-12)
    assert row.liquidation_flag is None
    # An exchange price 1 % away from ours is beyond the 0.5 % tolerance: flagged.
    row, = reconcile([_pos("A/USDT:USDT", -1.0, liq=expected * 1.01)], [_plan("A/USDT:USDT", 1.0)])
    assert row.liquidation_flag is not None and "tier" in row.liquidation_flag


def test_inverse_position_counts_contracts_and_uses_coin_margin() -> None:
    # 10 contracts of 100 USD at entry 50 000: 1 000 USD = 0.02 BTC; margin 0.01 BTC (2x).
    # Coin equity of an inverse short at P: margin + 1000/P - 1000/entry; maintenance
    # mmr * 1000/P. Zero at P = 1000*(1 - mmr) / (1000/entry - margin)
    # = 1000*0.995 / (0.02 - 0.01) = 99 500.
    pos = _pos("BTC/USD:BTC", -10.0, inverse=True, entry=50_000.0, margin=0.01, size=100.0,
               exchange="binancecoinm")
    row, = reconcile([pos], [_plan("BTC/USD:BTC", 10.0, exchange="binancecoinm")])
    assert row.status == MATCHED
    assert row.held_contracts == 10.0
    assert row.perphedge_liquidation_price == pytest.approx(99_500.0, rel=1e-9)


def test_cross_and_hedge_mode_are_labelled_not_computed() -> None:
    rows = reconcile([_pos("A/USDT:USDT", -1.0, CROSS, liq=150.0),
                      _pos("B/USDT:USDT", -1.0, hedge_mode=True, liq=150.0)],
                     [_plan("A/USDT:USDT", 1.0), _plan("B/USDT:USDT", 1.0)])
    assert [r.margin_label for r in rows] == ["cross", "isolated, hedge mode"]
    assert all(r.perphedge_liquidation_price is None and r.liquidation_flag is None
               for r in rows)
    assert rows[0].exchange_liquidation_price == 150.0


def test_a_margin_mode_the_venue_does_not_report_is_labelled_and_not_computed() -> None:
    row, = reconcile([_pos("A/USDT:USDT", -1.0, MODE_NOT_REPORTED, liq=150.0)],
                     [_plan("A/USDT:USDT", 1.0)])
    assert row.margin_label == MODE_NOT_REPORTED
    assert row.perphedge_liquidation_price is None and row.exchange_liquidation_price == 150.0
    with pytest.raises(InvalidInput, match="margin_mode"):
        reconcile([_pos("A/USDT:USDT", -1.0, "portfolio")], [])


def test_key_warning_for_any_power_beyond_reading() -> None:
    assert key_warning(KeyPermissions("okx", True, False, False, True)) is None
    assert key_warning(KeyPermissions("okx", None, None, None, None)) is None  # nothing reported
    withdraw = key_warning(KeyPermissions("bybit", True, False, True, True))
    assert withdraw is not None and "can withdraw:" in withdraw and "perphedge keys set bybit" in withdraw
    open_ip = key_warning(KeyPermissions("bybit", True, True, False, False))
    assert open_ip is not None and "trade and be used from any IP address" in open_ip


def test_with_no_amount_step_an_equal_count_is_matched_not_over_hedged() -> None:
    plan = PlannedHedge(EX, "A/USDT:USDT", 0.3, 0.5, 0.0, 0.005)
    # 0.1 + 0.2 contracts held in two fills: 0.30000000000000004, the plan's 0.3
    row, = reconcile([_pos("A/USDT:USDT", -(0.1 + 0.2))], [plan])
    assert row.status == MATCHED
    row, = reconcile([_pos("A/USDT:USDT", -0.31)], [plan])
    assert row.status == OVER


def test_sheet_lines_follow_the_plan_or_say_there_was_none() -> None:
    from perphedge.core.positions import NOT_PLANNED, SHEET_COLUMNS, sheet_rows

    # hedge mode: a long and a short on one market; a plain short on another
    long_, short = (_pos("A/USDT:USDT", 1.0, hedge_mode=True, entry=90.0),
                    _pos("A/USDT:USDT", -3.0, hedge_mode=True, entry=110.0))
    other = _pos("B/USDT:USDT", -2.0, entry=50.0)
    lines = sheet_rows([long_, short, other], None)
    assert [(x.line.symbol, x.line.status, x.line.held_contracts, x.entry_price) for x in lines] == [
        ("A/USDT:USDT", NOT_PLANNED, -1.0, 90.0), ("A/USDT:USDT", NOT_PLANNED, 3.0, 110.0),
        ("B/USDT:USDT", NOT_PLANNED, 2.0, 50.0)]
    planned = sheet_rows([long_, short, other], reconcile([long_, short, other],
                                                          [_plan("A/USDT:USDT", 2.0)]))
    # one line per planned market (held 3 − 1 = 2: matched), then the unplanned one; two
    # positions on a market have no single entry to show
    assert [(x.line.symbol, x.line.status, x.line.held_contracts, x.entry_price) for x in planned] == [
        ("A/USDT:USDT", MATCHED, 2.0, None), ("B/USDT:USDT", UNKNOWN, 2.0, 50.0)]
    assert len(planned[1].values()) == len(SHEET_COLUMNS)
    assert planned[1].values()[:3] == [EX, "B/USDT:USDT", UNKNOWN]


# -- two holdings on one market; the Portfolio's view of the Positions sheet ------------------
# Synthetic inputs to the rules (not market data).

def test_holdings_on_one_market_are_reconciled_together():
    from perphedge.core.positions import reconcile

    a = PlannedHedge(EX, "A/USDT:USDT", 2.0, 0.5, 0.001, 0.005)
    b = PlannedHedge(EX, "A/USDT:USDT", 6.0, 1.0, 0.001, 0.005)
    (row,) = reconcile([_pos("A/USDT:USDT", -8.0)], [a, b])
    # one market, 2 + 6 = 8 contracts planned, held 8: matched; ratio (0.5×2 + 1×6) / 8
    assert (row.status, row.target_contracts, row.contracts_to_trade) == ("matched", 8.0, 0.0)
    assert row.actual_ratio == pytest.approx(7 / 8)


def _read(*lines, exchanges=(EX,)):
    from perphedge.core.positions import PositionsRead, SheetLine

    return PositionsRead(tuple(exchanges), tuple(SheetLine(EX, s, h, m) for s, h, m in lines))


def test_a_blank_held_cell_takes_the_short_open_on_its_market():
    from perphedge.core.positions import held_view

    v = held_view(None, True, EX, "A/USDT:USDT", _read(("A/USDT:USDT", 3.0, 150.0)), 1, 5.0, 1.0)
    assert (v.lines, v.synced, v.used, v.label, v.margin) == (1, 3.0, 3.0, "exchange: under-hedged", 150.0)
    # within one amount step of the target: matched; above it: over-hedged
    assert held_view(None, True, EX, "A/USDT:USDT", _read(("A/USDT:USDT", 4.5, 1.0)), 1, 5.0, 1.0).label \
        == "exchange: matched"
    assert held_view(None, True, EX, "A/USDT:USDT", _read(("A/USDT:USDT", 7.0, 1.0)), 1, 5.0, 1.0).label \
        == "exchange: over-hedged"


def test_hedge_mode_lines_net_and_a_cross_line_has_no_isolated_margin():
    from perphedge.core.positions import NOT_ISOLATED, held_view

    read = _read(("A/USDT:USDT", 5.0, 100.0), ("A/USDT:USDT", -1.0, None))   # a short and a long
    v = held_view(None, True, EX, "A/USDT:USDT", read, 1, 4.0, 0.001)
    assert (v.lines, v.synced, v.label, v.margin) == (2, 4.0, "exchange: matched", NOT_ISOLATED)


def test_nothing_open_on_a_read_exchange_is_no_position_and_an_unread_one_is_not_read():
    from perphedge.core.positions import PositionsRead, held_view

    none = held_view(None, True, EX, "A/USDT:USDT", _read(), 1, 5.0, 1.0)
    assert (none.lines, none.synced, none.used, none.label, none.margin) == (0, 0.0, 0.0, "exchange: no position", "")
    other = held_view(None, True, EX, "A/USDT:USDT", _read(exchanges=("bybit",)), 1, 5.0, 1.0)
    assert (other.synced, other.used, other.label) == ("", "", f"not read on {EX}")
    never = held_view(None, True, EX, "A/USDT:USDT", PositionsRead(), 1, 5.0, 1.0)
    assert (never.synced, never.used, never.label) == ("", "", "")


def test_typed_held_contracts_win_and_say_whether_the_exchange_agrees():
    from perphedge.core.positions import PositionsRead, held_view

    read = _read(("A/USDT:USDT", 3.0, 1.0))
    assert held_view(3.0, True, EX, "A/USDT:USDT", read, 1, 5.0, 1.0).label == "typed (as on the exchange)"
    differs = held_view(2.0, True, EX, "A/USDT:USDT", read, 1, 5.0, 1.0)
    assert (differs.used, differs.label) == (2.0, "typed (differs from the exchange)")
    assert held_view(2.0, True, EX, "A/USDT:USDT", PositionsRead(), 1, 5.0, 1.0).label == "typed"
    bad = held_view("two", False, EX, "A/USDT:USDT", read, 1, 5.0, 1.0)
    assert (bad.used, bad.label) == ("", "typed")


def test_a_market_two_holdings_share_is_not_split_by_guess():
    from perphedge.core.positions import HELD_SHARED, held_view

    v = held_view(None, True, EX, "A/USDT:USDT", _read(("A/USDT:USDT", 3.0, 1.0)), 2, 5.0, 1.0)
    assert (v.synced, v.used, v.label, v.margin) == ("", "", HELD_SHARED, "")


def test_the_read_list_is_read_as_written_and_case_blind():
    from perphedge.core.positions import PositionsRead

    r = PositionsRead.parse("binanceusdm, Bybit")
    assert r.exchanges == ("binanceusdm", "Bybit") and r.covers("bybit") and not r.covers("okx")
    assert r.text() == "binanceusdm, Bybit" and PositionsRead.parse(None).exchanges == ()
