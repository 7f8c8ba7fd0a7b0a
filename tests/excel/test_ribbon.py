"""The ribbon's refresh through a fake xlwings-like book: one range write per table,
status-bar progress, one alert on failure with the table left as it was."""

from __future__ import annotations

import inspect
from datetime import datetime
from decimal import Decimal

import pytest
import xlwings
import xlwings.main as xwm

from perphedge.excel import ribbon
from perphedge.excel.xltable import as_text

HEADERS = ["Symbol", "Exchange", "Spot", "Mark", "Index", "Funding rate", "Interval (h)",
           "Next funding (UTC)", "Contract size", "Amount step", "Min amount", "Inverse",
           "Taker fee", "MMR", "Maint. amount", "As of (UTC)", "Status"]
NOW_MS = 1_780_000_000_000


class Grid:
    def __init__(self):
        self.cells: dict[tuple[int, int], object] = {}
        self.value_writes = 0
        self.fail_after: int | None = None   # cells written before a write fails
        self.formula_reads = 0
        self.fail_formula_read: int | None = None   # the formula read (1-based) that fails
        self.formula2_cells: list[tuple[int, int]] = []   # cells written through Formula2


class FakeRange:
    """Just what the xlwings table layer uses: shape, 2-D slicing, value, formula.
    ``value`` has xlwings' dimension rules (a single cell is a scalar, one row or column
    a list, unless ``options(ndim=...)`` says otherwise)."""

    def __init__(self, grid, r0, c0, rows, cols, ndim=None):
        self.grid, self.r0, self.c0, self.shape, self.ndim = grid, r0, c0, (rows, cols), ndim

    def _coords(self):
        return [[(self.r0 + i, self.c0 + j) for j in range(self.shape[1])]
                for i in range(self.shape[0])]

    def options(self, ndim=None):
        return FakeRange(self.grid, self.r0, self.c0, *self.shape, ndim=ndim)

    def __getitem__(self, key):
        rows, cols = key
        r1, r2, _ = rows.indices(self.shape[0])
        c1, c2, _ = cols.indices(self.shape[1])
        return FakeRange(self.grid, self.r0 + r1, self.c0 + c1, r2 - r1, c2 - c1)

    @property
    def value(self):
        vals = [[self._read(self.grid.cells.get(rc)) for rc in row] for row in self._coords()]
        if self.ndim == 2:
            return vals
        if len(vals) == 1:
            return vals[0] if self.ndim == 1 or len(vals[0]) > 1 else vals[0][0]
        return [r[0] for r in vals] if len(vals[0]) == 1 else vals

    @value.setter
    def value(self, block):
        if not isinstance(block, (list, tuple)):   # one value for one cell, as xlwings takes it
            block = [[block]]
        self.grid.value_writes += 1
        n = 0
        for row, vals in zip(self._coords(), block):
            for rc, v in zip(row, vals):
                if self.grid.fail_after is not None and n >= self.grid.fail_after:
                    raise RuntimeError("Excel is busy")
                self.grid.cells[rc] = v
                n += 1

    @property
    def formula2(self):
        self.grid.formula_reads += 1
        if self.grid.formula_reads == self.grid.fail_formula_read:
            raise RuntimeError("Excel is busy")
        return tuple(tuple(self._formula(self.grid.cells.get(rc)) for rc in row)
                     for row in self._coords())

    @formula2.setter
    def formula2(self, block):
        if isinstance(block, str):      # one formula for the range, as xlwings takes it
            block = [[block] * self.shape[1]] * self.shape[0]
        for row, vals in zip(self._coords(), block):
            for rc, v in zip(row, vals):
                self.grid.cells[rc] = v
                self.grid.formula2_cells.append(rc)

    @staticmethod
    def _read(v):
        if isinstance(v, Currency):   # what pywin32 hands over for a "$"-formatted cell
            return Decimal(repr(v.number)).quantize(Decimal("0.0001"), rounding="ROUND_DOWN")
        return v[1:] if isinstance(v, str) and v.startswith("'") else v

    @staticmethod
    def _formula(v):
        if isinstance(v, Currency):
            return repr(v.number)
        return "" if v is None else v


class Currency:
    """A number in a currency-formatted cell: Range.Value gives COM's currency type (a
    Decimal of 4 decimal places on Windows), Range.Formula the full number."""

    def __init__(self, number):
        self.number = number


class FakeTable:
    def __init__(self, grid, name, top, rows, cols):
        self.name = name
        self.header_row_range = FakeRange(grid, top, 1, 1, cols)
        self.data_body_range = FakeRange(grid, top + 1, 1, rows, cols)


class FakeApp:
    def __init__(self):
        self.status_history, self.alerts = [], []
        self._status = False

    @property
    def status_bar(self):
        return self._status

    @status_bar.setter
    def status_bar(self, v):
        self._status = v
        self.status_history.append(v)

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append((prompt, title, mode))


class FakeSheet:
    def __init__(self, tables):
        self.tables = tables


class FakeBook:
    name = "hedge.xlsx"

    def __init__(self, headers=HEADERS, rows=(("BTC/USDT:USDT", "binanceusdm"),
                                              ("ETH/USDT:USDT", "bybit"))):
        self.grid = Grid()
        for j, h in enumerate(headers, start=1):
            self.grid.cells[(4, j)] = h
        for i, (s, e) in enumerate(rows, start=5):
            self.grid.cells[(i, headers.index("Symbol") + 1)] = s
            self.grid.cells[(i, headers.index("Exchange") + 1)] = e
            self.grid.cells[(i, headers.index("Mark") + 1)] = 10.0 * i      # synthetic
        self.app = FakeApp()
        self.sheets = [FakeSheet([]),
                       FakeSheet([FakeTable(self.grid, "Market", 4, len(rows), len(headers))])]


class Source:
    """Synthetic figures for the formula-free plumbing (not market data)."""

    def __init__(self, status_reason=None):
        self.status_reason = status_reason

    def market_rows(self, requests):
        from perphedge.core.marketdata import DataStatus, MarketRow

        out = []
        for k, (s, e) in enumerate(requests):
            # synthetic prices (spot, mark, index within the plausibility bounds)
            st = DataStatus(e, NOW_MS, stale=self.status_reason is not None,
                            reason=self.status_reason)
            out.append(MarketRow(s, e, 101.0 + k, 102.0 + k, 103.0 + k, 0.0001, 8.0, None, 1.0, 0.001,
                                 0.001, False, 0.0005, None, None, st))
        return out


class Broken:
    def market_rows(self, requests):
        from perphedge.core.errors import GeoBlocked

        raise GeoBlocked("HTTP 451 from binanceusdm; try bybit", "binanceusdm")


def col(name):
    return HEADERS.index(name) + 1


def test_refresh_writes_every_row_in_one_range_write_with_progress():
    book = FakeBook()
    res = ribbon.refresh_active_workbook(book, Source(), now_ms=NOW_MS)
    assert (res.rows, res.fresh) == (2, 2)
    g = book.grid
    assert g.value_writes == 1      # Spot..Status are contiguous: one write
    assert g.cells[(5, col("Mark"))] == 102.0 and g.cells[(6, col("Mark"))] == 103.0
    assert g.cells[(5, col("Symbol"))] == "BTC/USDT:USDT"       # inputs untouched
    assert g.cells[(6, col("Status"))] == "fresh"
    assert g.cells[(5, col("Next funding (UTC)"))] is None       # absent stays empty, never 0
    assert g.cells[(5, col("As of (UTC)"))] == datetime(2026, 5, 28, 20, 26, 40)
    assert g.cells[(5, col("Inverse"))] is False
    assert any("fetching market data for 2 rows" in str(s) for s in book.app.status_history)
    assert "2 market rows: 2 fresh" in res.summary()
    assert book.app.status_bar is False       # handed back to Excel
    assert book.app.alerts == []


def test_user_columns_split_the_write_into_one_write_per_contiguous_run():
    headers = HEADERS[:5] + ["My note"] + HEADERS[5:]
    book = FakeBook(headers=headers)
    book.grid.cells[(5, 6)] = "=C5*2"
    ribbon.refresh_active_workbook(book, Source())
    assert book.grid.value_writes == 2
    assert book.grid.cells[(5, 6)] == "=C5*2"


def test_failure_shows_one_alert_and_leaves_the_table_as_it_was():
    book = FakeBook()
    before = dict(book.grid.cells)
    assert ribbon.refresh_active_workbook(book, Broken()) is None
    assert book.grid.cells == before and book.grid.value_writes == 0
    assert len(book.app.alerts) == 1
    prompt, title, mode = book.app.alerts[0]
    assert "HTTP 451 from binanceusdm; try bybit" in prompt and "left as it was" in prompt
    assert title == "Perpetual Hedge" and mode == "critical"


def test_a_write_failing_half_way_puts_the_block_back():
    book = FakeBook()
    before = dict(book.grid.cells)
    book.grid.fail_after = 7
    assert ribbon.refresh_active_workbook(book, Source()) is None
    after = {k: v for k, v in book.grid.cells.items() if v not in (None, "")}
    assert after == {k: v for k, v in before.items() if v not in (None, "")}
    assert len(book.app.alerts) == 1 and "Excel is busy" in book.app.alerts[0][0]
    assert "Traceback" not in book.app.alerts[0][0]


def test_missing_table_is_one_clear_alert():
    book = FakeBook()
    book.sheets = [FakeSheet([])]
    assert ribbon.refresh_active_workbook(book, Source()) is None
    assert "no Excel table named 'Market'" in book.app.alerts[0][0]


def test_text_that_looks_like_a_formula_is_written_as_text():
    assert as_text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert as_text("-1") == "'-1" and as_text("fresh") == "fresh"
    book = FakeBook()
    ribbon.refresh_active_workbook(book, Source(status_reason="=cmd|'/c calc'!A1"))
    assert book.grid.cells[(5, col("Status"))].startswith("stale: =cmd")


class HalfBroken(Source):
    """bybit fails with nothing cached: all figures absent, stale with the reason."""

    def market_rows(self, requests):
        from perphedge.core.marketdata import DataStatus, MarketRow

        rows = super().market_rows(requests)
        return [MarketRow(r.symbol, r.exchange, *([None] * 13),
                          status=DataStatus("bybit", NOW_MS, True, "HTTP 503 from bybit"))
                if r.exchange == "bybit" else r for r in rows]


def test_failing_exchange_keeps_previous_values_in_the_same_single_write():
    book = FakeBook()
    book.grid.cells[(6, col("As of (UTC)"))] = datetime(2026, 5, 28, 18, 26, 40)
    book.grid.cells[(6, col("Funding rate"))] = "=0.0001*1"   # a formula in a kept cell
    res = ribbon.refresh_active_workbook(book, HalfBroken(), now_ms=NOW_MS)
    assert (res.fresh, res.kept) == (1, 1) and book.grid.value_writes == 1
    g = book.grid.cells
    assert g[(6, col("Mark"))] == 60.0                        # previous value kept
    assert g[(6, col("Funding rate"))] == "=0.0001*1"          # formula written back
    # ... through Formula2 (Formula, or a value write, would make a spilling one not spill)
    assert book.grid.formula2_cells == [(6, col("Funding rate"))]
    assert g[(6, col("As of (UTC)"))] == datetime(2026, 5, 28, 18, 26, 40)
    assert g[(6, col("Status"))] == "stale: HTTP 503 from bybit; previous values kept (age 2h 0m)"
    assert g[(5, col("Mark"))] == 102.0 and g[(5, col("Status"))] == "fresh"


def test_perphedge_main_refreshes_the_calling_book_offline(monkeypatch):
    import xlwings as xw

    import perphedge
    from perphedge.market.live import service

    book = FakeBook()
    monkeypatch.setenv("PERPHEDGE_OFFLINE", "1")
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    service.reset_service()
    try:
        perphedge.main()
    finally:
        service.reset_service()
    assert book.app.alerts == []
    status = book.grid.cells[(5, col("Status"))]
    assert "recorded snapshot" in status
    from perphedge.market.snapshot.source import SnapshotSource

    expected = SnapshotSource().market_rows([("BTC/USDT:USDT", "binanceusdm")])[0]
    assert book.grid.cells[(5, col("Mark"))] == expected.mark_price


# -- every call checked against the installed xlwings ----------------------------------

#: (xlwings class, attribute) -> the xlwings class of what it gives, as main.py annotates it
RETURNS = {
    ("Book", "sheets"): "Sheets", ("Book", "app"): "App", ("Sheets", "__iter__"): "Sheet",
    ("Sheet", "tables"): "Tables", ("Tables", "__iter__"): "Table",
    ("Table", "data_body_range"): "Range", ("Table", "header_row_range"): "Range",
    ("Range", "options"): "Range", ("Range", "__getitem__"): "Range",
    ("Book", "names"): "Names", ("Names", "__getitem__"): "Name", ("Name", "refers_to_range"): "Range",
    ("Table", "range"): "Range", ("Range", "resize"): "Range",
}


class Checked:
    """A fake object that only lets through what the xlwings class of the same role has:
    attributes that exist, property writes only where there is a setter, calls whose
    arguments bind to the real method's signature. A renamed or misspelt call fails here."""

    def __init__(self, fake, cls_name):
        object.__setattr__(self, "_fake", fake)
        object.__setattr__(self, "_cls", getattr(xwm, cls_name))

    def _wrap(self, value, name):
        ret = RETURNS.get((self._cls.__name__, name))
        return value if ret is None or value is None else Checked(value, ret)

    def __getattr__(self, name):
        real = inspect.getattr_static(self._cls, name, None)
        assert real is not None, f"xlwings.{self._cls.__name__} has no attribute {name!r}"
        ret = RETURNS.get((self._cls.__name__, name))
        if isinstance(real, property):
            if ret:
                assert ret in str(inspect.signature(real.fget).return_annotation)
            return self._wrap(getattr(self._fake, name), name)
        sig = inspect.signature(getattr(self._cls, name))

        def call(*args, **kwargs):
            sig.bind(self, *args, **kwargs)   # TypeError when xlwings has no such argument
            return self._wrap(getattr(self._fake, name)(*args, **kwargs), name)
        return call

    def __setattr__(self, name, value):
        real = inspect.getattr_static(self._cls, name, None)
        assert isinstance(real, property) and real.fset is not None, (
            f"xlwings.{self._cls.__name__}.{name} cannot be set")
        setattr(self._fake, name, value)

    def __getitem__(self, key):
        assert "__getitem__" in vars(self._cls), f"xlwings.{self._cls.__name__}[...]"
        return self._wrap(self._fake[key], "__getitem__")

    def __contains__(self, item):
        assert "__contains__" in vars(self._cls), f"... in xlwings.{self._cls.__name__}"
        return item in self._fake

    def __iter__(self):
        assert hasattr(self._cls, "__iter__"), f"iter(xlwings.{self._cls.__name__})"
        for item in self._fake:
            yield self._wrap(item, "__iter__")


def test_checked_fake_refuses_what_xlwings_does_not_have():
    app = Checked(FakeApp(), "App")
    with pytest.raises(AssertionError):
        app.statusbar = "x"                      # the real name is status_bar
    with pytest.raises(TypeError):
        app.alert("x", style="critical")          # alert has mode=, not style=
    with pytest.raises(AssertionError):
        _ = Checked(FakeRange(Grid(), 1, 1, 1, 1), "Range").values


def test_refresh_uses_only_calls_the_installed_xlwings_has():
    assert inspect.ismethod(xlwings.Book.caller)   # a classmethod taking no arguments
    inspect.signature(xlwings.Book.caller).bind()
    book = FakeBook()
    res = ribbon.refresh_active_workbook(Checked(book, "Book"), Source(), now_ms=NOW_MS)
    assert res is not None and res.fresh == 2 and book.grid.value_writes == 1
    bad = FakeBook()
    bad.grid.fail_after = 3
    assert ribbon.refresh_active_workbook(Checked(bad, "Book"), Source()) is None
    assert len(bad.app.alerts) == 1 and bad.app.status_bar is False


def test_a_failing_second_run_puts_the_first_run_back_too():
    # a user column splits the written columns into two runs, i.e. two writes; if the
    # second fails, the first is undone as well: never half a refreshed table
    headers = HEADERS[:5] + ["My note"] + HEADERS[5:]
    book = FakeBook(headers=headers)
    before = dict(book.grid.cells)
    book.grid.fail_after = 2 * 3 + 1     # the first run (Spot, Mark, Index x 2 rows) passes
    assert ribbon.refresh_active_workbook(book, Source()) is None
    assert book.grid.value_writes == 2
    after = {k: v for k, v in book.grid.cells.items() if v not in (None, "")}
    assert after == {k: v for k, v in before.items() if v not in (None, "")}
    assert "Excel is busy" in book.app.alerts[0][0]


def test_a_kept_currency_cell_keeps_its_full_value():
    # the Market prices carry "$" formats; Windows reads such a cell's value cut to 4
    # decimal places, so writing the read value back would change a $0.00001234 price
    book = FakeBook()
    book.grid.cells[(6, col("Mark"))] = Currency(0.00001234)
    book.grid.cells[(6, col("Spot"))] = Currency(2.5)
    res = ribbon.refresh_active_workbook(book, HalfBroken(), now_ms=NOW_MS)
    assert res.kept == 1
    assert book.grid.cells[(6, col("Mark"))] == 0.00001234
    assert book.grid.cells[(6, col("Spot"))] == 2.5


def test_a_one_column_header_is_read_as_a_list():
    from perphedge.excel.xltable import XlwingsMarketTable

    book = FakeBook()
    book.sheets = [FakeSheet([FakeTable(book.grid, "Market", 4, 2, 1)])]
    assert XlwingsMarketTable(book).headers() == ["Symbol"]


def test_a_failing_read_before_the_second_write_puts_the_first_back():
    headers = HEADERS[:5] + ["My note"] + HEADERS[5:]
    book = FakeBook(headers=headers)
    before = dict(book.grid.cells)
    book.grid.fail_formula_read = 2       # the second block's formulas cannot be read
    assert ribbon.refresh_active_workbook(book, Source()) is None
    assert book.grid.value_writes == 1
    after = {k: v for k, v in book.grid.cells.items() if v not in (None, "")}
    assert after == {k: v for k, v in before.items() if v not in (None, "")}


# -- the button from outside: finding the workbook, one refresh at a time, failing loudly --

RETURNS.update({("Apps", "active"): "App", ("App", "books"): "Books", ("Books", "active"): "Book"})


class Notes:
    """Stands in for the system notification: records (message, title)."""

    def __init__(self):
        self.sent = []

    def __call__(self, message, title):
        self.sent.append((message, title))


def _host(tmp_path, find_book=None, notes=None):
    return ribbon.Host(find_book or (lambda: pytest.fail("the book was given")),
                       tmp_path / "logs" / "refresh.log", tmp_path / "logs" / "refresh.lock",
                       notes or Notes())


class AppleEventsDenied(Exception):
    """What appscript raises when macOS refuses Python the automation of Excel (-1743)."""

    def __init__(self):
        super().__init__("Command failed: OSERROR: -1743 MESSAGE: The user has declined permission.")


class DeniedApp(FakeApp):
    @property
    def status_bar(self):
        raise AppleEventsDenied()

    @status_bar.setter
    def status_bar(self, v):
        raise AppleEventsDenied()

    def alert(self, *a, **k):
        raise AppleEventsDenied()


def test_the_status_bar_says_it_runs_before_anything_else():
    book = FakeBook()
    book.sheets = [FakeSheet([])]            # fails at the first look at the workbook
    assert ribbon.refresh_active_workbook(book, Source()) is None
    assert book.app.status_history[0] == ribbon.STARTING
    assert book.app.status_bar is False


def test_a_book_caller_failure_is_a_message_not_a_traceback(tmp_path):
    def caller():
        raise Exception("Book.caller() must not be called directly.")   # xlwings' own text

    notes = Notes()
    assert ribbon.refresh_active_workbook(source=Source(), host=_host(tmp_path, caller, notes)) is None
    [(message, title)] = notes.sent
    assert "Book.caller() must not be called directly" in message and title == "Perpetual Hedge"
    assert str(tmp_path / "logs" / "refresh.log") in message
    assert "Book.caller() must not be called directly" in (tmp_path / "logs" / "refresh.log").read_text()


def test_apple_events_denied_goes_to_the_log_and_a_notification(tmp_path):
    book = FakeBook()
    book.app = DeniedApp()
    notes = Notes()
    before = dict(book.grid.cells)
    assert ribbon.refresh_active_workbook(Checked(book, "Book"), Source(),
                                          host=_host(tmp_path, notes=notes)) is None
    assert book.grid.cells == before
    [(message, _)] = notes.sent
    assert "-1743" in message and "log" in message
    logged = (tmp_path / "logs" / "refresh.log").read_text()
    assert "-1743" in logged and "Excel could not show the message" in logged


def test_a_second_click_while_one_refresh_runs_changes_nothing_and_says_so(tmp_path):
    from perphedge.excel import refreshlock

    host = _host(tmp_path)
    book = FakeBook()
    before = dict(book.grid.cells)
    with refreshlock.held(host.lock_file):          # the first refresh, still running
        assert ribbon.refresh_active_workbook(Checked(book, "Book"), Source(), host=host) is None
    assert book.grid.cells == before and book.grid.value_writes == 0
    [(prompt, _, _)] = book.app.alerts
    assert "another Refresh prices is still running" in prompt
    # once it has finished, the next click refreshes
    assert ribbon.refresh_active_workbook(book, Source(), host=host, now_ms=NOW_MS).fresh == 2


def test_the_lock_is_held_across_processes_and_released_when_its_process_ends(tmp_path):
    import subprocess
    import sys
    import textwrap

    from perphedge.excel import refreshlock

    lock = tmp_path / "refresh.lock"
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from perphedge.excel import refreshlock
        with refreshlock.held(Path({str(lock)!r})):
            print("held", flush=True)
            sys.stdin.readline()
    """)
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    try:
        assert p.stdout.readline().strip() == "held"
        with pytest.raises(refreshlock.RefreshBusy), refreshlock.held(lock):
            pass
    finally:
        p.kill()      # ends without releasing: the system drops the lock with the process
        p.wait(timeout=30)
    with refreshlock.held(lock):
        pass


class FakeBooks:
    def __init__(self, active):
        self.active = active


class FakeXlApp(FakeApp):
    def __init__(self, active):
        super().__init__()
        self.books = FakeBooks(active)


class FakeApps:
    def __init__(self, active):
        self.active = active


class NamedBook(FakeBook):
    def __init__(self, name):
        super().__init__()
        self.name = name


def _xw_with(active_book, caller_error="Couldn't find workbook"):
    """A stand-in for the xlwings module: Book.caller fails, apps.active is checked
    against the installed xlwings' classes."""
    import types

    def caller():
        raise Exception(caller_error)

    app = FakeXlApp(active_book)
    active_book.app = app
    return types.SimpleNamespace(Book=types.SimpleNamespace(caller=caller),
                                 apps=Checked(FakeApps(app), "Apps"))


@pytest.mark.parametrize("arrived", [
    "Couverture caf\u00c3\u00a9.xlsx",          # UTF-8 bytes read as Latin-1
    "Couverture caf\u221a\u00a9.xlsx",          # UTF-8 bytes read as Mac Roman
    "Couverture cafe\u0301.xlsx",               # decomposed (NFD), as macOS spells file names
    "COUVERTURE CAFÉ.XLSX",                     # Book.caller lower-cases; Excel ignores case
])
def test_an_accented_workbook_name_that_arrives_garbled_finds_the_active_workbook(arrived):
    from perphedge.excel.caller import calling_book

    book = NamedBook("Couverture café.xlsx")
    found = calling_book(_xw_with(book), ["-c", f'--wb="{arrived}"', "--from_xl=1"])
    assert found.name == "Couverture café.xlsx"


def test_another_active_workbook_is_never_refreshed_in_its_place(tmp_path):
    from perphedge.excel.caller import CallerNotFound, calling_book

    other = NamedBook("Budget.xlsx")
    with pytest.raises(CallerNotFound, match="is not the active workbook 'Budget.xlsx'"):
        calling_book(_xw_with(other), ['--wb="Couverture caf\u00c3\u00a9.xlsx"'])
    notes = Notes()
    host = _host(tmp_path, lambda: calling_book(_xw_with(other), ['--wb="Couverture café.xlsx"']), notes)
    assert ribbon.refresh_active_workbook(source=Source(), host=host) is None
    assert other.grid.value_writes == 0
    assert len(notes.sent) == 1 and "click the button again" in notes.sent[0][0]


def test_the_system_notification_passes_the_text_as_an_argument(monkeypatch):
    calls = []
    monkeypatch.setattr(ribbon.sys, "platform", "darwin")
    monkeypatch.setattr(ribbon.subprocess, "run", lambda argv, **k: calls.append(argv))
    ribbon.notify('failed: "quoted" & $(rm -rf ~)', "Perpetual Hedge")
    [argv] = calls
    assert argv[0] == "osascript" and argv[-2:] == ['failed: "quoted" & $(rm -rf ~)', "Perpetual Hedge"]
    assert not any("rm -rf" in a for a in argv[:-2])
