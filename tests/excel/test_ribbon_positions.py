"""Refresh prices fills the Positions sheet too: the recorded Binance account answers
replayed through the real ccxt code, written into a fake xlwings book whose every call is
checked against the installed xlwings (``Checked``)."""

from __future__ import annotations

import pytest

from perphedge.core.errors import MarketError
from perphedge.core.positions import SHEET_COLUMNS
from perphedge.excel import ribbon
from perphedge.refresh.positions import line_status_formula
from tests.commands.test_positions import _replay_account
from tests.excel.test_ribbon import HEADERS, NOW_MS, Checked, FakeBook, FakeRange, FakeSheet, Grid, Notes, Source

WIDTH = len(SHEET_COLUMNS)
HEADER_ROW = 5


class SizedRange(FakeRange):
    """FakeRange plus what the Positions write uses: its first row, resize, clear."""

    @property
    def row(self):
        return self.r0

    def resize(self, row_size=None, column_size=None):
        return SizedRange(self.grid, self.r0, self.c0, row_size or self.shape[0], column_size or self.shape[1])

    def __getitem__(self, key):
        r = super().__getitem__(key)
        return SizedRange(r.grid, r.r0, r.c0, *r.shape)

    def clear_contents(self):
        for row in self._coords():
            for rc in row:
                self.grid.cells.pop(rc, None)


class PositionsTable:
    name = "Positions"

    def __init__(self, grid, lines=1):
        self.grid, self.lines = grid, lines

    @property
    def range(self):
        return SizedRange(self.grid, HEADER_ROW, 1, 1 + self.lines, WIDTH)

    @property
    def data_body_range(self):
        return SizedRange(self.grid, HEADER_ROW + 1, 1, self.lines, WIDTH)

    @property
    def header_row_range(self):
        return SizedRange(self.grid, HEADER_ROW, 1, 1, WIDTH)

    def resize(self, range):
        range = getattr(range, "_fake", range)   # the range as the checked book handed it over
        assert (range.r0, range.c0, range.shape[1]) == (HEADER_ROW, 1, WIDTH)
        self.lines = range.shape[0] - 1


class Name:
    def __init__(self, grid, cell):
        self.refers_to_range = SizedRange(grid, *cell, 1, 1)


class PositionsBook(FakeBook):
    def __init__(self):
        super().__init__(HEADERS, (("BTC/USDT:USDT", "binanceusdm"), ("BTC/USD:BTC", "binancecoinm")))
        self.positions_grid = Grid()
        self.table = PositionsTable(self.positions_grid)
        self.sheets.append(FakeSheet([self.table]))
        self.names = {"PositionsStatus": Name(self.positions_grid, (2, 1)),
                      "PositionsRead": Name(self.positions_grid, (4, 2))}

    def line(self, i):
        return [self.positions_grid.cells.get((HEADER_ROW + 1 + i, j)) for j in range(1, WIDTH + 1)]


def _host(tmp_path, account):
    return ribbon.Host(lambda: pytest.fail("the book was given"), tmp_path / "logs" / "refresh.log",
                       tmp_path / "logs" / "refresh.lock", Notes(), account)


def test_refresh_prices_reads_the_positions_of_the_market_tables_keyed_exchanges(tmp_path):
    book = PositionsBook()
    res = ribbon.refresh_active_workbook(Checked(book, "Book"), Source(), now_ms=NOW_MS,
                                         host=_host(tmp_path, lambda: _replay_account(tmp_path)))
    assert res is not None and res.fresh == 2 and not book.app.alerts
    assert book.table.lines == 2
    lines = {(book.line(i)[0], book.line(i)[1]): book.line(i) for i in range(2)}
    usdm, coinm = lines[("binanceusdm", "BTC/USDT:USDT")], lines[("binancecoinm", "BTC/USD:BTC")]
    # the recorded positions: a 0.009 BTC long on USDⓈ-M (counts against a hedge), a cross
    # short of 3 BTCUSD_PERP with Binance's own liquidation price
    assert usdm[3] == -0.009 and coinm[3] == 3 and coinm[7] == "cross" and coinm[13] == 72491.16879818
    # read with no plan: the status is the workbook's Portfolio's word, by formula
    rows = {book.line(i)[1]: HEADER_ROW + 1 + i for i in range(2)}
    for r in rows.values():
        assert book.positions_grid.cells[(r, 3)] == "=" + line_status_formula(r)
        assert (r, 3) in book.positions_grid.formula2_cells
    assert book.positions_grid.cells[(4, 2)] == "binanceusdm, binancecoinm"
    status = book.positions_grid.cells[(2, 1)]
    assert status.startswith("Read ") and "2 open position(s)" in status
    assert "Warning:" in status   # the recorded keys can trade


def test_a_failed_read_keeps_the_lines_and_the_market_refresh(tmp_path):
    book = PositionsBook()
    ribbon.refresh_active_workbook(Checked(book, "Book"), Source(), now_ms=NOW_MS,
                                   host=_host(tmp_path, lambda: _replay_account(tmp_path)))
    before = [book.line(i) for i in range(2)]

    def refusing():
        account = _replay_account(tmp_path)

        def fail(exchange):
            raise MarketError(f"{exchange} rejected the API key: set it again")
        account.positions = fail
        return account

    res = ribbon.refresh_active_workbook(Checked(book, "Book"), Source(), now_ms=NOW_MS,
                                         host=_host(tmp_path, refusing))
    assert res is not None and res.fresh == 2 and not book.app.alerts   # the Market refresh stands
    assert [book.line(i) for i in range(2)] == before
    status = book.positions_grid.cells[(2, 1)]
    assert status.startswith("Not refreshed ") and "rejected the API key" in status
    assert "rejected the API key" in (tmp_path / "logs" / "refresh.log").read_text()


def test_fewer_lines_than_before_leave_no_old_line_behind(tmp_path):
    book = PositionsBook()
    ribbon.refresh_active_workbook(Checked(book, "Book"), Source(), now_ms=NOW_MS,
                                   host=_host(tmp_path, lambda: _replay_account(tmp_path)))
    assert book.table.lines == 2

    def only_coinm():
        account = _replay_account(tmp_path)
        real = account.positions
        account.positions = lambda ex: real(ex) if ex == "binancecoinm" else ()
        return account

    ribbon.refresh_active_workbook(Checked(book, "Book"), Source(), now_ms=NOW_MS,
                                   host=_host(tmp_path, only_coinm))
    assert book.table.lines == 1 and book.line(0)[1] == "BTC/USD:BTC"
    assert all(v is None for v in book.line(1))


def test_without_a_key_nothing_is_written(tmp_path):
    from perphedge.market.config import MarketConfig

    book = PositionsBook()
    account = _replay_account(tmp_path)
    account.config = MarketConfig(cache_dir=tmp_path / "cache")   # no key for either exchange
    ribbon.refresh_active_workbook(Checked(book, "Book"), Source(), now_ms=NOW_MS,
                                   host=_host(tmp_path, lambda: account))
    assert book.positions_grid.cells == {}
    assert "no read-only API key for binanceusdm, binancecoinm" in (tmp_path / "logs" / "refresh.log").read_text()
